"""Renamed keyword arguments keep working for one release, with a FutureWarning.

The API conventions page (``docs/api-conventions.md``) lists every renamed parameter. A
function decorated with :func:`renamed` accepts the old keyword, warns once per call with a
:class:`FutureWarning` that names the new keyword, and passes the value on under the new name.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from ecosystem.core.errors import ConfigError

__all__ = ["REMOVED_IN", "renamed"]

#: The release in which the old names stop working.
REMOVED_IN = "1.1"

P = ParamSpec("P")
R = TypeVar("R")


def renamed(func: str, **old_to_new: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorator: accept each old keyword of ``old_to_new`` as its new name, with a warning.

    Parameters
    ----------
    func
        The name shown in messages (``"centrality"``, ``"Ecosystem.subset"``).
    **old_to_new
        Old keyword -> new keyword.

    Returns
    -------
    callable
        A decorator. The decorated function keeps its signature and docstring and records the
        renames in its ``__renamed_parameters__`` attribute.

    Examples
    --------
    >>> import warnings
    >>> @renamed("area", k="n")
    ... def area(*, n=1):
    ...     return n * n
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     area(k=3)
    9
    >>> str(caught[0].message)
    'area(): k= is deprecated and will be removed in ecosystem 1.1; use n= instead'
    """

    def decorate(f: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(f)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            for old, new in old_to_new.items():
                if old in kwargs:
                    if new in kwargs:
                        raise ConfigError(f"{func}(): got both {old}= (deprecated) and {new}=; "
                                          f"pass only {new}=")
                    warnings.warn(f"{func}(): {old}= is deprecated and will be removed in "
                                  f"ecosystem {REMOVED_IN}; use {new}= instead", FutureWarning,
                                  stacklevel=2)
                    kwargs[new] = kwargs.pop(old)
            return f(*args, **kwargs)

        wrapper.__renamed_parameters__ = dict(old_to_new)  # type: ignore[attr-defined]
        return wrapper

    return decorate
