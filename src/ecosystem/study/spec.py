"""Study files: a comparison study written down as TOML, validated, and run.

A study file says everything :func:`~ecosystem.study.compare` needs, so a study travels, can be
re-run next year and cited. It has four sections::

    [study]
    name = "low-SES vs average"
    seed = 20261202                 # required: the same seed gives the same results
    replicates = 30
    executor = "processes:2"        # "serial", "processes:N", "dask:local", "dask:tcp://HOST:PORT"
    metrics = ["medicalised", "lost", "mean_constraint"]
    baseline = "average/none"       # "scenario/intervention"
    chunk = 10                      # replicates per persisted chunk (optional)

    [scenarios.low_ses]
    profile = "low_ses"             # a preset; other keys override its parameters
    actors = { welfare = 0.3 }

    [scenarios.average]
    profile = "average"

    [scenarios.utrecht]
    data = { actors = "actors.csv", ties = "ties.csv" }    # your own data, any format

    [scenarios.region]
    region = "buurten.csv"          # a table of neighbourhoods (e.g. CBS Kerncijfers)
    columns = { buurtnaam = "neighbourhood", aantal_inwoners = "residents" }

    [interventions]
    none = []
    prescribing = [{ kind = "social_prescribing", strength = 2.0 }]

    [output]
    formats = ["parquet", "csv"]    # both by default
    suppress_below = 10             # blank results resting on fewer residents or actors

Every scenario has exactly one source: ``profile`` (a preset name, with optional overrides of
its parameters as further keys, see :meth:`~ecosystem.generate.Profile.replace`), ``data``
(``actors`` and optionally ``ties``: paths relative to the study file, read with the reader
of their suffix) or ``region`` (a CSV or Excel table of neighbourhoods for
:func:`~ecosystem.generate.generate_region`, with an optional ``columns`` mapping and
``base_profile``). An intervention is a list of steps, each a table with ``kind`` (a function of
:mod:`ecosystem.interventions`) and that function's parameters; ``none = []`` is no change.

Validation happens once, when the file is loaded, before any work: every error is a
:class:`StudyError` naming the file, the key path (``scenarios.low_ses.profile``) and, where it
can be found, the line, with the closest valid name for a typo. Unknown keys are errors.
"""

from __future__ import annotations

import hashlib
import inspect
import math
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ecosystem._repr import clip, html_card, listing
from ecosystem.core.errors import ConfigError, EcosystemError, suggest

__all__ = ["SCENARIO_SOURCES", "InterventionStep", "ScenarioSpec", "Study", "StudyError",
           "demo_study", "example_study", "load"]

#: The keys that name a scenario's source; each scenario has exactly one.
SCENARIO_SOURCES = ("profile", "data", "region")
_SECTIONS = ("study", "scenarios", "interventions", "output")
_STUDY_KEYS = ("name", "seed", "replicates", "executor", "metrics", "baseline", "chunk")
_OUTPUT_KEYS = ("formats", "suppress_below")
_FORMATS = ("parquet", "csv")
_DATA_KEYS = ("actors", "ties", "sep", "decimal", "encoding")
_REGION_KEYS = ("region", "columns", "base_profile")
_EXECUTOR = re.compile(r"^(serial|processes:[1-9][0-9]*|dask:local|dask:tcp://[^\s:]+:[0-9]+)$")
#: Replicates per persisted chunk when the study file does not say.
DEFAULT_CHUNK = 10


class StudyError(ConfigError):
    """A study file that cannot be run: wrong type, unknown key, missing file, bad value.

    The message names the file, the key path and, where it can be found, the line.

    Parameters
    ----------
    message
        What is wrong and what to do.
    source
        The study file.
    key
        Dotted key path, e.g. ``scenarios.low_ses.profile``.
    line
        Line of the key in the file, where it can be found.

    Examples
    --------
    >>> from ecosystem.study import Study, StudyError
    >>> try:
    ...     Study.from_dict({"study": {"seed": 1, "replicate": 3}}, source="s.toml")
    ... except StudyError as err:
    ...     print(err.key, "|", err.reason)  # doctest: +ELLIPSIS
    study.replicate | unknown key 'replicate'; did you mean 'replicates'? Known: ...
    """

    def __init__(self, message: str, *, source: str | None = None, key: str | None = None,
                 line: int | None = None) -> None:
        where = [w for w in (source, f"line {line}" if line else None,
                             f"key '{key}'" if key else None) if w]
        self.key = key
        super().__init__(f"{', '.join(where)}: {message}" if where else message)
        self.source, self.field, self.line, self.reason = source, key, line, message


