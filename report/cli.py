"""The ``labreport`` command: a thin click layer over plain functions."""
from __future__ import annotations

import json
import logging
import math
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn, TypeVar, overload

import click

from report import __version__
from report.experiment import contract
from report.experiment import registry as experiments
from report.pipeline import interrupt
from report.pipeline import limits
from report.pipeline import serialize
from report.experiment import settings
from report.compare import tolerance
from report.pipeline.build import Build, build, configure
from report.render.html import measured
from report.errors import UserError
from report.pipeline.progress import Progress

if TYPE_CHECKING:
    from report.pipeline.check import CheckOptions

# A command's function, as the options below decorate it.
CommandFunction = TypeVar("CommandFunction", bound=Callable[..., Any])


class Stopped(Exception):
    """Ctrl-C or SIGTERM, carried past click (which would print a blank line
    for a KeyboardInterrupt) to ``Group.main``."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class Group(click.Group):
    """Every error a user can cause ends in one line on stderr, no traceback."""

    def invoke(self, ctx: click.Context) -> Any:  # what the command returned
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as e:
            raise Stopped(getattr(e, "signum", 2)) from None

    @overload
    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: Literal[True] = True,
             **extra: Any) -> NoReturn: ...

    @overload
    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = ...,
             **extra: Any) -> int: ...

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> int:
        # pypdf warns about each flaw of a PDF it reads (a bad header, a
        # missing %%EOF); check and verify say what is wrong in their own words.
        logging.getLogger("pypdf").setLevel(logging.ERROR)
        # WeasyPrint logs the Ctrl-C it swallows as a failed image: after a
        # signal, its lines say nothing the user needs.
        logging.getLogger("weasyprint").addFilter(lambda _: interrupt.received() is None)
        try:
            # The command's process only exits after the block: a signal then
            # is ignored, not let kill it with a status that says it failed.
            with interrupt.watching(afterwards=signal.SIG_IGN if _PROCESS else None):
                rv = super().main(args, prog_name, complete_var,
                                  standalone_mode=False, **extra)
        except Stopped as e:
            click.echo("Aborted.", err=True)
            code = 128 + e.signum
            if standalone_mode:
                leave_now(code)
        except click.ClickException as e:
            click.echo(f"Error: {e.format_message()}", err=True)
            code = e.exit_code
        except UserError as e:  # bad input; anything else is a bug
            click.echo(f"Error: {e}", err=True)
            code = 2
        except (click.Abort, KeyboardInterrupt) as e:
            # Ctrl-C (130) or SIGTERM (143); nothing was written or cached.
            click.echo("Aborted.", err=True)
            cause = e if isinstance(e, interrupt.Interrupted) else e.__cause__
            code = 128 + getattr(cause, "signum", 2)
            if standalone_mode:
                leave_now(code)
        else:
            code = rv if isinstance(rv, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code


def leave_now(code: int) -> NoReturn:
    """Exit with ``code`` at once after an interrupt, skipping the
    interpreter's exit handlers: a pool's management thread still reading
    from a worker killed under it would otherwise hold the exit (for a
    minute and more), or complain on stderr.  Everything that cleans up has
    run as the exception unwound; the cache was never written."""
    if not _PROCESS:  # in-process (click's test runner): exit as usual
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="labreport")
def cli() -> None:
    """Lab write-ups generated from the experiments that produce them.

    \b
    labreport list                 the experiments
    labreport run exp6             train and print the epoch log
    labreport build exp6           write outputs/exp6/: HTML, PDF, CSV, JSON, SVG
    labreport check exp6           rebuild and compare with outputs/exp6/
    labreport check                the same for every experiment with outputs
    labreport new exp7 "Title"     write a new experiment that builds as it is
    labreport verify a.pdf b.pdf   check that submitted PDFs come from their code
    """


SET_HELP = "Change a setting of the experiment (repeatable); see the settings list."
set_option = click.option("--set", "assignments", multiple=True, metavar="KEY=VALUE",
                          help=SET_HELP)
quiet_option = click.option("-q", "--quiet", is_flag=True, help="No progress on stderr.")


def _finite(_context: click.Context, parameter: click.Parameter,
            value: float | None) -> float | None:
    """A limit that is a number: nan and inf would switch the limit off."""
    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"{value}: expected a finite number > 0",
                                 param_hint=f"'{parameter.opts[0]}'")
    return value


def limits_options(command: CommandFunction) -> CommandFunction:
    """--max-gib and --max-minutes: the bounds a configuration's estimated
    memory and time must stay within (report.pipeline.limits)."""
    command = click.option(
        "--max-minutes", type=click.FloatRange(min=0, min_open=True), callback=_finite,
        default=limits.DEFAULT_MINUTES, show_default=True, metavar="M",
        help="Refuse work estimated to take longer than M minutes.")(command)
    return click.option(
        "--max-gib", type=click.FloatRange(min=0, min_open=True), callback=_finite,
        default=limits.DEFAULT_GIB, show_default=True, metavar="GIB",
        help="Refuse work estimated to need more than GIB GiB of memory.")(command)


@cli.command("list")
def list_command() -> None:
    """List the experiments with their titles."""
    for name in experiments.names():
        click.echo(f"{name}  {experiments.load(name).TITLE}")


class SettingsHelp(click.Command):
    """Appends every experiment's settings, with defaults, to --help."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        for name in experiments.names():
            rows = settings.describe(experiments.load(name).Config())
            with formatter.section(f"Settings of {name} (KEY, default)"):
                formatter.write_dl([(f"{k} ({v})", doc) for k, v, doc in rows])


