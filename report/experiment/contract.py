"""The contract between an experiment and the generator, checked at build time.

An experiment is a package ``lab/expN/`` (or a module ``lab/expN.py``) that
provides:

==================  ============================================================
``TITLE``           str: a one-line title
``Config``          a frozen dataclass of its settings, every field with a
                    default (``lab.config.setting``), validating itself in
                    ``__post_init__`` by raising ``lab.config.ConfigError``
``run``             ``run(config, progress=None) -> dict``: the main run as
                    plain data (numbers, strings, lists, numpy arrays); it is
                    cached, so nothing else.  Its "log", a list of str, is
                    what the program printed (``labreport run`` prints it)
``report``          ``report(result, studies) -> dict``: the template's
                    context (CONTEXT below)
``summary``         optional: ``summary(result) -> dict``: the result as
                    JSON-ready data for ``labreport run --json``, when not the
                    record's metrics (``report(result, None)["metrics"]``)
``log_lines``       optional: ``log_lines(result) -> list[str]``: the run as
                    ``labreport run`` prints it, when not ``result["log"]``
``studies``         optional: ``studies(config, progress=None, run_all=None)
                    -> dict | None``: runs beyond the main one; ``run_all``
                    maps a plain function over plain data on worker processes
``cache_inputs``    optional: ``cache_inputs(config, stage) -> dict``: what the
                    "run" or "studies" stage depends on, when not all of config
``estimate``        optional: ``estimate(config) -> list[dict]``: the memory and
                    time of its parts, checked against the limits before any
                    work (see report.pipeline.limits)
==================  ============================================================

``progress(stage, done=None, total=None, detail="")`` reports long work:
``done`` of ``total`` units of ``stage``, or only that ``stage`` began.

The context ``report`` returns is a ``Context`` (below: the typed record,
with ``Claim``, ``Measured``, ``Figure`` and ``Table``): it holds CONTEXT's
keys, and any more that its template uses (a template renders with ``StrictUndefined``, so a name it
misses is an error too).  The build adds ``settings``, ``date``,
``provenance``, ``experiment``, ``claim_by_id``, ``held`` and
``failed_claims``, and turns
``figures`` into {id: {number, caption, svg}} and ``program`` into a listing.
"""
from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Sequence
from types import ModuleType
from typing import Any, TypedDict

from report.errors import UserError
from report.render.figures import FigureSpec


class Measured(TypedDict):
    """What a claim measured, in words with a ``{}`` per value: each value
    a [number, kind] pair, formatted in the record's number style
    (report.render.numbers: "number", "count", "percent", "epoch", ...)."""
    pattern: str
    values: list[list[Any]]


class _ClaimRequired(TypedDict):
    id: str
    statement: str
    measured: Measured
    holds: bool | None


class Claim(_ClaimRequired, total=False):
    """A sentence the record states about its runs, and its test
    (lab.kit.claims.claim makes one).  ``holds``: True, False, or None when
    the runs cannot decide; ``negated``: the statement is the negation the
    runs called for."""
    negated: bool


class Figure(FigureSpec, total=False):
    """A figure of the record: a report.render.figures spec (lab.kit.figures
    makes one) with its ``caption`` and its ``alt``, the text that says what
    it shows (words, or words with numbers as a Measured)."""
    caption: str
    alt: str | Measured  # type: ignore[misc]  # FigureSpec's alt, widened to words with numbers


class Table(TypedDict):
    """A CSV file of the record: its header and one sequence of values per
    column (equal lengths), e.g. lab.kit.tables.epoch_log."""
    columns: list[str]
    rows: Sequence[Sequence[Any]]


class _ContextRequired(TypedDict):
    template: str          # the template's file name, e.g. exp7.html.j2
    number: int | str      # the experiment's number in the course
    title: str
    figures: list[Figure]
    claims: list[Claim]
    metrics: dict[str, Any]  # JSON-ready numbers for metrics.json
    files: dict[str, Table]  # {file name: table}: CSV files to write


class Context(_ContextRequired, total=False):
    """What an experiment's ``report`` returns: the record, for its template
    (which may use more keys than these)."""
    subtitle: str  # a line under the title
    program: str   # the source of the program that ran, listed whole

REQUIRED = {"TITLE": "a str", "Config": "a dataclass", "run": "a function",
            "report": "a function"}
# Functions; QUICK is a tuple.
OPTIONAL = ("summary", "log_lines", "studies", "cache_inputs", "estimate")

# Context's keys, checked at build time: key -> (the types it may have,
# whether it is required, what it is, for the error).
CONTEXT: dict[str, tuple[tuple[type, ...], bool, str]] = {
    "template": ((str,), True, "the template's file name, e.g. exp7.html.j2"),
    "number": ((int, str), True, "the experiment's number in the course"),
    "title": ((str,), True, "the record's title"),
    "subtitle": ((str,), False, "a line under the title"),
    "figures": ((list,), True, "figure specs (report.render.figures), each with an id, "
                               "a caption and an alt text"),
    "claims": ((list,), True, "claims: {id, statement, measured, holds}"),
    "metrics": ((dict,), True, "JSON-ready numbers for metrics.json"),
    "files": ((dict,), True, "{file name: {columns, rows}}: CSV files to write"),
    "program": ((str,), False, "the source of the program that ran, listed whole"),
}
CLAIM: dict[str, tuple[type, ...]] = {
    "id": (str,), "statement": (str,), "measured": (dict,), "holds": (bool, type(None))}


