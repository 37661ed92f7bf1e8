"""An experiment's source set: the files its outputs are made from.

In a course's repository a dozen experiments sit side by side, and a commit
to one must not touch another's outputs.  So each experiment's provenance
(commit, date, "modified") and its cache keys come from its own source set:

- its package, ``lab/<name>/`` (or module ``lab/<name>.py``);
- the shared modules of ``lab/`` that it imports, directly or through each
  other (never another experiment);
- the generator, ``report/``, and ``pyproject.toml``;
- its template, ``templates/<name>.html.j2``, its partials in
  ``templates/<name>/``, and every template those extend, import or include.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import report
from report.experiment import package

EXPERIMENT = "exp"


def _lab_root() -> Path:
    return package.root()


def _inside(module: str) -> list[str] | None:
    """The parts of dotted ``module`` below the experiments package, or None
    when it is not one of the package's modules."""
    top = package.name().split(".")
    parts = module.split(".")
    return parts[len(top):] if parts[:len(top)] == top else None


def _module_file(dotted: str) -> Path | None:
    """The file of a module ``lab.x.y`` (a package's __init__), or None."""
    parts = _inside(dotted) or []
    base = _lab_root().joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


FROM_IMPORT = re.compile(r"^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)",
                         re.M)
PLAIN_IMPORT = re.compile(r"^[ \t]*import[ \t]+([^\n]*)", re.M)


def _imports(path: Path, owner: str) -> set[str]:
    """The experiments package's modules that a file (of dotted package
    ``owner``) imports, absolute or relative.  Read with patterns rather
    than ``ast``: Python 3.11's parser can refuse to run again in a process
    after a RecursionError (a template that includes itself), and a build
    must not fail for that."""
    text = path.read_text(encoding="utf-8")
    found = set()
    for match in PLAIN_IMPORT.finditer(text):
        for part in match.group(1).split("#")[0].split(","):
            module = part.split(" as ")[0].strip()
            if _inside(module) is not None:
                found.add(module)
    for match in FROM_IMPORT.finditer(text):
        module, names = match.group(1), match.group(2)
        dots = len(module) - len(module.lstrip("."))
        if dots:  # relative: from the file's package
            base = owner.split(".")[:len(owner.split(".")) - dots + 1]
            module = ".".join(base + ([module.lstrip(".")] if module.lstrip(".") else []))
        if _inside(module) is None:
            continue
        found.add(module)
        for name in re.sub(r"#[^\n]*", "", names).strip("()").split(","):
            name = name.split(" as ")[0].strip()
            if name.isidentifier():
                found.add(f"{module}.{name}")  # a submodule, if it is one
    return found


def _is_other_experiment(module: str, name: str) -> bool:
    parts = _inside(module) or []
    top = parts[0] if parts else ""
    return top.startswith(EXPERIMENT) and top != name


@lru_cache(maxsize=None)
def lab_files(name: str) -> tuple[Path, ...]:
    """The files of ``lab/`` that experiment ``name`` is made of, sorted."""
    root = _lab_root()
    own = root / name
    files = sorted(own.rglob("*.py")) if own.is_dir() else [root / f"{name}.py"]
    seen, queue = set(files), list(files)
    init = root / "__init__.py"
    if init.is_file():
        seen.add(init)
    while queue:
        path = queue.pop()
        dotted = package.name() + "." + ".".join(path.relative_to(root).with_suffix("").parts)
        if path.name == "__init__.py":
            dotted = dotted.rsplit(".", 1)[0]
        imported = _imports(path, dotted)
        # Importing lab.kit.claims runs lab/kit/__init__.py first.
        packages = {module.rsplit(".", i)[0] for module in imported
                    for i in range(1, module.count(".") + 1)}
        for module in sorted(imported | packages):
            if _is_other_experiment(module, name):
                continue
            found = _module_file(module)
            if found is not None and found not in seen:
                seen.add(found)
                queue.append(found)
    return tuple(sorted(seen))


def report_files() -> tuple[Path, ...]:
    """The generator's source files, sorted."""
    return tuple(sorted(Path(report.__file__).resolve().parent.rglob("*.py")))


@lru_cache(maxsize=None)
def template_files(name: str) -> tuple[Path, ...]:
    """The templates experiment ``name`` renders with: its own, its partials,
    and all they extend, import or include, found in the package's templates."""
    import jinja2
    from jinja2 import meta

    from report.render.html import templates_dir

    folder = templates_dir()
    start = [folder / f"{name}.html.j2", *sorted((folder / name).rglob("*"))]
    env = jinja2.Environment()
    seen: set[Path] = set()
    queue = [p for p in start if p.is_file()]
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        if path.suffix != ".j2":
            continue
        try:
            parsed = env.parse(path.read_text(encoding="utf-8"))
        except (jinja2.TemplateSyntaxError, UnicodeDecodeError):
            continue  # the build will say what is wrong with it
        for referenced in meta.find_referenced_templates(parsed):
            if referenced and (folder / referenced).is_file():
                queue.append(folder / referenced)
    return tuple(sorted(seen))


def files(name: str) -> tuple[Path, ...]:
    """Every file of experiment ``name``'s source set, absolute, sorted."""
    project = Path(report.__file__).resolve().parent.parent / "pyproject.toml"
    extra = (project,) if project.is_file() else ()
    return tuple(sorted({*lab_files(name), *report_files(), *template_files(name), *extra}))