@cli.command("run", cls=SettingsHelp, short_help="Train and print the epoch log.")
@click.argument("experiment")
@set_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@quiet_option
@limits_options
def run_command(experiment: str, assignments: tuple[str, ...], as_json: bool, quiet: bool,
                max_gib: float, max_minutes: float) -> None:
    """Run EXPERIMENT and print its log, final metrics and sample predictions."""
    module, config = configure(experiment, assignments,
                               limits=limits.Limits(max_gib, max_minutes), stages={"run"})
    progress = Progress(quiet=quiet)
    result: dict[str, Any] = module.run(config, progress)  # the experiment's own data
    progress.finish()
    if as_json:
        click.echo(serialize.json_bytes(contract.run_summary(module, result)).decode("utf-8"),
                   nl=False)
    else:
        click.echo("\n".join(contract.printed_log(module, result)))


def scheduler_option(work: str) -> Callable[[CommandFunction], CommandFunction]:
    """--scheduler ADDRESS: run ``work`` (the build's main run and studies'
    batches, or verify's submissions) on a Dask cluster
    (report.pipeline.cluster); Dask is imported only when it is given."""
    def checked(_context: click.Context, _parameter: click.Parameter,
                address: str | None) -> str | None:
        if address is not None:
            from report.pipeline.cluster import check_address

            check_address(address)
        return address

    return click.option(
        "--scheduler", metavar="ADDRESS", default=None, callback=checked,
        help=f"Run {work} on the Dask cluster whose scheduler is at ADDRESS "
             "(tcp://HOST:8786), or on one started on this machine for the command "
             "('local'). Needs pip install 'labreport[dask]'.")


templates_option = click.option(
    "--templates", "user_templates", multiple=True,
    type=click.Path(exists=True, file_okay=False, dir_okay=True), metavar="DIR",
    help="A folder of templates searched before the packaged ones (repeatable).")


def _cache_notes(made: Build, progress: Progress) -> None:
    for stage, hit in made.cached.items():
        progress.note(f"{stage}: {'from the cache' if hit else 'computed'}")


def _names(experiment: str | None, every: bool) -> list[str]:
    """The experiments a command was asked for: EXPERIMENT, or --all."""
    if experiment and every:
        raise click.UsageError("give an EXPERIMENT or --all, not both")
    if every:
        return experiments.names()
    if not experiment:
        raise click.UsageError("give an EXPERIMENT (see labreport list) or --all")
    experiments.load(experiment)  # an unknown name: say so before anything else
    return [experiment]