class ContractError(UserError, TypeError):
    """An experiment that does not keep the contract; the message names the
    module and the field."""


def check_experiment(module: ModuleType) -> ModuleType:
    """Raise ContractError unless ``module`` provides what REQUIRED names."""
    where = module.__name__
    for name, what in REQUIRED.items():
        if not hasattr(module, name):
            raise ContractError(f"{where}: no {name} ({what}; see report/experiment/contract.py)")
    if not isinstance(module.TITLE, str):
        raise ContractError(f"{where}.TITLE: expected a str, got {type(module.TITLE).__name__}")
    if not (inspect.isclass(module.Config) and dataclasses.is_dataclass(module.Config)):
        raise ContractError(f"{where}.Config: expected a dataclass")
    for field in dataclasses.fields(module.Config):
        if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise ContractError(f"{where}.Config.{field.name}: every setting needs a default")
    for name in [*(n for n in REQUIRED if n not in ("TITLE", "Config")),
                 *(n for n in OPTIONAL if hasattr(module, n))]:
        if not callable(getattr(module, name)):
            raise ContractError(f"{where}.{name}: expected a function")
    quick = getattr(module, "QUICK", ())
    if not (isinstance(quick, tuple) and all(isinstance(q, str) and "=" in q for q in quick)):
        raise ContractError(f"{where}.QUICK: expected a tuple of 'KEY=VALUE' settings")
    return module


def check_context(module: ModuleType, context: object) -> Context:
    """Raise ContractError unless ``context`` (what ``module.report``
    returned) holds CONTEXT's keys with the right types."""
    where = f"{module.__name__}.report()"
    if not isinstance(context, dict):
        raise ContractError(f"{where}: expected a dict, got {type(context).__name__}")
    for key, (types, required, what) in CONTEXT.items():
        if key not in context:
            if required:
                raise ContractError(f"{where}: no {key!r} ({what})")
            continue
        if not isinstance(context[key], types):
            names = " or ".join(t.__name__ for t in types)
            raise ContractError(f"{where}[{key!r}]: expected {names}, got "
                                f"{type(context[key]).__name__}")
    for i, figure in enumerate(context["figures"]):
        if not isinstance(figure, dict) or not isinstance(figure.get("id"), str):
            raise ContractError(f"{where}['figures'][{i}]: expected a dict with an 'id' str")
        alt = figure.get("alt")
        if not (isinstance(alt, str) and alt.strip()
                or isinstance(alt, dict) and {"pattern", "values"} <= set(alt)):
            # The tagged PDF promises every figure a text for those who cannot see it.
            raise ContractError(f"{where}['figures'][{i}] ({figure['id']}): no 'alt', the "
                                "text that says what the figure shows (a str, or "
                                "{pattern, values})")
        if isinstance(alt, dict):
            _check_measured(f"{where}['figures'][{i}] ({figure['id']}) alt", alt)
    for i, claim in enumerate(context["claims"]):
        for key, kinds in CLAIM.items():
            if not isinstance(claim, dict) or not isinstance(claim.get(key, ...), kinds):
                raise ContractError(f"{where}['claims'][{i}]: expected {key!r} "
                                    "(claims are {id, statement, measured, holds})")
        _check_measured(f"{where}['claims'][{i}] ({claim['id']}) measured", claim["measured"])
    for name, table in context["files"].items():
        if not (isinstance(table, dict) and {"columns", "rows"} <= set(table)):
            raise ContractError(f"{where}['files'][{name!r}]: expected {{columns, rows}}")
    return context  # type: ignore[return-value]  # its shape checked above, key by key


def _check_measured(where: str, measured: dict[str, Any]) -> None:
    """A {pattern, values} text: a str with a ``{}`` for each of the values,
    each a [value, kind] pair of a kind the number style knows."""
    from report.render.numbers import KINDS

    pattern, values = measured.get("pattern"), measured.get("values")
    if not (isinstance(pattern, str) and isinstance(values, (list, tuple))):
        raise ContractError(f"{where}: expected {{pattern: str, values: [[value, kind], ...]}}")
    for value in values:
        if not (isinstance(value, (list, tuple)) and len(value) == 2):
            raise ContractError(f"{where}: the value {value!r} is not a [value, kind] pair")
        if value[1] not in KINDS:
            raise ContractError(f"{where}: unknown number kind {value[1]!r} (the kinds are "
                                f"{', '.join(KINDS)})")
    if pattern.count("{}") != len(values):
        raise ContractError(f"{where}: {pattern.count('{}')} {{}} in {pattern!r} for "
                            f"{len(values)} values")


def run_summary(module: ModuleType, result: dict[str, Any]) -> Any:
    """The run as ``labreport run --json`` prints it: ``module.summary(result)``,
    or the metrics of its record without the studies."""
    if hasattr(module, "summary"):
        return module.summary(result)
    return check_context(module, module.report(result, None))["metrics"]


def printed_log(module: ModuleType, result: dict[str, Any]) -> list[str]:
    """The run as ``labreport run`` prints it: ``module.log_lines(result)``,
    or the result's "log"."""
    lines = module.log_lines(result) if hasattr(module, "log_lines") else result.get("log")
    if not (isinstance(lines, (list, tuple)) and all(isinstance(x, str) for x in lines)):
        raise ContractError(f"{module.__name__}: the run's log is not a list of str "
                            "(run() returns it as \"log\", or log_lines(result) does)")
    return list(lines)
