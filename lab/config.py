"""Small helpers for experiment configurations: frozen dataclasses whose
fields carry a one-line description and validate themselves on creation."""
from __future__ import annotations

import math
from dataclasses import field


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
