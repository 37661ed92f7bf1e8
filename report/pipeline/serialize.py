"""Data files of a build (CSV, JSON) as bytes that are the same on every
rebuild: fixed column and key order, shortest round-trip float formatting,
non-finite numbers spelled out, LF line endings."""
from __future__ import annotations

import json
import math
from collections.abc import Iterable

import numpy as np


def to_jsonable(obj: object) -> object:
    """Plain JSON types for nested dicts, lists, tuples, arrays and numpy scalars;
    NaN and infinities become the strings "nan", "inf", "-inf"."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        x = float(obj)
        return x if math.isfinite(x) else str(x)
    return obj


def json_bytes(obj: object) -> bytes:
    return (json.dumps(to_jsonable(obj), indent=2, ensure_ascii=False,
                       allow_nan=False) + "\n").encode("utf-8")


def _cell(value: object) -> str:
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    if isinstance(value, (np.integer, np.bool_)):
        return str(value.item())
    return str(value)


def csv_bytes(columns: Iterable[str], rows_by_column: Iterable[Iterable[object]]) -> bytes:
    """A CSV with a header of ``columns`` and one column of values per entry of
    ``rows_by_column`` (equal lengths)."""
    lines = [",".join(columns)]
    lines += [",".join(_cell(v) for v in row) for row in zip(*rows_by_column)]
    return ("\n".join(lines) + "\n").encode("utf-8")
