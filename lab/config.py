"""Small helpers for experiment configurations: frozen dataclasses whose
fields carry a one-line description and validate themselves on creation."""
from __future__ import annotations

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
