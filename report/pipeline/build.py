"""``labreport build``: run an experiment, render its write-up, write outputs.

A pipeline of stages, each cached under a key of everything it depends on
(see ``report.pipeline.cache``): run → studies → context → figures → HTML → PDF.
Only ``report.pipeline.outputs.write_outputs`` writes into the output directory.
"""
from __future__ import annotations

import inspect
import platform
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

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
from report.experiment.contract import check_context
from report.errors import UserError
from report.pipeline.outputs import experiment_folder, usable_target, write_outputs

RENDER_LIBRARIES = tuple(p for p in provenance.PACKAGES if p != "numpy")


@dataclass
class Build:
    """What a build made and how: files, timings per stage, cache use."""
    files: dict
    context: dict
    timings: dict = field(default_factory=dict)
    cached: dict = field(default_factory=dict)
    failed_claims: list = field(default_factory=list)
    target: Path | None = None  # the folder written, as the user named it
    warnings: list = field(default_factory=list)  # one line each, for stderr
    identity: dict = field(default_factory=dict)  # what made it (report.experiment.provenance)
    date: int | None = None  # its date, in seconds since 1970
    unchanged: bool = False  # the folder held these bytes already: nothing was written


def configure(name, assignments=(), *, limits=limits_.Limits(), stages=None):
    """The experiment module and its configuration with ``--set`` applied,
    refused if its work is estimated beyond ``limits`` (report.pipeline.limits)."""
    experiment = experiments.load(name)
    config = settings.apply(experiment.Config(), assignments)
    limits_.enforce(experiment, config, limits, stages)
    return experiment, config


def run_key(name, config, stage, experiment=None):
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


def render_key(*parts):
    """The cache key of a rendering stage: its inputs, the code of report/ and
    the rendering libraries' versions."""
    from report.render.pdf import FONT_FOLDER

    return caching.fingerprint({
        "parts": parts, "report": caching.source_digest(report),
        "fonts": caching.files_digest(FONT_FOLDER, sorted(FONT_FOLDER.glob("*.ttf"))),
        "libraries": environment.versions(*RENDER_LIBRARIES),
        "system": environment.text_libraries(),
    })


def stopwatch(timings):
    """``lap(stage)``: a context that adds its wall time to ``timings[stage]``."""
    @contextmanager
    def lap(stage):
        start = time.perf_counter()
        try:
            yield
        finally:
            timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start
    return lap


def make(name, experiment, config, *, cache, progress, date, user_templates=(),
         scheduler=None):
    """Every output file of one build, as {file name: bytes}, in memory; the
    main run and the studies' batches on ``scheduler`` (see ``workers_for``).
    ``date``: the record's date, in seconds since 1970 (see
    report.experiment.provenance.record_date)."""
    timings, cached, warnings = {}, {}, []
    lap = stopwatch(timings)
    result, studies = _compute(name, experiment, config, cache, progress, scheduler, lap,
                               cached)
    try:
        context = record_context(experiment, result, studies)
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
        result, studies = _compute(name, experiment, config, cache, progress, scheduler,
                                   lap, cached)
        context = record_context(experiment, result, studies)
    current = provenance.identity(name, settings.assignments(config), user_templates)
    prov = provenance.provenance(current, seed=getattr(config, "seed", None),
                                 config_dict=asdict(config), date=date)
    context.update(date=provenance.format_date(date), provenance=prov, experiment=name)
    tell = progress or (lambda *args: None)
    tell("rendering figures, equations and HTML")
    with lap("figures and html"):
        from report.pipeline.figurejobs import FigureJobs
        from report.render.program import listing
        from report.render.html import render_html

        with FigureJobs(context["figures"], cache,
                        lambda spec: render_key("figure", spec)) as figures:
            context["figures"] = figures.for_template()
            if "program" in context:
                context["program"] = listing(context["program"])
            html = render_html(context["template"], context, user_dirs=user_templates,
                               typeset=_cached_typesetting(cache))
            html, files = figures.finish(html)
        cached["figures"] = figures.all_cached
    interrupt.check()
    for file_name, table in context["files"].items():
        files[file_name] = serialize.csv_bytes(table["columns"], table["rows"])
    metrics = dict(context["metrics"])
    metrics["config"] = asdict(config)  # the whole of it, not what a stage kept
    metrics["provenance"] = prov
    metrics["claims"] = [{k: c[k] for k in ("id", "statement", "measured", "holds")}
                         for c in context["claims"]]
    files["metrics.json"] = serialize.json_bytes(metrics)
    tell("rendering the PDF")
    with lap("pdf"):
        carried = attachments(name, files, prov)
        # The PDF's creation date is the record's date to the second; the
        # HTML shows only its day.
        pdf, cached["pdf"] = cache.memo(
            "pdf", render_key("pdf", html, date, carried),
            interrupt.checked(lambda: _pdf(html, date, carried)),
            validate=lambda value: _is_pdf_of(value, html, carried))
    files["report.html"] = html.encode("utf-8")
    files["report.pdf"] = pdf
    failed = context["failed_claims"]
    return Build(files, context, timings, cached, failed, warnings=warnings, identity=current,
                 date=date)


