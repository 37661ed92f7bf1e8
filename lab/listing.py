"""A program's source with its settings block holding a run's values.

An experiment's program (``lab/<name>/program.py``) starts with a block of
constants under a ``# Settings`` line, one per line, each perhaps with a
comment.  The report lists the program as the run ran it: the same file,
those constants written with the run's values, so that the listing copied out
of the report runs on its own and prints the report's output.
"""
from __future__ import annotations

import inspect
import re

SETTING = re.compile(r"^(?P<name>[A-Z_][A-Z0-9_]*) = (?P<value>.*?)(?P<comment>\s+#.*)?$")
MARK = "# Settings\n"


def program_source(module, values):
    """The source of ``module`` with each constant of its settings block set
    to ``values[NAME]``; comments keep their column.  Raises KeyError for a
    constant ``values`` does not give, ValueError without a settings block."""
    lines = inspect.getsource(module).splitlines(keepends=True)
    if MARK not in lines:
        raise ValueError(f"{module.__name__} has no '# Settings' block")
    for i in range(lines.index(MARK) + 1, len(lines)):
        match = SETTING.match(lines[i].rstrip("\n"))
        if not match:
            break
        assignment = f"{match['name']} = {literal(values[match['name']])}"
        if match["comment"]:
            column = lines[i].index("#")
            assignment += " " * max(2, column - len(assignment)) + match["comment"].strip()
        lines[i] = assignment + "\n"
    return "".join(lines)


def literal(value):
    """``value`` as a program writes a setting: "he", [2, 8, 2], 0.1, None."""
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, tuple):
        return repr(list(value))
    return repr(value)


def settings_block(module):
    """[(NAME, value, description)] of ``module``'s settings block, in order:
    each constant under the ``# Settings`` line, its value read as a Python
    literal (``ast.literal_eval``: nothing runs) and its comment's words."""
    import ast

    lines = inspect.getsource(module).splitlines(keepends=True)
    if MARK not in lines:
        raise ValueError(f"{module.__name__} has no '# Settings' block")
    found = []
    for line in lines[lines.index(MARK) + 1:]:
        match = SETTING.match(line.rstrip("\n"))
        if not match:
            break
        comment = (match["comment"] or "").strip().lstrip("#").strip()
        found.append((match["name"], ast.literal_eval(match["value"]), comment))
    return found
