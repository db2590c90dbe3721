"""The shared look of the result objects' reprs (private).

Text reprs are one bounded line: what the object is, its size and its headline figures
(:func:`clip`, :func:`num`, :func:`listing` keep user text and lists short). HTML reprs, for
Jupyter, are a title line, a few notes and small tables (:func:`html_card`): each table is a
bounded head rendered by pandas with its text escaped, and every other piece of text passes
through :func:`html.escape`.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence

import pandas as pd

__all__ = ["MAX_COLS", "MAX_ROWS", "clip", "html_card", "listing", "num"]

#: Rows and columns of each table an HTML repr shows (the rest is counted, not shown).
MAX_ROWS = 10
MAX_COLS = 8
#: Characters of one piece of user text (a name, an id) in a text repr.
MAX_TEXT = 40
#: Characters of one note in an HTML repr.
MAX_NOTE = 300


def clip(text: object, limit: int = MAX_TEXT) -> str:
    """``text`` on one line, cut to ``limit`` characters with ``...`` when longer."""
    s = " ".join(str(text).split())
    return s if len(s) <= limit else s[: max(limit - 3, 1)] + "..."


def num(value: object) -> str:
    """A number with 3 significant digits (``nan``, ``inf`` as such); other values clipped."""
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return clip(value, 16)
    if math.isnan(x) or math.isinf(x):
        return str(x)
    return f"{x:.3g}"


def listing(items: Iterable[object], limit: int = 3, *, width: int = 24) -> str:
    """The first ``limit`` items, clipped, then ``+k more``; ``none`` when there are none."""
    shown: list[str] = []
    rest = 0
    for item in items:
        if len(shown) < limit:
            shown.append(clip(item, width))
        else:
            rest += 1
    if not shown:
        return "none"
    return ", ".join(shown) + (f", +{rest} more" if rest else "")


def _table(table: pd.DataFrame | pd.Series) -> str:
    frame = table.to_frame() if isinstance(table, pd.Series) else table
    shown = frame.iloc[:MAX_ROWS, :MAX_COLS]
    more = []
    if len(frame) > MAX_ROWS:
        more.append(f"{len(frame) - MAX_ROWS} more rows")
    if frame.shape[1] > MAX_COLS:
        more.append(f"{frame.shape[1] - MAX_COLS} more columns")
    out = shown.to_html(escape=True, border=0, na_rep="NaN",
                        float_format=lambda x: f"{x:.4g}")
    if more:
        out += f"<p><i>... {', '.join(more)}</i></p>"
    return out


def html_card(
    title: str,
    tables: Sequence[tuple[str, pd.DataFrame | pd.Series]] = (),
    notes: Sequence[str] = (),
) -> str:
    """A small HTML summary: bold ``title``, ``notes`` (at most :data:`MAX_ROWS`), ``tables``.

    Each table is ``(caption, frame)``; its first :data:`MAX_ROWS` rows and :data:`MAX_COLS`
    columns are shown. All text is escaped.
    """
    parts = [f'<div class="ecosystem-repr"><p><b>{html.escape(title)}</b></p>']
    for note in notes[:MAX_ROWS]:
        parts.append(f"<p>{html.escape(clip(note, MAX_NOTE))}</p>")
    if len(notes) > MAX_ROWS:
        parts.append(f"<p><i>... {len(notes) - MAX_ROWS} more notes</i></p>")
    for caption, table in tables:
        parts.append(f"<p><b>{html.escape(caption)}</b></p>{_table(table)}")
    parts.append("</div>")
    return "".join(parts)
