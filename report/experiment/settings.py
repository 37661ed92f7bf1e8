"""``--set KEY=VALUE`` applied to an experiment's configuration dataclass.

Values are parsed by the field's annotated type: int, float, str, a tuple of
ints written ``2,8,2``, ``none`` for an optional field, and dotted keys for a
nested dataclass (``studies.seeds=8``).  Range checks belong to the dataclass.
"""
from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from report.errors import UserError
from report.experiment.package import is_config_error

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

# An experiment's Config (a frozen dataclass), or one of its nested settings.
ConfigT = TypeVar("ConfigT", bound="DataclassInstance")
# ``kind`` below is a field's type hint as typing.get_type_hints gives it: Any,
# as it may be a class or a form such as ``int | None``.  is_dataclass() is
# true of a dataclass and of its instances alike: a setting's value that
# passes it is an instance, a type hint a class (typing.cast says which).

NONE_WORDS = ("none", "off")
# Numbers as a person types them, in ASCII digits only: int() alone would take
# "٤٢", "５０" and "1_000", and thousands of digits.
INTEGER = re.compile(r"[+-]?[0-9]{1,18}")
NUMBER = re.compile(r"[+-]?(?:[0-9]{1,300}(?:\.[0-9]{0,300})?|\.[0-9]{1,300})"
                    r"(?:[eE][+-]?[0-9]{1,4})?")
SHOWN = 40  # characters of a value quoted in an error


class SettingError(UserError, ValueError):
    """A --set argument that cannot be applied; the message says why."""


def apply(config: ConfigT, assignments: Iterable[str]) -> ConfigT:
    """A copy of ``config`` with each ``KEY=VALUE`` of ``assignments`` applied
    in order.  Raises SettingError, also for a value the configuration
    itself refuses (its ConfigError, see report.experiment.package)."""
    for assignment in assignments:
        if any(ord(c) < 32 or ord(c) == 127 for c in assignment):
            raise SettingError(f"{assignment!r}: a setting cannot hold a line break or "
                               "other control character")
        key, sep, text = assignment.partition("=")
        if not sep or not key:
            raise SettingError(f"{assignment!r}: expected KEY=VALUE")
        key, text = key.strip(), text.strip()
        try:
            config = _set(config, key.split("."), text, key, "")
        except ValueError as e:
            if not is_config_error(e):
                raise
            if e.key != key:  # another setting, checked against this one
                raise SettingError(str(e)) from None
            raise SettingError(f"{key}={_shown(text)}: expected {e.accepted}") from None
    return config


def keys(config: DataclassInstance) -> list[str]:
    """Every key ``--set`` takes for ``config``, nested ones dotted."""
    return _keys_of(type(config))


def applicable(config: DataclassInstance, assignments: Iterable[str]) -> list[str]:
    """The ``KEY=VALUE`` items of ``assignments`` whose key ``config`` has
    (by its first part: ``studies.seeds`` applies where ``studies`` does)."""
    top = {f.name for f in dataclasses.fields(config)}
    return [a for a in assignments if a.partition("=")[0].strip().split(".")[0] in top]


def _set(config: ConfigT, path: list[str], text: str, full_key: str,
         prefix: str) -> ConfigT:
    fields = {f.name: f for f in dataclasses.fields(config)}
    name = path[0]
    if name not in fields:
        keys = _keys_of(type(config), prefix)
        raise SettingError(f"unknown key {full_key!r}; expected one of {', '.join(keys)}")
    kind = typing.get_type_hints(type(config))[name]
    if len(path) > 1:
        inner = getattr(config, name)
        if inner is None:
            inner = _nested_type(kind)()
        if not dataclasses.is_dataclass(inner):
            raise SettingError(f"unknown key {full_key!r}: {name} has no sub-keys")
        inner = _set(typing.cast("DataclassInstance", inner), path[1:], text, full_key,
                     f"{prefix}{name}.")
        return dataclasses.replace(config, **{name: inner})
    value = parse(kind, text, full_key)
    try:
        return dataclasses.replace(config, **{name: value})
    except ValueError as e:  # named by its full key: studies.seeds, not seeds
        if not is_config_error(e) or not prefix or e.key.startswith(prefix):
            raise
        raise type(e)(prefix + e.key, e.value, e.accepted) from None