# ------------------------------------------------------------------ the parsed study
@dataclass(frozen=True)
class ScenarioSpec:
    """One scenario of a study file, as written (paths relative to the study file).

    Parameters
    ----------
    name
        The scenario's name (its table name in ``[scenarios.NAME]``).
    source
        ``"profile"``, ``"data"`` or ``"region"``.
    options
        The scenario's keys as written, the source key included.
    """

    name: str
    source: str
    options: Mapping[str, Any]


@dataclass(frozen=True)
class InterventionStep:
    """One step of an intervention: a function of :mod:`ecosystem.interventions` and its
    parameters.

    Parameters
    ----------
    kind
        Name of the intervention function, e.g. ``"social_prescribing"``.
    params
        Its keyword arguments.
    """

    kind: str
    params: Mapping[str, Any]


@dataclass(frozen=True)
class Study:
    """A validated study: what :func:`load` returns and :meth:`run` executes.

    Parameters
    ----------
    name
        Name of the study.
    seed
        Seed of the study (an int): replicate ``r`` gets the ``r``-th spawned child seed.
    replicates
        Replicates per scenario.
    executor
        ``"serial"``, ``"processes:N"``, ``"dask:local"`` or ``"dask:tcp://HOST:PORT"``.
    metrics
        Built-in metric names (:data:`ecosystem.study.BUILTIN`) and
        ``lost_to.<kind>[.<need>]`` (see :func:`~ecosystem.study.flow_metric`).
    baseline
        ``"scenario/intervention"`` that effects are measured against.
    scenarios
        The scenarios in file order.
    interventions
        ``(name, steps)`` in file order.
    formats
        Output formats of the results table: ``"parquet"`` and/or ``"csv"``.
    suppress_below
        Small-cell suppression threshold (0: off).
    chunk
        Replicates per persisted chunk of results.
    base_dir
        Directory that relative data paths are read from.
    path
        The study file, when it was loaded from one.

    Examples
    --------
    >>> from ecosystem.study import Study
    >>> study = Study.from_dict({
    ...     "study": {"name": "demo", "seed": 1, "replicates": 2, "metrics": ["lost"]},
    ...     "scenarios": {"low": {"profile": "low_ses"}, "avg": {"profile": "average"}}})
    >>> study.baseline
    'low/none'
    >>> Study.from_toml(study.to_toml()) == study
    True
    """

    name: str
    seed: int
    replicates: int
    executor: str
    metrics: tuple[str, ...]
    baseline: str
    scenarios: tuple[ScenarioSpec, ...]
    interventions: tuple[tuple[str, tuple[InterventionStep, ...]], ...]
    formats: tuple[str, ...] = _FORMATS
    suppress_below: int = 0
    chunk: int = DEFAULT_CHUNK
    base_dir: Path = field(default=Path("."), compare=False)
    path: Path | None = field(default=None, compare=False)

    # -------------------------------------------------------------- construction
    @classmethod
    def from_dict(cls, spec: Mapping[str, Any], *, base_dir: str | Path = ".",
                  source: str | None = None, text: str | None = None) -> Study:
        """Validate a study given as nested mappings (the parsed TOML).

        Parameters
        ----------
        spec
            The study's sections as nested dicts.
        base_dir
            Directory that relative data paths are resolved against.
        source
            Name of the file, for error messages.
        text
            The file's text, so that errors can name a line.

        Returns
        -------
        Study

        Raises
        ------
        StudyError
            Naming the key path (and line) of the first problem.

        Examples
        --------
        >>> from ecosystem.study import Study
        >>> study = Study.from_dict({"study": {"seed": 1, "replicates": 2, "metrics": ["lost"]},
        ...                          "scenarios": {"avg": {"profile": "average"}},
        ...                          "interventions": {"none": [], "sp": [
        ...                              {"kind": "social_prescribing", "strength": 2.0}]}})
        >>> study.baseline, [s.name for s in study.scenarios]
        ('avg/none', ['avg'])
        """
        return _Validator(spec, Path(base_dir), source, text).study()

    @classmethod
    def from_toml(cls, text: str, *, base_dir: str | Path = ".",
                  source: str | None = None) -> Study:
        """Parse and validate the text of a study file.

        Parameters
        ----------
        text
            TOML text.
        base_dir
            Directory that relative data paths are resolved against.
        source
            Name of the file, for error messages.

        Returns
        -------
        Study

        Examples
        --------
        >>> from ecosystem.study import Study
        >>> study = Study.from_dict({"study": {"seed": 1, "replicates": 2, "metrics": ["lost"]},
        ...                          "scenarios": {"avg": {"profile": "average"}},
        ...                          "interventions": {"none": [], "sp": [
        ...                              {"kind": "social_prescribing", "strength": 2.0}]}})
        >>> Study.from_toml(study.to_toml()) == study
        True
        """
        try:
            spec = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise StudyError(f"not valid TOML: {exc}", source=source) from None
        return cls.from_dict(spec, base_dir=base_dir, source=source, text=text)

    # -------------------------------------------------------------- writing
    def to_dict(self) -> dict[str, Any]:
        """The study as nested dicts in the layout of a study file (relative paths kept).

        Returns
        -------
        dict

        Examples
        --------
        >>> from ecosystem.study import Study
        >>> study = Study.from_dict({"study": {"seed": 1, "replicates": 2, "metrics": ["lost"]},
        ...                          "scenarios": {"avg": {"profile": "average"}},
        ...                          "interventions": {"none": [], "sp": [
        ...                              {"kind": "social_prescribing", "strength": 2.0}]}})
        >>> study.to_dict()["study"]["replicates"]
        2
        """
        return {
            "study": {"name": self.name, "seed": self.seed, "replicates": self.replicates,
                      "executor": self.executor, "metrics": list(self.metrics),
                      "baseline": self.baseline, "chunk": self.chunk},
            "scenarios": {s.name: dict(s.options) for s in self.scenarios},
            "interventions": {name: [{"kind": st.kind, **st.params} for st in steps]
                              for name, steps in self.interventions},
            "output": {"formats": list(self.formats), "suppress_below": self.suppress_below},
        }

    def to_toml(self) -> str:
        """The study as the text of a study file; :meth:`from_toml` reads it back equal.

        Returns
        -------
        str

        Examples
        --------
        >>> from ecosystem.study import Study
        >>> study = Study.from_dict({"study": {"seed": 1, "replicates": 2, "metrics": ["lost"]},
        ...                          "scenarios": {"avg": {"profile": "average"}},
        ...                          "interventions": {"none": [], "sp": [
        ...                              {"kind": "social_prescribing", "strength": 2.0}]}})
        >>> print(study.to_toml().splitlines()[0])
        [study]
        """
        return _toml(self.to_dict())

    def fingerprint(self) -> str:
        """SHA-256 of the resolved study: its canonical TOML plus the bytes of every data
        file it reads. Results written by a study with another fingerprint are never mixed.

        Returns
        -------
        str
            Hex digest.

        Examples
        --------
        >>> from ecosystem.study import Study
        >>> study = Study.from_dict({"study": {"seed": 1, "replicates": 2, "metrics": ["lost"]},
        ...                          "scenarios": {"avg": {"profile": "average"}},
        ...                          "interventions": {"none": [], "sp": [
        ...                              {"kind": "social_prescribing", "strength": 2.0}]}})
        >>> len(study.fingerprint())
        64
        """
        h = hashlib.sha256(self.to_toml().encode())
        for path in self.data_files():
            h.update(path.name.encode())
            h.update(hashlib.sha256(path.read_bytes()).digest())
        return h.hexdigest()

    def data_files(self) -> list[Path]:
        """Every data file the scenarios read, resolved against :attr:`base_dir`.

        Returns
        -------
        list of pathlib.Path

        Examples
        --------
        >>> from ecosystem.study import Study
        >>> study = Study.from_dict({"study": {"seed": 1, "replicates": 2, "metrics": ["lost"]},
        ...                          "scenarios": {"avg": {"profile": "average"}},
        ...                          "interventions": {"none": [], "sp": [
        ...                              {"kind": "social_prescribing", "strength": 2.0}]}})
        >>> study.data_files()  # generated scenarios read no files
        []
        """
        out = []
        for s in self.scenarios:
            if s.source == "data":
                out += [self.base_dir / s.options["data"][k] for k in ("actors", "ties")
                        if k in s.options["data"]]
            elif s.source == "region":
                out.append(self.base_dir / s.options["region"])
        return out

    # -------------------------------------------------------------- what compare() takes
    def scenario_objects(self) -> dict[str, Any]:
        """The scenarios as :func:`~ecosystem.study.compare` takes them: a
        :class:`~ecosystem.generate.Profile`, an :class:`~ecosystem.Ecosystem` read from the
        data files, or a table of neighbourhoods.

        Returns
        -------
        dict
            Scenario name -> configuration.

        Examples
        --------
        >>> from ecosystem.study import Study
        >>> study = Study.from_dict({"study": {"seed": 1, "replicates": 2, "metrics": ["lost"]},
        ...                          "scenarios": {"avg": {"profile": "average"}},
        ...                          "interventions": {"none": [], "sp": [
        ...                              {"kind": "social_prescribing", "strength": 2.0}]}})
        >>> study.scenario_objects()["avg"].name
        'average'
        """
        return {s.name: _scenario_object(s, self.base_dir, self._source()) for s in
                self.scenarios}

    def intervention_objects(self) -> dict[str, Any]:
        """The interventions as :func:`~ecosystem.study.compare` takes them.

        Returns
        -------
        dict
            Intervention name -> :class:`~ecosystem.interventions.Intervention`.

        Examples
        --------
        >>> from ecosystem.study import Study
        >>> study = Study.from_dict({"study": {"seed": 1, "replicates": 2, "metrics": ["lost"]},
        ...                          "scenarios": {"avg": {"profile": "average"}},
        ...                          "interventions": {"none": [], "sp": [
        ...                              {"kind": "social_prescribing", "strength": 2.0}]}})
        >>> sorted(study.intervention_objects())
        ['none', 'sp']
        """
        from ecosystem.interventions import compose

        return {name: compose([_step(st, f"interventions.{name}[{k}]", self._source())
                               for k, st in enumerate(steps)])
                for name, steps in self.interventions}

    def baseline_scenario(self) -> str:
        """The baseline as :class:`~ecosystem.study.Comparison` names scenarios
        (``"scenario / intervention"``).

        Returns
        -------
        str

        Examples
        --------
        >>> from ecosystem.study import Study
        >>> study = Study.from_dict({"study": {"seed": 1, "replicates": 2, "metrics": ["lost"]},
        ...                          "scenarios": {"avg": {"profile": "average"}},
        ...                          "interventions": {"none": [], "sp": [
        ...                              {"kind": "social_prescribing", "strength": 2.0}]}})
        >>> study.baseline_scenario()
        'avg / none'
        """
        scenario, intervention = self.baseline.split("/", 1)
        return f"{scenario} / {intervention}"

    def _source(self) -> str | None:
        return str(self.path) if self.path is not None else None

    def _describe(self) -> str:
        return (f"{clip(self.name)!r}: {len(self.scenarios)} scenarios "
                f"({listing(s.name for s in self.scenarios)}) x "
                f"{len(self.interventions)} interventions x {self.replicates} replicates, "
                f"{len(self.metrics)} metrics, seed {self.seed}")

    def __repr__(self) -> str:
        return f"Study({self._describe()})"

    def _repr_html_(self) -> str:
        scen = pd.DataFrame(
            [{"scenario": s.name, "source": s.source,
              "options": clip(", ".join(f"{k}={v}" for k, v in s.options.items()
                                        if k != s.source), 80),
              s.source: clip(s.options.get(s.source, ""), 80)} for s in self.scenarios],
            columns=["scenario", "source", "profile", "data", "region", "options"],
        ).set_index("scenario").dropna(axis=1, how="all")
        steps = pd.DataFrame(
            [{"intervention": name, "steps": listing((st.kind for st in steps), 5)}
             for name, steps in self.interventions], columns=["intervention", "steps"]
        ).set_index("intervention")
        return html_card(
            f"Study {self._describe()}",
            [("Scenarios", scen), ("Interventions", steps)],
            notes=[f"metrics: {listing(self.metrics, 8)}", f"baseline: {self.baseline}",
                   f"executor: {self.executor}"])

    def run(self, out: str | Path | None = None, *, executor: str | None = None,
            resume: bool = True, progress: bool = False, report: bool = True) -> Any:
        """Run the study; with ``out``, write its results, chunks and manifest there.

        Parameters
        ----------
        out
            Output directory (created). ``None`` runs in memory and writes nothing.
        executor
            Overrides the study file's executor (same forms).
        resume
            Reuse the finished chunks found in ``out`` (refused when they come from a
            different study); ``False`` starts over.
        progress
            Show a progress bar.
        report
            With ``out``, also write ``report.html`` and the figures.

        Returns
        -------
        Comparison
            As :func:`~ecosystem.study.compare` returns it.

        Examples
        --------
        >>> from ecosystem.study import Study
        >>> study = Study.from_dict({"study": {"seed": 1, "replicates": 2, "metrics": ["lost"]},
        ...                          "scenarios": {"avg": {"profile": "average"}},
        ...                          "interventions": {"none": [], "sp": [
        ...                              {"kind": "social_prescribing", "strength": 2.0}]}})
        >>> result = study.run()  # in memory; study.run("out/") writes files
        >>> sorted(result.scenarios)
        ['avg / none', 'avg / sp']
        """
        from ecosystem.study.runner import run_study

        return run_study(self, out, executor=executor, resume=resume, progress=progress,
                         report=report)


