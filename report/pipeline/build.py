"""``labreport build``: run an experiment, render its write-up, write outputs.

``make`` is compute → assemble → render: ``compute`` gives the main run and
the studies, ``assemble`` the Record (the template's context, the metrics,
the tables), ``render`` the files, in memory; ``build`` then writes them.
Each stage is cached under a key of everything it depends on (see
``report.pipeline.cache``): run, studies, figures, equations, PDF.  Only
``report.pipeline.outputs.write_outputs`` writes into the output directory.
"""
from __future__ import annotations

import inspect
import platform
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeAlias

from markupsafe import Markup

import report
from report.pipeline import cache as caching
from report import environment
from report.experiment import registry as experiments
from report.pipeline import interrupt
from report.pipeline import pool
from report.experiment import package
from report.experiment import provenance
from report.experiment import records
from report.pipeline import serialize
from report.experiment import settings
from report.experiment import sources
from report.pipeline import limits as limits_
from report.experiment.contract import Table, check_context
from report.errors import UserError
from report.pipeline.outputs import experiment_folder, usable_target, write_outputs

if TYPE_CHECKING:
    from report.render.pdf import Carried

RENDER_LIBRARIES = tuple(p for p in provenance.PACKAGES if p != "numpy")

Config: TypeAlias = Any  # an experiment's Config: a frozen dataclass of its settings
Files: TypeAlias = dict[str, bytes]  # {file name: bytes}: what a build writes
Lap: TypeAlias = Callable[[str], AbstractContextManager[None]]  # see stopwatch
Progress: TypeAlias = Callable[..., None]  # progress(stage, done, total, detail)
Context: TypeAlias = dict[str, Any]  # contract.Context, with the build's additions


@dataclass
class Build:
    """What a build made and how: files, timings per stage, cache use."""
    files: Files
    context: Context
    timings: dict[str, float] = field(default_factory=dict)
    cached: dict[str, bool] = field(default_factory=dict)
    failed_claims: list[dict[str, Any]] = field(default_factory=list)
    target: Path | None = None  # the folder written, as the user named it
    warnings: list[str] = field(default_factory=list)  # one line each, for stderr
    identity: Mapping[str, Any] = field(default_factory=dict)  # what made it (report.experiment.provenance)
    date: int | None = None  # its date, in seconds since 1970
    unchanged: bool = False  # the folder held these bytes already: nothing was written


def configure(name: str, assignments: tuple[str, ...] | list[str] = (), *,
              limits: limits_.Limits = limits_.Limits(),
              stages: set[str] | None = None) -> tuple[ModuleType, Config]:
    """The experiment module and its configuration with ``--set`` applied,
    refused if its work is estimated beyond ``limits`` (report.pipeline.limits)."""
    experiment = experiments.load(name)
    config = settings.apply(experiment.Config(), assignments)
    limits_.enforce(experiment, config, limits, stages)
    return experiment, config


def run_key(name: str, config: Config, stage: str,
            experiment: ModuleType | None = None) -> str:
    """The cache key of an experiment's results: its configuration (or the part
    of it the stage depends on, if the experiment says so with
    ``cache_inputs(config, stage)``), the code of lab/ and the numerical
    libraries that compute them."""
    inputs = getattr(experiment, "cache_inputs", None)
    return caching.fingerprint({
        "stage": stage, "experiment": name,
        "config": inputs(config, stage) if inputs else asdict(config),
        "lab": caching.files_digest(package.root().parent, sources.lab_files(name)),
        "numpy": environment.versions("numpy"), "python": platform.python_version(),
    })


def render_key(*parts: Any) -> str:
    """The cache key of a rendering stage: its inputs, the code of report/ and
    the rendering libraries' versions."""
    from report.render.pdf import FONT_FOLDER

    return caching.fingerprint({
        "parts": parts, "report": caching.source_digest(report),
        "fonts": caching.files_digest(FONT_FOLDER, sorted(FONT_FOLDER.glob("*.ttf"))),
        "libraries": environment.versions(*RENDER_LIBRARIES),
        "system": environment.text_libraries(),
    })


