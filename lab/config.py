"""Small helpers for experiment configurations: frozen dataclasses whose
fields carry a one-line description and validate themselves on creation."""
from __future__ import annotations

import math
import sys
from dataclasses import field


class DeclarationError(TypeError):
    """An experiment whose settings are declared wrongly: a mistake in its
    code, which the generator reports in one line (``one_line``) naming it."""

    one_line = True


class ConfigError(ValueError):
    """A configuration value that is out of range; the message names the key,
    the value and what is accepted."""

    def __init__(self, key, value, accepted):
        self.key, self.value, self.accepted = key, value, accepted
        super().__init__(f"{key}={_show(value)}: expected {accepted}")


def _show(value):
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    return str(value)


def setting(default, doc):
    """A dataclass field with a description, shown by ``labreport run --help``."""
    return field(default=default, metadata={"doc": doc})


def require(ok, key, value, accepted):
    if not ok:
        raise ConfigError(key, value, accepted)


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# --- the checks most experiments make ------------------------------------------------


def require_seed(key, value):
    """A seed numpy's RandomState takes: an integer from 0 to 2**32 - 1."""
    require(is_int(value) and 0 <= value < 2**32, key, value,
            "an integer from 0 to 4294967295")


def require_count(key, value, minimum=1):
    """A whole number of at least ``minimum`` (epochs, samples, repeats)."""
    require(is_int(value) and value >= minimum, key, value, f"an integer >= {minimum}")


def require_positive(key, value):
    """A finite number above zero (a learning rate, a tolerance)."""
    require(is_number(value) and math.isfinite(value) and value > 0, key, value,
            "a finite number > 0")


def require_one_of(key, value, names):
    require(value in names, key, value, "one of " + ", ".join(names))


# --- a configuration from a program's settings block ----------------------------------


class Check:
    """A test of one setting's value, with the words for what it accepts:
    ``check(key, value)`` raises ConfigError unless ``test(value)``."""

    def __init__(self, test, accepted):
        self.test, self.accepted = test, accepted

    def __call__(self, key, value):
        require(self.test(value), key, value, self.accepted)


SEED = Check(lambda v: is_int(v) and 0 <= v < 2**32, "an integer from 0 to 4294967295")
COUNT = Check(lambda v: is_int(v) and v >= 1, "an integer >= 1")
POSITIVE = Check(lambda v: is_number(v) and math.isfinite(v) and v > 0, "a finite number > 0")


def one_of(names):
    return Check(lambda v: v in names, "one of " + ", ".join(names))


def at_least(minimum):
    return Check(lambda v: is_int(v) and v >= minimum, f"an integer >= {minimum}")


def optional(check):
    """``check``, or None (``none`` on the command line)."""
    return Check(lambda v: v is None or check.test(v), check.accepted + ", or none")


def config_from_program(program, *, checks, types=(), more=()):
    """The configuration of an experiment whose settings are its program's:
    a frozen dataclass with a field per constant of the program's
    ``# Settings`` block (lab.listing.settings_block), named in lower case,
    its default the constant's value (a list becomes a tuple), its type the
    value's (or ``types[name]``, for a setting whose default is None), and
    its description the constant's comment followed by what ``checks[name]``
    accepts; then the ``more`` fields, as (name, type, default, description),
    that the program does not have (the studies, say).  Creating one checks
    every field that ``checks`` names: ``checks[name](name, value)`` raises
    ConfigError.  The program's block is the one declaration of its
    settings: ``--set``, ``run --help`` and the listing all follow it."""
    import dataclasses

    from lab.listing import settings_block

    types, checks = dict(types), dict(checks)
    fields = []
    for constant, value, description in settings_block(program):
        name = constant.lower()
        if name not in checks:  # --set would take anything, and the program fail on it
            raise DeclarationError(
                f"{program.__name__}: the setting {constant} has no check: say what it "
                f"accepts in checks={{{name!r}: ...}} (lab.config has SEED, COUNT, POSITIVE, "
                "at_least(n), one_of(...), optional(check) and Check(test, words))")
        value = tuple(value) if isinstance(value, list) else value
        accepted = getattr(checks.get(name), "accepted", None)
        doc = description + (f" ({accepted})" if accepted else "")
        fields.append((name, types.get(name, type(value)),
                       dataclasses.field(default=value, metadata={"doc": doc,
                                                                  "program": constant})))
    for name, kind, default, doc in more:
        fields.append((name, kind, dataclasses.field(default=default, metadata={"doc": doc})))

    def __post_init__(self):
        for name, check in checks.items():
            check(name, getattr(self, name))

    # Named after the module that assigns it to ``Config``, so that a
    # configuration pickles (to a worker process) by reference, as a class
    # written out would.
    module = sys._getframe(1).f_globals.get("__name__", program.__name__)
    return dataclasses.make_dataclass("Config", fields, frozen=True, namespace={
        "__post_init__": __post_init__, "__module__": module,
        "__doc__": f"The settings of {program.__name__}, and {len(more)} more."})


def program_settings(config):
    """{CONSTANT: value} of a configuration made by ``config_from_program``:
    the values its program's settings block takes for this run."""
    import dataclasses

    return {f.metadata["program"]: getattr(config, f.name)
            for f in dataclasses.fields(config) if "program" in f.metadata}