def load(path: str | Path) -> Study:
    """Read and validate a study file.

    Parameters
    ----------
    path
        A ``.toml`` study file.

    Returns
    -------
    Study

    Raises
    ------
    StudyError
        When the file is missing, not TOML, or not a valid study; naming the key and line.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from ecosystem.study import load
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "s.toml").write_text('''
    ... [study]
    ... seed = 3
    ... replicates = 2
    ... metrics = ["lost"]
    ... [scenarios.average]
    ... profile = "average"
    ... ''')
    >>> load(d / "s.toml").name
    's'
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StudyError("the study file does not exist", source=str(p)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise StudyError(f"cannot read the study file: {exc}", source=str(p)) from None
    from dataclasses import replace

    return replace(Study.from_toml(text, base_dir=p.parent, source=str(p)), path=p)


# ------------------------------------------------------------------ validation
class _Validator:
    def __init__(self, spec: Mapping[str, Any], base_dir: Path, source: str | None,
                 text: str | None) -> None:
        self.spec, self.base_dir, self.source, self.text = spec, base_dir, source, text

    def error(self, key: str, message: str) -> StudyError:
        return StudyError(message, source=self.source, key=key,
                          line=_line_of(self.text, key) if self.text else None)

    def table(self, value: Any, key: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.error(key, f"must be a table, got {_kind(value)}")
        return value

    def unknown(self, table: Mapping[str, Any], known: Sequence[str], key: str,
                what: str) -> None:
        for k in table:
            if k not in known:
                where = f"{key}.{k}" if key else k
                raise self.error(where, f"unknown {what} '{k}'" + suggest(k, known)
                                 + f" Known: {', '.join(known)}")

    def study(self) -> Study:
        spec = self.table(self.spec, "")
        self.unknown(spec, _SECTIONS, "", "section")
        if "study" not in spec:
            raise self.error("study", "the [study] section is missing; it needs at least "
                             "'seed'")
        st = self.table(spec["study"], "study")
        self.unknown(st, _STUDY_KEYS, "study", "key")
        scenarios = self.scenarios(spec.get("scenarios"))
        interventions = self.interventions(spec.get("interventions", {"none": []}))
        names = [s.name for s in scenarios]
        ints = [n for n, _ in interventions]
        default_baseline = f"{names[0]}/{ints[0]}"
        baseline = self.string(st.get("baseline", default_baseline), "study.baseline")
        if "/" not in baseline:
            baseline = f"{baseline}/{ints[0]}" if len(ints) == 1 else baseline
        known = [f"{s}/{i}" for s in names for i in ints]
        if baseline not in known:
            raise self.error("study.baseline", f"'{baseline}' is not a scenario/intervention "
                             "of this study" + suggest(baseline, known)
                             + f" Known: {', '.join(known)}")
        out = self.table(spec.get("output", {}), "output")
        self.unknown(out, _OUTPUT_KEYS, "output", "key")
        formats = self.strings(out.get("formats", list(_FORMATS)), "output.formats")
        for f in formats:
            if f not in _FORMATS:
                raise self.error("output.formats", f"unknown format '{f}'" + suggest(f, _FORMATS)
                                 + f" Known: {', '.join(_FORMATS)}")
        if not formats:
            raise self.error("output.formats", "name at least one format: parquet or csv")
        return Study(
            name=self.string(st.get("name", Path(self.source).stem if self.source else "study"),
                             "study.name"),
            seed=self.integer(st.get("seed"), "study.seed", low=0, required=True),
            replicates=self.integer(st.get("replicates", 30), "study.replicates", low=1),
            executor=self.executor(st.get("executor", "serial")),
            metrics=self.metrics(st.get("metrics", ["flows"])),
            baseline=baseline,
            scenarios=scenarios,
            interventions=interventions,
            formats=tuple(dict.fromkeys(formats)),
            suppress_below=self.integer(out.get("suppress_below", 0), "output.suppress_below",
                                        low=0),
            chunk=self.integer(st.get("chunk", DEFAULT_CHUNK), "study.chunk", low=1),
            base_dir=self.base_dir,
        )

    # -------------------------------------------------------------- scalars
    def string(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, f"must be a non-empty string, got {_kind(value)}")
        return value

    def strings(self, value: Any, key: str) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(key, f"must be a list of strings, got {_kind(value)}")
        return list(value)

    def integer(self, value: Any, key: str, *, low: int, required: bool = False) -> int:
        if value is None and required:
            what = ("the study's seed is required, so that a re-run gives the same results; "
                    "add e.g. 'seed = 1'")
            raise self.error(key, what)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"must be an integer, got {_kind(value)}")
        if value < low:
            raise self.error(key, f"must be >= {low}, got {value}")
        return value

    def executor(self, value: Any) -> str:
        value = self.string(value, "study.executor")
        if not _EXECUTOR.match(value):
            raise self.error("study.executor", f"'{value}' is not an executor; use 'serial', "
                             "'processes:N', 'dask:local' or 'dask:tcp://HOST:PORT'")
        return value

    def metrics(self, value: Any) -> tuple[str, ...]:
        from ecosystem.study.metrics import BUILTIN

        names = self.strings(value, "study.metrics")
        if not names:
            raise self.error("study.metrics", "name at least one metric")
        for m in names:
            if m.startswith("lost_to."):
                from ecosystem.study.metrics import flow_metric

                try:
                    flow_metric(m)
                except ConfigError as err:
                    raise self.error("study.metrics", str(err).removeprefix(
                        "flow_metric(): ")) from None
            elif m not in BUILTIN:
                raise self.error("study.metrics", f"unknown metric '{m}'" + suggest(m, BUILTIN)
                                 + f" Known: {', '.join(BUILTIN)}, lost_to.<kind>[.<need>]")
        if len(set(names)) != len(names):
            raise self.error("study.metrics", f"a metric is named twice: {names}")
        return tuple(names)

    # -------------------------------------------------------------- scenarios
    def scenarios(self, value: Any) -> tuple[ScenarioSpec, ...]:
        if value is None:
            raise self.error("scenarios", "no scenarios: add e.g. [scenarios.average] with "
                             "profile = \"average\"")
        table = self.table(value, "scenarios")
        if not table:
            raise self.error("scenarios", "no scenarios given")
        return tuple(self.scenario(str(name), opts) for name, opts in table.items())

    def scenario(self, name: str, opts: Any) -> ScenarioSpec:
        key = f"scenarios.{name}"
        if "/" in name:
            raise self.error(key, "a scenario name cannot contain '/'")
        opts = self.table(opts, key)
        given = [s for s in SCENARIO_SOURCES if s in opts]
        if len(given) != 1:
            what = "no source" if not given else f"{len(given)} sources ({', '.join(given)})"
            raise self.error(key, f"has {what}; give exactly one of profile, data or region")
        src = given[0]
        getattr(self, f"scenario_{src}")(key, opts)
        return ScenarioSpec(name, src, dict(opts))

    def scenario_profile(self, key: str, opts: Mapping[str, Any]) -> None:
        from ecosystem.generate import Profile

        preset = self.string(opts["profile"], f"{key}.profile")
        if preset not in Profile.presets():
            raise self.error(f"{key}.profile", f"unknown profile '{preset}'"
                             + suggest(preset, Profile.presets())
                             + f" Known: {', '.join(Profile.presets())}")
        overrides = {k: v for k, v in opts.items() if k != "profile"}
        fields = [f for f in inspect.signature(Profile).parameters if f not in ("name",
                                                                                "sources")]
        self.unknown(overrides, fields, key, "profile parameter")
        try:
            Profile.preset(preset).replace(**overrides)
        except (ConfigError, TypeError, ValueError, AttributeError) as exc:
            first = next(iter(overrides), "profile")
            raise self.error(f"{key}.{first}", f"invalid override: {exc}") from None

    def scenario_data(self, key: str, opts: Mapping[str, Any]) -> None:
        self.unknown(opts, ["data"], key, "key")
        data = self.table(opts["data"], f"{key}.data")
        self.unknown(data, _DATA_KEYS, f"{key}.data", "key")
        if "actors" not in data:
            raise self.error(f"{key}.data", "needs 'actors' (a path to the actors file)")
        for k in ("actors", "ties"):
            if k in data:
                self.path(data[k], f"{key}.data.{k}")

    def scenario_region(self, key: str, opts: Mapping[str, Any]) -> None:
        self.unknown(opts, _REGION_KEYS, key, "key")
        self.path(opts["region"], f"{key}.region")
        cols = self.table(opts.get("columns", {}), f"{key}.columns")
        for k, v in cols.items():
            if not isinstance(v, str):
                raise self.error(f"{key}.columns.{k}", f"must be a column name, got {_kind(v)}")
        if "base_profile" in opts:
            self.scenario_profile(key, {"profile": opts["base_profile"]})

    def path(self, value: Any, key: str) -> Path:
        p = self.base_dir / self.string(value, key)
        if not p.is_file():
            raise self.error(key, f"the file '{value}' does not exist (looked in "
                             f"{self.base_dir.resolve()})")
        return p

    # -------------------------------------------------------------- interventions
    def interventions(self, value: Any) -> tuple[tuple[str, tuple[InterventionStep, ...]], ...]:
        table = self.table(value, "interventions")
        if not table:
            raise self.error("interventions", "no interventions; use none = [] for no change")
        out = []
        for name, steps in table.items():
            key = f"interventions.{name}"
            if "/" in name:
                raise self.error(key, "an intervention name cannot contain '/'")
            if not isinstance(steps, list):
                raise self.error(key, f"must be a list of steps (use [] for no change), got "
                                 f"{_kind(steps)}")
            out.append((str(name), tuple(self.step(s, f"{key}[{k}]")
                                         for k, s in enumerate(steps))))
        return tuple(out)

    def step(self, value: Any, key: str) -> InterventionStep:
        step = self.table(value, key)
        if "kind" not in step:
            raise self.error(key, "needs 'kind', the intervention to apply"
                             f" (one of {', '.join(_factories())})")
        kind = self.string(step["kind"], f"{key}.kind")
        factories = _factories()
        if kind not in factories:
            raise self.error(f"{key}.kind", f"unknown intervention '{kind}'"
                             + suggest(kind, factories) + f" Known: {', '.join(factories)}")
        params = {k: v for k, v in step.items() if k != "kind"}
        self.unknown(params, list(inspect.signature(factories[kind]).parameters), key,
                     f"parameter of {kind}")
        st = InterventionStep(kind, params)
        _step(st, key, self.source, self.text)  # build it once: bad values fail now
        return st


def _factories() -> dict[str, Callable[..., Any]]:
    from ecosystem import interventions as iv

    return {n: getattr(iv, n) for n in iv.__all__ if n not in ("Intervention", "compose")}


def _step(step: InterventionStep, key: str, source: str | None, text: str | None = None) -> Any:
    factory = _factories()[step.kind]
    params = dict(step.params)
    if step.kind == "add_ties" and "ties" in params:
        import pandas as pd

        params["ties"] = pd.DataFrame(params["ties"])
    try:
        return factory(**params)
    except (EcosystemError, TypeError, ValueError) as exc:
        line = _line_of(text, key) if text else None
        raise StudyError(f"invalid parameters of {step.kind}: {exc}", source=source, key=key,
                         line=line) from None


def _scenario_object(s: ScenarioSpec, base: Path, source: str | None) -> Any:
    from ecosystem.generate import Profile

    key = f"scenarios.{s.name}"
    if s.source == "profile":
        overrides = {k: v for k, v in s.options.items() if k != "profile"}
        prof = Profile.preset(s.options["profile"])
        return prof.replace(source=f"study file ({source or 'dict'})", **overrides) \
            if overrides else prof
    if s.source == "data":
        return _read_data(s.options["data"], base, key, source)
    return _read_region(s.options, base, key, source)


def _read_data(data: Mapping[str, Any], base: Path, key: str, source: str | None) -> Any:
    from ecosystem import io

    actors = base / data["actors"]
    ties = base / data["ties"] if "ties" in data else None
    readers: dict[str, Callable[..., Any]] = {
        ".csv": io.read_csv, ".json": io.read_json, ".graphml": io.read_graphml,
        ".xlsx": io.read_excel}
    reader = readers.get(actors.suffix.lower())
    if reader is None:
        raise StudyError(f"cannot read '{actors.name}': use .csv, .json, .graphml or .xlsx",
                         source=source, key=f"{key}.data.actors")
    options = {k: v for k, v in data.items() if k not in ("actors", "ties")}
    try:
        if reader is io.read_csv:
            return reader(actors, ties, **options)
        return reader(actors, **options)
    except EcosystemError as exc:
        raise StudyError(f"cannot read the scenario's data: {exc}", source=source,
                         key=f"{key}.data") from None
    except TypeError as exc:
        raise StudyError(f"unsupported reader option: {exc}", source=source,
                         key=f"{key}.data") from None


def _read_region(opts: Mapping[str, Any], base: Path, key: str, source: str | None) -> Any:
    import pandas as pd

    path = base / opts["region"]
    try:
        if path.suffix.lower() == ".xlsx":
            table = pd.read_excel(path)
        else:
            table = pd.read_csv(path, sep=None, engine="python")
    except Exception as exc:  # pandas raises many kinds on a malformed table
        raise StudyError(f"cannot read the neighbourhood table: {exc}", source=source,
                         key=f"{key}.region") from None
    table = table.rename(columns=dict(opts.get("columns", {})))
    if "base_profile" in opts and "profile" not in table.columns:
        table["profile"] = opts["base_profile"]
    return table


def demo_study() -> Study:
    """The built-in study that ``ecosystem demo`` runs: low-SES vs average neighbourhoods.

    Generated neighbourhoods of the ``average`` and ``low_ses`` profiles, 20 replicates each,
    as they are and under social prescribing and integrated primary care, compared on where
    residents' needs end up (resolved appropriately, medicalised, lost, hops), Burt's mean
    constraint and the E-I index between domains, on the library's documented default
    assumptions. The file ships as ``ecosystem/datasets/data/studies/demo.toml``.

    Returns
    -------
    Study

    Examples
    --------
    >>> from ecosystem.study import demo_study
    >>> study = demo_study()
    >>> [s.name for s in study.scenarios], study.baseline
    (['average', 'low_ses'], 'average/none')
    """
    from importlib.resources import files

    text = (files("ecosystem.datasets") / "data" / "studies" / "demo.toml").read_text("utf-8")
    return Study.from_toml(text, source="demo.toml")


def example_study(profile: str = "low_ses") -> str:
    """The text of a commented example study file comparing ``profile`` with ``average``.

    Parameters
    ----------
    profile
        The preset compared with the average neighbourhood.

    Returns
    -------
    str
        TOML text that :func:`load` accepts as it is.

    Examples
    --------
    >>> from ecosystem.study.spec import Study, example_study
    >>> Study.from_toml(example_study()).baseline
    'average/none'
    """
    from ecosystem.generate import Profile

    if profile not in Profile.presets():
        raise StudyError(f"unknown profile '{profile}'" + suggest(profile, Profile.presets())
                         + f" Known: {', '.join(Profile.presets())}", key="profile")
    return _EXAMPLE.format(profile=profile)


_EXAMPLE = """\
# A comparison study: run it with `ecosystem run study.toml`.
# Every key is checked when the file is loaded; unknown keys are errors.

