"""``labreport new``: a new experiment, working from the first build.

``new_experiment(name, title)`` writes, beside the others,

- ``lab/<name>/``: ``program.py`` (the program the record lists, whose
  settings block declares the settings: a small example to replace) and
  ``__init__.py`` (what the contract asks beside it, made with lab/kit: the
  settings' checks, the run, the record's context);
- ``templates/<name>.html.j2``: the record's words;
- ``tests/test_<name>.py``: its first tests.

It builds, checks and passes its tests with no further edits.  The files are
the ``*.tmpl`` beside this module, with ``$name``, ``$number``, ``$title`` and
``$title_literal`` filled in.
"""
from __future__ import annotations

from pathlib import Path
from string import Template

import report
from report.errors import UserError
from report.experiment import registry
from report.experiment.registry import NAME

HERE = Path(__file__).resolve().parent
FILES = {  # template -> where it goes, relative to the project
    "__init__.py.tmpl": "lab/{name}/__init__.py",
    "program.py.tmpl": "lab/{name}/program.py",
    "template.html.j2.tmpl": "templates/{name}.html.j2",
    "test.py.tmpl": "tests/test_{name}.py",
}


def project_root() -> Path:
    """The project that holds report/ beside lab/ and templates/: a checkout
    (or an editable install), never an installed wheel."""
    root = Path(report.__file__).resolve().parent.parent
    if not ((root / "lab").is_dir() and (root / "templates").is_dir()):
        raise UserError("labreport new writes into a project checkout (lab/ and "
                        f"templates/ beside report/); {root} is an installed copy")
    return root


def plan(name: str, title: str, root: Path) -> dict[Path, str]:
    """{path: text} of the new experiment; a one-line error for a bad or taken
    name or a bad title, before anything is written."""
    if not NAME.fullmatch(name):
        raise UserError(f"{name[:40]!r}: an experiment's name is exp followed by its number "
                        "(ASCII digits, at most 6), e.g. exp7")
    if "\n" in str(title) or any(ord(c) < 32 for c in str(title)):
        raise UserError(f"{str(title)!r}: the title must be one line of text")
    title = " ".join(str(title).split())
    if not title or any(c in title for c in '"\\'):
        raise UserError(f"{title!r}: the title must be words without \" or \\, "
                        "e.g. 'Linear regression'")
    values = {"name": name, "number": str(int(name[3:])), "title": title,
              "title_literal": repr(title)}
    files = {root / where.format(name=name): Template((HERE / template).read_text(
        encoding="utf-8")).substitute(values) for template, where in FILES.items()}
    taken = [p for p in (root / "lab" / name, root / "lab" / f"{name}.py", *files)
             if p.exists()]
    if taken:
        raise UserError(f"{name} already exists: {taken[0].relative_to(root)}")
    same_number = [other for other in registry.names()
                   if other != name and int(other[3:]) == int(name[3:])]
    if same_number:
        raise UserError(f"{name}: experiment {int(name[3:])} exists already, as "
                        f"{same_number[0]}")
    return files


def new_experiment(name: str, title: str, root: str | Path | None = None) -> list[Path]:
    """Write the new experiment ``name``; returns the paths written.  Nothing
    is left half-written: on an error, the files written so far go."""
    root = Path(root) if root else project_root()
    files = plan(name, title, root)
    written = []
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "x", encoding="utf-8") as f:  # never over a file
                written.append(path)
                f.write(text)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        if (root / "lab" / name).is_dir() and not any((root / "lab" / name).iterdir()):
            (root / "lab" / name).rmdir()
        raise
    return list(files)