def _settings_for(names: Sequence[str], assignments: Sequence[str]) -> dict[str, list[str]]:
    """{experiment: its KEY=VALUE settings of ``assignments``}: with several
    experiments each takes those it has; a key that none of them has is an
    error before any work starts."""
    if len(names) == 1:
        return {names[0]: list(assignments)}
    chosen = {name: settings.applicable(experiments.load(name).Config(), assignments)
              for name in names}
    for assignment in assignments:
        if not any(assignment in taken for taken in chosen.values()):
            key = assignment.partition("=")[0].strip()
            raise UserError(f"--set {assignment}: no experiment has the key {key!r}")
    return chosen


@cli.command("build", cls=SettingsHelp, short_help="Write the report and its data.")
@click.argument("experiment", required=False)
@click.option("--all", "every", is_flag=True, help="Build every experiment, one after another.")
@click.option("--out", default=None, metavar="DIR", type=click.Path(file_okay=False),
              help="Write the record into DIR/EXPERIMENT/ (DIR may also be a record's "
                   "folder itself).  Default: outputs/EXPERIMENT/, or for settings other "
                   "than the defaults outputs/EXPERIMENT+KEY=VALUE.../.")
@set_option
@templates_option
@click.option("--date", metavar="YYYY-MM-DD",
              help="The record's date (default: kept from the record in the folder if "
                   "it was made from the same source, settings and versions, else today; "
                   "SOURCE_DATE_EPOCH also sets it).")
@click.option("--no-cache", is_flag=True, help="Recompute every stage.")
@click.option("--quick", is_flag=True,
              help="A run of seconds: each experiment's QUICK settings, before any --set.")
@click.option("--strict", is_flag=True,
              help="Exit with status 1 if a claim of the report does not hold.")
@quiet_option
@limits_options
@scheduler_option("the main run and the studies")
def build_command(experiment: str | None, every: bool, out: str | None,
                  assignments: tuple[str, ...], user_templates: tuple[str, ...],
                  date: str | None, no_cache: bool, quick: bool, strict: bool, quiet: bool,
                  max_gib: float, max_minutes: float, scheduler: str | None) -> int:
    """Run EXPERIMENT (or --all of them) and write its record (HTML, PDF)
    and data to outputs/EXPERIMENT/.

    A build with settings other than the experiment's defaults is a variant:
    it goes to its own folder, outputs/EXPERIMENT+KEY=VALUE.../, and never
    replaces the default record unless --out says where to write.  With
    --all, each --set applies to the experiments that have its key.  Files
    in the folder that labreport did not write are kept; a folder that
    holds the same bytes already is not rewritten.
    """
    names = _names(experiment, every)
    chosen = _settings_for(names, assignments)
    failed = False
    for name in names:
        interrupt.check()  # Ctrl-C after one experiment was written: no more
        progress = Progress(quiet=quiet)
        first: tuple[str, ...] = getattr(experiments.load(name), "QUICK", ()) if quick else ()
        made = build(name, out=out, assignments=(*first, *chosen[name]), date=date,
                     user_templates=user_templates, use_cache=not no_cache,
                     progress=progress, limits=limits.Limits(max_gib, max_minutes),
                     scheduler=scheduler)
        _cache_notes(made, progress)
        for warning in made.warnings:
            click.echo(f"Warning: {warning}", err=True)
        for claim in made.failed_claims:
            click.echo(f"Warning: claim {claim['id']!r} of {name} does not hold: "
                       f"{claim['statement']} (measured: {measured(claim['measured'])})",
                       err=True)
        assert made.target is not None  # build() says where it wrote
        folder = os.path.join(made.target, "")
        if made.unchanged:
            click.echo(f"{folder} is up to date: the same {len(made.files)} files, "
                       "nothing rewritten")
        else:
            click.echo(f"wrote {folder} ({', '.join(sorted(made.files))})")
        failed |= bool(made.failed_claims)
    return 1 if strict and failed else 0