def stopwatch(timings: dict[str, float]) -> Lap:
    """``lap(stage)``: a context that adds its wall time to ``timings[stage]``."""
    @contextmanager
    def lap(stage: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start
    return lap


def make(name: str, experiment: ModuleType, config: Config, *, cache: caching.Deferred,
         progress: Progress | None, date: int,
         user_templates: tuple[str, ...] | list[str] = (),
         scheduler: str | None = None) -> Build:
    """Every output file of one build, as {file name: bytes}, in memory:
    compute (the main run and the studies' batches on ``scheduler``, see
    ``workers_for``) → assemble the record → render.  ``date``: the record's
    date, in seconds since 1970 (see report.experiment.provenance.record_date)."""
    timings: dict[str, float] = {}
    cached: dict[str, bool] = {}
    warnings: list[str] = []
    lap = stopwatch(timings)
    result, studies = compute(name, experiment, config, cache=cache, progress=progress,
                              scheduler=scheduler, lap=lap, cached=cached)
    current = provenance.identity(name, settings.assignments(config), user_templates)
    prov = provenance.provenance(current, seed=getattr(config, "seed", None),
                                 config_dict=asdict(config), date=date)
    try:
        record = assemble(name, experiment, config, result, studies, date=date, prov=prov)
    except UserError:
        raise
    except Exception as e:  # noqa: BLE001 - a cached value of the wrong shape, or a bug
        reused = [stage for stage in ("run", "studies") if cached.get(stage)]
        if not reused:
            raise
        # An entry can pass its checks and still not be what the experiment
        # makes (forged, or written by another version): recompute, once.
        warnings.append(f"the cached {' and '.join(reused)} could not be used "
                        f"({type(e).__name__}: {str(e)[:80]}); recomputed")
        cache.ignore_stored(*reused)
        result, studies = compute(name, experiment, config, cache=cache, progress=progress,
                                  scheduler=scheduler, lap=lap, cached=cached)
        record = assemble(name, experiment, config, result, studies, date=date, prov=prov)
    files = render(record, cache=cache, user_templates=tuple(user_templates),
                   progress=progress, lap=lap, cached=cached)
    return Build(files, record.context, timings, cached, record.context["failed_claims"],
                 warnings=warnings, identity=current, date=date)


@dataclass
class Record:
    """What a build says, before it is rendered: the template's ``context``
    (the experiment's, with the build's additions: see ``assemble``), the
    numbers of ``metrics.json``, the CSV ``tables``, and what made it."""
    name: str
    context: Context
    metrics: dict[str, Any]
    tables: dict[str, Table]
    date: int
    provenance: provenance.Provenance


def assemble(name: str, experiment: ModuleType, config: Config, result: dict[str, Any],
             studies: dict[str, Any] | None, *, date: int,
             prov: provenance.Provenance) -> Record:
    """The Record of ``experiment``'s ``result`` and ``studies``: its
    context (``record_context``) dated and signed with ``prov`` (see
    report.experiment.provenance.provenance), and its metrics with the whole
    configuration, the provenance and the claims."""
    context = record_context(experiment, result, studies)
    context.update(date=provenance.format_date(date), provenance=prov, experiment=name,
                   settings=asdict(config))
    metrics = dict(context["metrics"])
    metrics["config"] = asdict(config)  # the whole of it, not what a stage kept
    metrics["provenance"] = prov
    metrics["claims"] = [{k: c[k] for k in ("id", "statement", "measured", "holds")}
                         for c in context["claims"]]
    return Record(name, context, metrics, dict(context["files"]), date, prov)


def record_context(experiment: ModuleType, result: dict[str, Any],
                   studies: dict[str, Any] | None) -> Context:
    """The template's context: the experiment's record of its results, its
    claims numbered, by id (``claim_by_id``) and the ids of those that hold
    as stated (``held``)."""
    context: Context = dict(check_context(experiment, experiment.report(result, studies)))
    # Numbered in order, so that a sentence can cite its claim in the table.
    context["claims"] = [{**c, "number": i} for i, c in enumerate(context["claims"], 1)]
    context["claim_by_id"] = {c["id"]: c for c in context["claims"]}
    context["held"] = {c["id"] for c in context["claims"]
                       if c["holds"] is True and not c.get("negated")}
    context["failed_claims"] = [c for c in context["claims"] if c["holds"] is False]
    return context


def render(record: Record, *, cache: caching.Deferred | None = None,
           user_templates: tuple[str, ...] = (), progress: Progress | None = None,
           lap: Lap | None = None, cached: dict[str, bool] | None = None,
           figures: bool = True, pdf: bool = True) -> Files:
    """The files of ``record`` as {file name: bytes}: the figures' SVGs, the
    CSV tables, metrics.json, report.html and report.pdf.  It writes nothing:
    ``cache`` (a report.pipeline.cache.Deferred; by default one that keeps
    nothing) holds what it computes until the build commits it.

    ``figures=False`` leaves each figure's place empty and ``pdf=False``
    leaves the PDF out: the words alone, in a fraction of the time.
    ``lap`` (see ``stopwatch``) times the stages; ``cached`` is told, per
    stage, whether it came from the cache."""
    cache = cache if cache is not None else caching.Deferred(caching.Cache(enabled=False))
    lap = lap or stopwatch({})
    cached = cached if cached is not None else {}
    tell: Progress = progress or (lambda *args: None)
    context = dict(record.context)
    tell("rendering figures, equations and HTML")
    with lap("figures and html"):
        from report.pipeline.figurejobs import FigureJobs
        from report.render.program import listing
        from report.render.html import render_html

        if "program" in context:
            context["program"] = listing(context["program"])
        with (FigureJobs(context["figures"], cache, lambda spec: render_key("figure", spec))
              if figures else _Undrawn(context["figures"])) as drawn:
            context["figures"] = drawn.for_template()
            html = render_html(context["template"], context, user_dirs=user_templates,
                               typeset=_cached_typesetting(cache))
            html, files = drawn.finish(html)
        cached["figures"] = drawn.all_cached
    interrupt.check()
    for file_name, table in record.tables.items():
        files[file_name] = serialize.csv_bytes(table["columns"], table["rows"])
    files["metrics.json"] = serialize.json_bytes(record.metrics)
    files["report.html"] = html.encode("utf-8")
    if pdf:
        tell("rendering the PDF")
        with lap("pdf"):
            carried = attachments(record.name, files, record.provenance)
            # The PDF's creation date is the record's date to the second; the
            # HTML shows only its day.
            files["report.pdf"], cached["pdf"] = cache.memo(
                "pdf", render_key("pdf", html, record.date, carried),
                interrupt.checked(lambda: _pdf(html, record.date, carried)),
                validate=lambda value: _is_pdf_of(value, html, carried))
    return files


class _Undrawn:
    """FigureJobs' stand-in for ``render(figures=False)``: each figure
    numbered and captioned, its place left empty, no file."""

    all_cached = False

    def __init__(self, specs: list[dict[str, Any]]) -> None:
        self.specs = specs

    def __enter__(self) -> _Undrawn:
        return self

    def __exit__(self, *exception: object) -> None:
        return None

    def for_template(self) -> dict[str, dict[str, Any]]:
        return {spec["id"]: {"number": n, "caption": spec.get("caption", ""),
                             "svg": Markup(""), "file": f"{spec['id']}.svg"}
                for n, spec in enumerate(self.specs, start=1)}

    def finish(self, html: str) -> tuple[str, Files]:
        return html, {}


def compute(name: str, experiment: ModuleType, config: Config, *, cache: caching.Deferred,
            progress: Progress | None = None, scheduler: str | None = None,
            lap: Lap | None = None, cached: dict[str, bool] | None = None,
            ) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(result, studies): the main run and the studies, from the cache or
    computed, with whether each came from the cache in ``cached``."""
    lap = lap or stopwatch({})
    cached = cached if cached is not None else {}
    run_id = run_key(name, config, "run", experiment)
    valid_run = caching.of_type(dict)
    studies = None
    if not hasattr(experiment, "studies"):
        with lap("training"):
            result, cached["run"] = cache.memo(
                "run", run_id, interrupt.checked(lambda: experiment.run(config, progress)),
                validate=valid_run)
    else:
        # The main run and the studies' batches share one pool of worker
        # processes, so that on two cores the one fills the gaps the other
        # leaves.  (Not a thread: forking the studies' workers while a thread
        # is inside numpy could copy a held lock into them.)
        with workers_for(scheduler) as workers, lap("training and studies"):
            known = cache.get("run", run_id, valid_run)
            running = (None if known is not None
                       else workers.submit(run_in_worker, (name, config)))
            studies, hit = cache.memo(
                "studies", run_key(name, config, "studies", experiment),
                interrupt.checked(lambda: _run_studies(experiment, config, progress,
                                                       workers.run_all)),
                validate=caching.of_type(dict, type(None)))
            if running is None:
                result, cached["run"] = known, True
            else:
                if not running.done():
                    warm_up()  # while the main run trains elsewhere
                result, cached["run"] = cache.memo(
                    "run", run_id, interrupt.checked(running.result), validate=valid_run)
        if studies is not None:
            cached["studies"] = hit
    return result, studies


def warm_up() -> None:
    """Import what the rendering stages need (WeasyPrint, the math typesetter,
    the template engine, matplotlib): about a second that this process would
    otherwise spend after the main run, and can spend while a worker runs it."""
    # matplotlib (with its font list, read as font_manager is imported) for
    # the figure workers, which are forked from this process later.
    import matplotlib.backends.backend_svg  # noqa: F401
    import matplotlib.figure  # noqa: F401
    import matplotlib.font_manager  # noqa: F401
    import report.render.html  # noqa: F401
    import report.render.mathsvg  # noqa: F401
    import weasyprint  # noqa: F401
    import ziamath  # noqa: F401


def workers_for(scheduler: str | None) -> Any:
    """The pool for the main run and the studies: this machine's processes
    (None), or the Dask cluster at a scheduler's address or ``"local"``
    (report.pipeline.cluster, which alone imports Dask)."""
    if scheduler is None:
        return pool.Workers(pool.cpu_count())
    from report.pipeline.cluster import DaskWorkers

    return DaskWorkers(scheduler)


def run_in_worker(task: tuple[str, Config]) -> dict[str, Any]:
    """``experiment.run(config)`` for a worker process: task is (name, config)."""
    name, config = task
    result: dict[str, Any] = experiments.load(name).run(config, None)
    return result


def _run_studies(experiment: ModuleType, config: Config, progress: Progress | None,
                 run_all: Callable[..., Any]) -> dict[str, Any] | None:
    """The experiment's studies, their batches mapped onto worker processes
    when the hook takes a ``run_all`` (see report.pipeline.pool)."""
    studies: dict[str, Any] | None = (
        experiment.studies(config, progress, run_all=run_all)
        if "run_all" in inspect.signature(experiment.studies).parameters
        else experiment.studies(config, progress))
    return studies


def _cached_typesetting(cache: caching.Deferred) -> Callable[[str, bool, int], str]:
    """Equations from the cache, typeset (report.render.mathsvg) only when missing."""
    def typeset(tex: str, display: bool, occurrence: int) -> str:
        def compute() -> str:
            from report.render.mathsvg import tex_to_svg

            return tex_to_svg(tex, display=display, occurrence=occurrence)

        return cache.memo("math", render_key("math", tex, display, occurrence),
                          interrupt.checked(compute), validate=caching.inert_svg)[0]
    return typeset


def _is_pdf_of(value: object, html: str, carried: list[Carried]) -> bool:
    """What the PDF stage may cache and take back: a PDF that opens, with at
    least one page, written for ``html`` (the file identifier html_to_pdf
    derives from it), in one revision, with no active content but the
    attachments ``carried``.  A forger who knows all that can still plant
    other pages; see the README's "The cache"."""
    from report.compare import pdfscan
    from report.render.pdf import file_identifier, page_count

    if not isinstance(value, bytes):
        return False
    if value.rfind(b"/ID [(" + file_identifier(html) + b")") == -1:  # the trailer's
        return False
    facts = pdfscan.scan(value)  # bounded: before PDFium opens it
    if facts.error or not (page_count(value) or 0) > 0:
        return False
    names = {f"embedded file {name}" for name, *_ in carried}
    attached = {label for label in facts.active if label.startswith("embedded file ")
                and not label.startswith("embedded file data")}
    others = [label for label in facts.active
              if label != "/EmbeddedFiles" and not label.startswith("embedded file")]
    return not (facts.error or facts.revisions != 1 or facts.trailing or others
                or attached != names)


def _pdf(html: str, created: int, carried: list[Carried]) -> bytes:
    from report.render.pdf import html_to_pdf

    return html_to_pdf(html, created=created, attachments=carried)


# What a submitted PDF carries, so that it can be verified (labreport verify):
# (file name, bytes, description, relationship to the PDF, as PDF/A-3 names it).
def attachments(name: str, files: Files, prov: provenance.Provenance) -> list[Carried]:
    """The files a build's PDF carries: the experiment's source set, the
    settings it ran with, the library versions that made it, and its data."""
    from report.experiment.bundle import source_bundle

    build_record = {"experiment": name, "settings": prov["settings"],
                    "labreport": prov["labreport"], "source": prov["source"],
                    "date": prov["date"]}
    carried = [
        ("source.zip", source_bundle(name), "the source set that built this record",
         "Source"),
        ("build.json", serialize.json_bytes(build_record),
         "the experiment and the settings it ran with", "Data"),
        ("environment.json", serialize.json_bytes(prov["environment"]),
         "the versions of the Python packages that made it", "Data"),
        ("metrics.json", files["metrics.json"], "the numbers of the record", "Data"),
    ]
    carried += [(file, data, "a table of the record", "Data")
                for file, data in sorted(files.items()) if file.endswith(".csv")]
    return carried


DEFAULT_ROOT = "outputs"


def build(name: str, *, out: str | Path | None = None,
          assignments: tuple[str, ...] | list[str] = (),
          user_templates: tuple[str, ...] | list[str] = (), use_cache: bool = True,
          cache_dir: str | Path | None = None, progress: Progress | None = None,
          limits: limits_.Limits = limits_.Limits(), date: str | None = None,
          scheduler: str | None = None) -> Build:
    """Build experiment ``name`` into ``out/name/`` (or ``out`` itself, when
    it is a record folder of the experiment already); without ``out``, into
    its record's folder under ``outputs/``: ``outputs/exp6``, or for
    settings other than the defaults a variant's own, ``outputs/exp6+lr=1.0``
    (see report.experiment.records).  Returns the Build.  ``date``: ``--date``
    (YYYY-MM-DD), which with ``SOURCE_DATE_EPOCH`` overrides the rule of
    report.experiment.provenance.record_date.  A folder that holds these
    bytes already is left as it is (``Build.unchanged``)."""
    experiment, config = configure(name, assignments, limits=limits)
    if out is not None and not str(out):
        raise UserError("--out '': expected a folder (the default is outputs)")
    target = (experiment_folder(DEFAULT_ROOT, records.record_name(name, config))
              if out is None else experiment_folder(out, name))
    usable_target(target)  # a folder that cannot be written: say so now, not after the work
    explicit = provenance.explicit_date(date)  # a bad date: say so before the work
    current = provenance.identity(name, settings.assignments(config), user_templates)
    when = provenance.record_date(explicit, provenance.read_record(target), current)
    cache = caching.Deferred(caching.Cache(cache_dir, enabled=use_cache))
    made = make(name, experiment, config, cache=cache, progress=progress, date=when,
                user_templates=tuple(user_templates), scheduler=scheduler)
    interrupt.check()
    with stopwatch(made.timings)("write"):
        made.unchanged = holds(target, made.files)
        if not made.unchanged:
            write(target, made.files)
    # Written whole (or held already): a signal from now on no longer undoes the build.
    interrupt.settle()
    with interrupt.deferred():
        cache.commit(stop=lambda: interrupt.received() is not None)
    made.target = target
    return made


def holds(target: str | Path, files: Files) -> bool:
    """Whether folder ``target`` holds exactly ``files`` as labreport's
    files already (so writing them would change nothing)."""
    from report.pipeline.outputs import MANIFEST, read_manifest

    target = Path(target)
    if not target.is_dir() or read_manifest(target) != set(files):
        return False
    if (target / MANIFEST).read_text(encoding="utf-8") != "".join(f"{n}\n"
                                                                   for n in sorted(files)):
        return False
    for file_name, data in files.items():
        path = target / file_name
        try:
            if path.is_symlink() or path.stat().st_size != len(data) \
                    or path.read_bytes() != data:
                return False
        except OSError:
            return False
    return True


def write(target: str | Path, files: Files) -> Any:
    """``write_outputs``, with a folder that cannot be written reported as the
    user's problem, in one line."""
    try:
        return write_outputs(target, files)
    except UserError:
        raise
    except OSError as e:
        raise UserError(f"cannot write {target}: {e.strerror or e}") from None
