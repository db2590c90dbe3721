"""Public docstrings follow the numpydoc standard, checked by numpydoc's own validator.

Every public callable (each name in ``ecosystem.__all__`` and in the ``__all__`` of the public
subpackages it lists, and the public methods of public classes) needs a docstring whose
``Parameters`` name every parameter of the signature and nothing else, each with a
description, a ``Returns`` (or ``Yields``) section, and an ``Examples`` section (the examples
run as doctests). numpydoc's validator (``numpydoc.validate.validate``) is used rather than
ruff's pydocstyle rules because it works on the imported objects: it sees re-exported names,
methods and the real signatures, and it checks that the documented parameters match them and
that Examples exist, which pydocstyle's numpy convention does not.

Three readings of numpydoc's parameter check (PR01): a constructor parameter whose name starts
with an underscore is private and needs no entry; a result class (a dataclass the library
builds and the user reads) may document its fields under ``Attributes`` instead of
``Parameters``; and a class that inherits its constructor (the error subclasses) has its
parameters documented where the constructor is defined (:class:`ecosystem.EcosystemError`).

Style checks of numpydoc (summary punctuation, types next to parameter names, See Also) are
not enforced: the parameter types live in the type hints, which mypy checks.
"""

from __future__ import annotations

import inspect
import re
import types
from collections.abc import Iterator

import pytest
from numpydoc.docscrape import NumpyDocString
from numpydoc.validate import validate

import ecosystem

#: numpydoc error codes enforced for every public callable.
CHECKS = {
    "GL08": "no docstring",
    "PR01": "a parameter is not documented",
    "PR02": "a documented parameter does not exist",
    "PR07": "a parameter has no description",
    "RT01": "no Returns section",
    "YD01": "no Yields section",
    "EX01": "no Examples section",
}

#: Callables whose docstrings do not yet pass, with the checks they fail. Only shrinks: a new
#: public callable is never added here.
KNOWN_GAPS: dict[str, set[str]] = {
    "ecosystem.ReferralModel.simulate": {"PR01", "RT01"},
    "ecosystem.ReferralModel.solve": {"PR01", "RT01"},
}


def _public(module: types.ModuleType, prefix: str) -> Iterator[tuple[str, object]]:
    for name in getattr(module, "__all__", ()):
        obj = getattr(module, name)
        path = f"{prefix}.{name}"
        if isinstance(obj, types.ModuleType):
            yield from _public(obj, path)
        elif callable(obj):
            yield path, obj
            if inspect.isclass(obj):
                for attr, value in vars(obj).items():
                    if attr.startswith("_"):
                        continue
                    if isinstance(value, staticmethod | classmethod) or inspect.isfunction(value):
                        yield f"{path}.{attr}", getattr(obj, attr)


def _callables() -> dict[str, object]:
    """Public path -> object, each object once (under the first, shortest public path)."""
    out: dict[str, object] = {}
    seen: set[int] = set()
    for path, obj in sorted(_public(ecosystem, "ecosystem"), key=lambda p: (p[0].count("."),
                                                                             p[0])):
        key = id(getattr(obj, "__func__", obj))
        if key not in seen:
            seen.add(key)
            out[path] = obj
    return out


CALLABLES = _callables()


def _failing(path: str) -> dict[str, str]:
    """numpydoc's errors among CHECKS, with the two readings of PR01 applied."""
    out = {}
    for code, msg in validate(path)["errors"]:
        if code not in CHECKS:
            continue
        if code == "PR01":
            missing = set(re.findall(r"'(\w+)'", msg)) - _documented_attributes(path)
            missing = {name for name in missing if not name.startswith("_")}
            if not missing:
                continue
            msg = f"Parameters {sorted(missing)} not documented"
        out[code] = msg
    return out


def _documented_attributes(path: str) -> set[str]:
    obj = CALLABLES.get(path)
    if not inspect.isclass(obj) or not obj.__doc__:
        return set()
    if "__init__" not in vars(obj) and obj.__init__ is not object.__init__:
        return set(inspect.signature(obj).parameters)  # documented with the constructor
    names = set()
    for entry in NumpyDocString(inspect.cleandoc(obj.__doc__))["Attributes"]:
        names |= {n.strip() for n in entry.name.split(",")}
    return names


def _errors(path: str) -> set[str]:
    return set(_failing(path))


def test_the_walk_finds_the_public_api():
    assert {"ecosystem.Ecosystem", "ecosystem.Ecosystem.subset", "ecosystem.centrality",
            "ecosystem.interventions.add_ties", "ecosystem.Schema.default"} <= set(CALLABLES)
    assert len(CALLABLES) > 80


@pytest.mark.parametrize("path", sorted(CALLABLES))
def test_public_docstring(path):
    failing = _failing(path)
    allowed = KNOWN_GAPS.get(path, set())
    new = {code: msg for code, msg in failing.items() if code not in allowed}
    assert not new, f"{path}: " + "; ".join(f"{c} {m}" for c, m in sorted(new.items()))


def test_known_gaps_are_public():
    """Entries of the allowance name public callables (renamed ones are removed)."""
    assert set(KNOWN_GAPS) <= set(CALLABLES)