def tolerance_options(command: CommandFunction) -> CommandFunction:
    """--rtol and --rendering-rms: what check and verify may forgive."""
    command = click.option(
        "--rendering-rms", type=float, metavar="RMS",
        callback=lambda _ctx, _param, value: tolerance.checked_rendering_rms(value),
        help="Forgive rendering that differs between machines (another Pango, "
             "HarfBuzz, FreeType or OS): SVG figures, the HTML's inline SVGs and PDF "
             "pages whose pixels differ by a root mean square of at most RMS (of "
             "255; e.g. 2), their text identical, and the versions of those system "
             "libraries that metrics.json records.")(command)
    return click.option(
        "--rtol", default=0.0, show_default=True, type=float, metavar="X",
        callback=lambda _ctx, _param, value: tolerance.checked_rtol(value),
        help="Forgive numbers that differ by at most X relative (|new - old| <= "
             "X·|old|) in metrics.json and CSV files, HTML and PDF text that "
             "differs only in such numbers, and figures and PDF pages within "
             f"pixel RMS {tolerance.RTOL_PIXEL_RMS:g} (of 255).")(command)


@cli.command("check", cls=SettingsHelp,
             short_help="Rebuild committed records and compare.")
@click.argument("targets", nargs=-1, metavar="[EXPERIMENT|PATH]...")
@click.option("--against", metavar="DIR", type=click.Path(), default="outputs",
              show_default=True,
              help="The folder holding the committed records, DIR/EXPERIMENT/ and its "
                   "variants (DIR may also be a record's folder itself).")
@tolerance_options
@click.option("--write", is_flag=True,
              help="Then replace the compared outputs with the fresh build, if they "
                   "differ; exit 0.")
@click.option("--set", "assignments", multiple=True, metavar="KEY=VALUE",
              help="Check only the record with these settings (repeatable).")
@templates_option
@quiet_option
@limits_options
@scheduler_option("the main run and the studies")
def check_command(targets: tuple[str, ...], against: str, rtol: float,
                  rendering_rms: float | None, write: bool, assignments: tuple[str, ...],
                  user_templates: tuple[str, ...], quiet: bool, max_gib: float,
                  max_minutes: float, scheduler: str | None) -> int:
    """Rebuild committed records from scratch, with the settings and date
    each carries, and compare: every record of each EXPERIMENT given, or of
    every experiment, variants included, one line each.  A PATH (a source
    file or a file of a record, as a pre-commit hook passes them) checks the
    records that depend on it.

    A record that differs is either stale (its source, settings or versions
    changed since it was built: rebuild it and commit) or not reproducible
    (the same inputs gave other bytes); the first line says which.

    Exit status 0 if every file's bytes are equal, or if every difference is
    forgiven by a tolerance given (then the report says within what, never
    "identical"); 1 with a report of what differs; 2 for bad input.

    No tolerance forgives active or foreign content a fresh build does not
    have (JavaScript, actions, embedded files, incremental updates or data
    after %%EOF in the PDF; scripts, event attributes, frames and external
    references in the HTML and SVGs), PDF metadata (Info and XMP, dates and
    /Producer included), changed markup or formatting, or an SVG change that
    is not drawn.
    """
    from report.pipeline.check import (check_many, find_records, per_experiment,
                                       records_for_paths)
    from report.experiment.records import experiment_of

    if os.path.exists(against) and not os.path.isdir(against):
        raise UserError(f"{against}: not a folder")
    names = [t for t in targets if t in experiments.names()]
    paths = [t for t in targets if t not in names]
    for path in paths:
        if not os.path.exists(path) and os.sep not in path and "." not in path:
            experiments.load(path)  # an unknown experiment: say so in one line
    if paths and names:
        raise click.UsageError("give EXPERIMENTs or PATHs, not both")
    if write and paths:
        raise click.UsageError("--write takes EXPERIMENTs, not PATHs")
    progress = Progress(quiet=quiet)
    options: CheckOptions = dict(tolerance=tolerance.Tolerance(rtol, rendering_rms), write=write,
                                 user_templates=user_templates, progress=progress,
                                 limits=limits.Limits(max_gib, max_minutes),
                                 scheduler=scheduler)
    own = experiment_of(os.path.basename(os.path.normpath(against)))
    if own is not None and os.path.isfile(os.path.join(against, ".labreport-files")):
        # --against names a record's folder itself
        if names and names != [own]:
            raise UserError(f"{against} is a record of {own}, not of {', '.join(names)}")
        pairs: Sequence[tuple[str, str | Path]] = [(own, against)]
        options["assignments"] = per_experiment(own, assignments) if assignments else None
    elif paths:
        pairs = records_for_paths(paths, against)
        if not pairs:
            click.echo("nothing to check: no record depends on the files given")
            return 0
    else:
        _settings_for(names or experiments.names(), assignments)  # a key none has
        pairs = find_records(against, names, assignments)
    passes, text = check_many(pairs, **options)
    progress.finish()
    click.echo(text)
    return 0 if passes or write else 1