def record_context(experiment, result, studies):
    """The template's context: the experiment's record of its results, its
    claims numbered, by id (``claim_by_id``) and the ids of those that hold
    as stated (``held``)."""
    context = dict(check_context(experiment, experiment.report(result, studies)))
    # Numbered in order, so that a sentence can cite its claim in the table.
    context["claims"] = [{**c, "number": i} for i, c in enumerate(context["claims"], 1)]
    context["claim_by_id"] = {c["id"]: c for c in context["claims"]}
    context["held"] = {c["id"] for c in context["claims"]
                       if c["holds"] is True and not c.get("negated")}
    context["failed_claims"] = [c for c in context["claims"] if c["holds"] is False]
    return context


def _compute(name, experiment, config, cache, progress, scheduler, lap, cached):
    """(result, studies): the main run and the studies, from the cache or
    computed, with whether each came from the cache in ``cached``."""
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
            if running is not None and not running.done():
                warm_up()  # while the main run trains elsewhere
            result, cached["run"] = cache.memo(
                "run", run_id, interrupt.checked(lambda: running.result()),
                validate=valid_run) if known is None else (known, True)
        if studies is not None:
            cached["studies"] = hit
    return result, studies


def warm_up():
    """Import what the rendering stages need (WeasyPrint, the math typesetter,
    the template engine): about a second that this process would otherwise
    spend after the main run, and can spend while a worker runs it."""
    import report.render.html  # noqa: F401
    import report.render.mathsvg  # noqa: F401
    import weasyprint  # noqa: F401
    import ziamath  # noqa: F401


def workers_for(scheduler):
    """The pool for the main run and the studies: this machine's processes
    (None), or the Dask cluster at a scheduler's address or ``"local"``
    (report.pipeline.cluster, which alone imports Dask)."""
    if scheduler is None:
        return pool.Workers(pool.cpu_count())
    from report.pipeline.cluster import DaskWorkers

    return DaskWorkers(scheduler)


def run_in_worker(task):
    """``experiment.run(config)`` for a worker process: task is (name, config)."""
    name, config = task
    return experiments.load(name).run(config, None)


def _run_studies(experiment, config, progress, run_all):
    """The experiment's studies, their batches mapped onto worker processes
    when the hook takes a ``run_all`` (see report.pipeline.pool)."""
    if "run_all" in inspect.signature(experiment.studies).parameters:
        return experiment.studies(config, progress, run_all=run_all)
    return experiment.studies(config, progress)


def _cached_typesetting(cache):
    """Equations from the cache, typeset (report.render.mathsvg) only when missing."""
    def typeset(tex, display, occurrence):
        def compute():
            from report.render.mathsvg import tex_to_svg

            return tex_to_svg(tex, display=display, occurrence=occurrence)

        return cache.memo("math", render_key("math", tex, display, occurrence),
                          interrupt.checked(compute), validate=caching.inert_svg)[0]
    return typeset


def _is_pdf_of(value, html, carried):
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


def _pdf(html, created, carried):
    from report.render.pdf import html_to_pdf

    return html_to_pdf(html, created=created, attachments=carried)


# What a submitted PDF carries, so that it can be verified (labreport verify):
# (file name, bytes, description, relationship to the PDF, as PDF/A-3 names it).
def attachments(name, files, prov):
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


def build(name, *, out=None, assignments=(), user_templates=(), use_cache=True,
          cache_dir=None, progress=None, limits=limits_.Limits(), date=None,
          scheduler=None):
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
    # Written whole: a signal from now on no longer undoes the build.
    with interrupt.deferred():
        cache.commit(stop=lambda: interrupt.received() is not None)
    made.target = target
    return made


def holds(target, files):
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


def write(target, files):
    """``write_outputs``, with a folder that cannot be written reported as the
    user's problem, in one line."""
    try:
        return write_outputs(target, files)
    except UserError:
        raise
    except OSError as e:
        raise UserError(f"cannot write {target}: {e.strerror or e}") from None
