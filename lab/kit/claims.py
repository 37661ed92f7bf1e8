"""A claim: a sentence a record states about its runs, and its test.

{"id", "statement": the sentence as the record prints it, "measured": what
was measured, {"pattern": words with a {} per value, "values": [[value,
kind], ...]}, "holds": True, False, or None when the data cannot decide,
"negated": whether the statement is the negation the runs called for}.  The
build shows every claim in the record's claims table, warns of one that
does not hold, and ``labreport build --strict`` fails on it.
"""
from __future__ import annotations


def claim(id, holds, statement, negation, pattern, *values):
    """The claim the runs support: ``statement`` if ``holds`` (or it cannot
    be decided), else its ``negation`` (which then holds), or, with no
    negation, ``statement`` marked as failing.  ``values``: (value, kind)
    pairs for ``pattern``'s {}."""
    holds = None if holds is None else bool(holds)  # numpy's bools are not False
    negated = holds is False and negation is not None
    if negated:
        statement, holds = negation, True
    return {"id": id, "statement": statement, "holds": holds, "negated": negated,
            "measured": {"pattern": pattern, "values": [list(v) for v in values]}}