@cli.command("new", short_help="Write a new experiment that builds as it is.")
@click.argument("experiment")
@click.argument("title")
def new_command(experiment: str, title: str) -> int:
    """Write a new EXPERIMENT (e.g. exp7) titled TITLE: its package in lab/,
    its template in templates/ and its tests in tests/, an example that
    builds, checks and passes its tests as it is, to make one's own.
    """
    from report.experiment.scaffold import new_experiment, project_root

    root = project_root()
    for path in new_experiment(experiment, title, root):
        click.echo(f"wrote {path.relative_to(root)}")
    click.echo(f"next: labreport build {experiment}, then edit lab/{experiment}/program.py")
    return 0


@cli.command("verify", short_help="Check that submitted PDFs come from their code.")
@click.argument("submissions", nargs=-1, required=True, metavar="SUBMISSION.pdf...")
@click.option("--json", "as_json", is_flag=True, help="Print the verdicts as JSON.")
@click.option("--handout", metavar="DIR", type=click.Path(file_okay=False),
              help="Diff each submission's code against this copy of the course's "
                   "handout instead of the installed labreport.")
@click.option("--run-submitted-code", is_flag=True,
              help="Remake each PDF with the code it carries (for courses where students "
                   "write the lab code). THIS RUNS THE SUBMISSION'S CODE: do it only where "
                   "you would run a student's program.")
@tolerance_options
@quiet_option
@scheduler_option("the submissions, one per task,")
def verify_command(submissions: tuple[str, ...], as_json: bool, handout: str | None,
                   run_submitted_code: bool, rtol: float, rendering_rms: float | None,
                   quiet: bool, scheduler: str | None) -> int:
    """Remake each SUBMISSION.pdf from the settings and source it carries and
    say whether it is what that code makes: verified, differs (with what
    differs, and the diff of its code against the installed or handout
    code), or not verifiable (no labreport attachment, a damaged one, or a
    PDF edited after it was built).

    By default nothing from a submission runs: it is remade with the
    labreport installed here.  Exit status 0 if all are verified, 1 if any
    differs or is not verifiable, 2 for bad input.
    """
    from report.pipeline.verify import as_text, summary, verify_all

    progress = Progress(quiet=quiet)
    done = [0]

    def on_done(_: object) -> None:
        done[0] += 1
        progress("verifying", done[0], len(submissions))

    verdicts = verify_all(submissions, tolerance=(rtol, rendering_rms), handout=handout,
                          run_submitted_code=run_submitted_code, scheduler=scheduler,
                          on_done=on_done)
    progress.finish()
    if as_json:
        click.echo(json.dumps({"verdicts": verdicts, "summary": summary(verdicts)}, indent=2))
    else:
        click.echo(as_text(verdicts))
    return 0 if all(v["verdict"] == "verified" for v in verdicts) else 1


_PROCESS: list[bool] = []  # set when this process is the labreport command, not a test's runner


def main() -> None:
    _PROCESS.append(True)
    cli(prog_name="labreport")


if __name__ == "__main__":
    main()
