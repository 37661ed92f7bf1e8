"""Bounds on the size of a job, checked before any of it starts.

An experiment may say what a configuration costs with ``estimate(config)``:
a list of parts ({"part", "stage", "bytes", "seconds", "settings"}).  A part
beyond the limits is refused in one line that names the settings behind it,
the estimate and the limit, and how to raise the limit: a typo such as
``epochs=1000000000`` should not allocate 15 GiB and then train for days.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass
from typing import TypedDict

from report.errors import UserError
from report.experiment.settings import format_value

DEFAULT_GIB = 4.0
DEFAULT_MINUTES = 10.0


@dataclass(frozen=True)
class Limits:
    gib: float = DEFAULT_GIB
    minutes: float = DEFAULT_MINUTES


class Part(TypedDict):
    """A part of the work, as ``estimate(config)`` lists it: its name, the
    stage it belongs to, its bytes and seconds, and the settings behind it
    (dotted keys of the configuration)."""
    part: str
    stage: str
    bytes: float
    seconds: float
    settings: Sequence[str]


class TooBig(UserError, ValueError):
    """A configuration whose estimated memory or time is beyond the limits."""


def enforce(experiment: object, config: object, limits: Limits = Limits(),
            stages: Container[str] | None = None) -> None:
    """Raise TooBig if a part of the configured work (of ``stages``, or all)
    is estimated beyond ``limits``."""
    estimate: Callable[[object], Iterable[Part]] | None = getattr(experiment, "estimate", None)
    if estimate is None:
        return
    for part in estimate(config):
        if stages is not None and part["stage"] not in stages:
            continue
        gib, minutes = part["bytes"] / 2**30, part["seconds"] / 60
        needs, caps = [], []
        if gib > limits.gib:
            needs.append(f"{_amount(gib, 'GiB')} of memory")
            caps.append(f"{_amount(limits.gib, 'GiB')} (--max-gib)")
        if minutes > limits.minutes:
            needs.append(_duration(part["seconds"]))
            caps.append(f"{_duration(limits.minutes * 60)} (--max-minutes)")
        if needs:
            plural = "s" if len(caps) > 1 else ""
            raise TooBig(f"{_named(config, part['settings'])}: {part['part']} would need "
                         f"about {' and '.join(needs)}, beyond the limit{plural} of "
                         f"{' and '.join(caps)}; raise the limit{plural} if you mean it")


def _named(config: object, keys: Iterable[str]) -> str:
    """``key=value`` for the keys that differ from the defaults (all of them
    if none do)."""
    default = type(config)()
    shown = [(key, _get(config, key)) for key in keys]
    changed = [(k, v) for k, v in shown if v != _get(default, k)]
    return ", ".join(f"{k}={format_value(v)}" for k, v in (changed or shown))


def _get(config: object, dotted: str) -> object:
    value = config
    for name in dotted.split("."):
        if value is None or not dataclasses.is_dataclass(value):
            return None
        value = getattr(value, name)
    return value


def _amount(value: float, unit: str) -> str:
    return f"{value:.3g} {unit}"


def _duration(seconds: float) -> str:
    for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= 2 * size or (unit == "minutes" and seconds >= size):
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds:.3g} seconds"