def _nested_type(kind: Any) -> type[DataclassInstance]:
    return typing.cast("type[DataclassInstance]", next(
        t for t in typing.get_args(kind) or (kind,) if dataclasses.is_dataclass(t)))


def parse(kind: Any, text: str, key: str) -> object:
    """``text`` as a value of type ``kind``."""
    args = typing.get_args(kind)
    optional = type(None) in args
    if optional and text.lower() in NONE_WORDS:
        return None
    if optional:
        kind = next(a for a in args if a is not type(None))
    try:
        if dataclasses.is_dataclass(kind):
            raise ValueError
        if kind is bool:
            return {"true": True, "yes": True, "1": True,
                    "false": False, "no": False, "0": False}[text.lower()]
        if kind is tuple or typing.get_origin(kind) is tuple:
            return tuple(_integer(part.strip()) for part in text.split(","))
        if kind is int:
            return _integer(text)
        if kind is float:
            if not NUMBER.fullmatch(text):
                raise ValueError(text)
            return float(text)
        if not text.isascii() or not text.isprintable():
            raise ValueError(text)
        return kind(text)
    except (ValueError, KeyError, OverflowError):
        raise SettingError(f"{key}={_shown(text)}: expected "
                           f"{_describe(kind, optional)}") from None


def _integer(text: str) -> int:
    if not INTEGER.fullmatch(text):
        raise ValueError(text)
    return int(text)


def _shown(text: str) -> str:
    return text if len(text) <= SHOWN else text[:SHOWN - 1] + "…"


def _describe(kind: Any, optional: bool) -> str:
    if dataclasses.is_dataclass(kind):
        first = _keys_of(typing.cast("type[DataclassInstance]", kind))[0]
        words = "'none' (or set its sub-keys, e.g. " + f"{first}=…)"
        return words
    words = {int: "an integer (ASCII digits, at most 18)", float: "a number, e.g. 0.1 or 1e-3",
             bool: "true or false", str: "a word"}.get(
        kind, "comma-separated integers, e.g. 2,8,2")
    return words + (", or none" if optional else "")


def _keys_of(cls: type[DataclassInstance], prefix: str = "") -> list[str]:
    keys = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        keys.append(prefix + f.name)
        inner = [t for t in (typing.get_args(hints[f.name]) or (hints[f.name],))
                 if dataclasses.is_dataclass(t)]
        if inner:
            keys += _keys_of(typing.cast("type[DataclassInstance]", inner[0]),
                             prefix + f.name + ".")
    return keys


def describe(config: DataclassInstance) -> list[tuple[str, str, str]]:
    """``(key, current value, description)`` for every setting, nested ones
    with dotted keys: the table ``labreport run --help`` shows."""
    rows = []
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if dataclasses.is_dataclass(value):
            rows.append((f.name, "on", f.metadata.get("doc", "")))
            rows += [(f"{f.name}.{k}", v, d)
                     for k, v, d in describe(typing.cast("DataclassInstance", value))]
        else:
            rows.append((f.name, format_value(value), f.metadata.get("doc", "")))
    return rows


def assignments(config: DataclassInstance) -> list[str]:
    """``KEY=VALUE`` settings that give ``config`` when applied to its
    defaults: how a build records what it ran, so that it can be remade."""
    found = []
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if dataclasses.is_dataclass(value):
            found += [f"{f.name}.{setting}"
                      for setting in assignments(typing.cast("DataclassInstance", value))]
        else:
            found.append(f"{f.name}={format_value(value)}")
    return found


def format_value(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    return str(value)