[study]
name = "{profile} vs average"
seed = 2026                 # the same seed gives the same results, on any executor
replicates = 30             # generated neighbourhoods per scenario
executor = "serial"         # or "processes:2", "dask:local", "dask:tcp://HOST:PORT"
metrics = ["resolved_appropriate", "medicalised", "lost", "mean_constraint"]
baseline = "average/none"   # effects are measured against this scenario/intervention

# A scenario has exactly one source: profile (a preset, with overrides as further keys),
# data = {{ actors = "actors.csv", ties = "ties.csv" }} (your own files), or
# region = "neighbourhoods.csv" (a table of neighbourhoods, e.g. CBS Kerncijfers).
[scenarios.average]
profile = "average"

[scenarios.{profile}]
profile = "{profile}"
# residents = 3000          # an override of a profile parameter

# Each intervention is a list of steps from ecosystem.interventions; none = [] is no change.
[interventions]
none = []
social_prescribing = [{{ kind = "social_prescribing", strength = 2.0 }}]
integrated_primary_care = [{{ kind = "integrate_primary_care" }}]

[output]
formats = ["parquet", "csv"]
suppress_below = 0          # blank results resting on fewer residents or actors (0: off)
"""


# ------------------------------------------------------------------ small helpers
def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
             list: "a list", dict: "a table"}
    return names.get(type(value), type(value).__name__) + (
        f" ({value!r})" if isinstance(value, (bool, int, float, str)) else "")


def _line_of(text: str | None, key: str) -> int | None:
    """Best-effort 1-based line of a dotted key path in TOML text (None if not found)."""
    if not text or not key:
        return None
    parts = [p for p in re.split(r"\.|\[\d+\]", key) if p]
    table: list[str] = []
    best = None
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        head = re.match(r"^\[\s*([^\[\]]+?)\s*\]$", line)
        if head:
            table = [p.strip().strip('"\'') for p in head.group(1).split(".")]
            if table == parts:
                return no
            if parts[:len(table)] == table and best is None:
                best = no
            continue
        m = re.match(r"^[\"']?([A-Za-z0-9_\-]+)[\"']?\s*=", line)
        if m and [*table, m.group(1)] == parts[:len(table) + 1]:
            if len(parts) == len(table) + 1:
                return no
            best = no
    return best


def _toml(doc: Mapping[str, Any]) -> str:
    """TOML text of nested dicts of strings, numbers, booleans, lists and tables.

    Sections become ``[a]`` / ``[a.b]`` headers; tables below a section's direct children are
    written inline.
    """
    lines: list[str] = []
    for section, body in doc.items():
        scalars = {k: v for k, v in body.items() if not isinstance(v, Mapping)}
        tables = {k: v for k, v in body.items() if isinstance(v, Mapping)}
        if scalars or not tables:
            lines.append(f"[{_key(section)}]")
            lines += [f"{_key(k)} = {_value(v)}" for k, v in scalars.items()]
            lines.append("")
        for name, sub in tables.items():
            lines.append(f"[{_key(section)}.{_key(name)}]")
            lines += [f"{_key(k)} = {_value(v)}" for k, v in sub.items()]
            lines.append("")
    return "\n".join(lines)


def _key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_\-]+", k) else _string(k)


def _string(s: str) -> str:
    out = s.replace("\\", "\\\\").replace('"', '\\"')
    out = "".join(c if c.isprintable() or c == " " else
                  f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}" for c in out)
    return f'"{out}"'


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    raise StudyError(f"cannot write {type(v).__name__} to a study file")
