"""The ``labreport`` command: a thin click layer over plain functions."""
from __future__ import annotations

import json
import logging
import sys

import click

from report import __version__, experiments, settings
from report.progress import Progress

log = logging.getLogger("labreport")


class UserError(Exception):
    """Bad input from the user: reported in one line, exit status 2."""


class Group(click.Group):
    """Every error a user can cause ends in one line on stderr, no traceback."""

    def main(self, args=None, prog_name=None, complete_var=None,
             standalone_mode=True, **extra):
        try:
            rv = super().main(args, prog_name, complete_var,
                              standalone_mode=False, **extra)
        except click.ClickException as e:
            click.echo(f"Error: {e.format_message()}", err=True)
            code = e.exit_code
        except (UserError, ValueError, LookupError) as e:
            click.echo(f"Error: {e}", err=True)
            code = 2
        except click.Abort:
            click.echo("Aborted.", err=True)
            code = 130
        else:
            code = rv if isinstance(rv, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="labreport")
def cli():
    """Lab write-ups generated from the experiments that produce them.

    \b
    labreport list                 the experiments
    labreport run exp6             train and print the epoch log
    labreport build exp6           write outputs/exp6/: HTML, PDF, CSV, JSON, SVG
    labreport check exp6           rebuild and compare with outputs/exp6/
    """
    logging.basicConfig(format="%(message)s", level=logging.INFO)


def load_configured(name, assignments):
    """The experiment module and its configuration with ``--set`` applied."""
    experiment = experiments.load(name)
    return experiment, settings.apply(experiment.Config(), assignments)


SET_HELP = "Change a setting of the experiment (repeatable); see the settings list."
set_option = click.option("--set", "assignments", multiple=True, metavar="KEY=VALUE",
                          help=SET_HELP)
quiet_option = click.option("-q", "--quiet", is_flag=True, help="No progress on stderr.")


@cli.command("list")
def list_command():
    """List the experiments with their titles."""
    for name in experiments.names():
        click.echo(f"{name}  {experiments.load(name).TITLE}")


class SettingsHelp(click.Command):
    """Appends every experiment's settings, with defaults, to --help."""

    def format_epilog(self, ctx, formatter):
        for name in experiments.names():
            rows = settings.describe(experiments.load(name).Config())
            with formatter.section(f"Settings of {name} (KEY, default)"):
                formatter.write_dl([(f"{k} ({v})", doc) for k, v, doc in rows])


@cli.command("run", cls=SettingsHelp)
@click.argument("experiment")
@set_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@quiet_option
def run_command(experiment, assignments, as_json, quiet):
    """Run EXPERIMENT and print its log, final metrics and sample predictions."""
    module, config = load_configured(experiment, assignments)
    progress = Progress(quiet=quiet)
    result = module.run(config, progress)
    progress.finish()
    if as_json:
        click.echo(json.dumps(module.summary(result), indent=2))
    else:
        click.echo("\n".join(module.log_lines(result)))


def main():
    cli(prog_name="labreport")
