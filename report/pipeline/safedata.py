"""Plain data as bytes that cannot execute: a JSON tree and raw array bytes.

What the cache stores is the build's plain data: dicts with str keys, lists,
tuples, str, bytes, int, float (nan and ±inf included), bool, None, numpy
arrays and scalars of bool or numeric dtypes.  ``decode(encode(v))`` gives
back the same types and the same bits: a tuple stays a tuple, an int an int,
a float64 array keeps its dtype, shape and every bit (arrays come back as C
ordered, writeable copies).  Anything else is refused by ``encode`` with
TypeError, since storing it would be a bug; ``decode`` refuses any input it
did not make with DecodeError, without running code or allocating more than
the input's size.  Unlike pickle, no byte of the input can name a function.

The format: one line of ASCII JSON, a newline, then the raw bytes of every
array, numpy scalar and bytes value in the order the tree names them.

    null true false 3 "text" 0.1   themselves (finite floats as JSON numbers)
    {"key": node, ...}             a dict
    ["list", node, ...]            a list; ["tuple", node, ...] a tuple
    ["float", "7ff8000000000000"]  a non-finite float, its IEEE 754 bits
    ["bytes", n]                   the next n raw bytes
    ["array", "<f8", [2, 3]]       the next 2·3·8 raw bytes, C order
    ["scalar", "<i8"]              the next 8 raw bytes, as a numpy scalar
"""
from __future__ import annotations

import json
import math
import re
import struct
from typing import Any, NoReturn

import numpy as np

# Numeric and bool kinds only: never object ("O"), structured ("V"), strings.
KINDS = "biufc"
DTYPE = re.compile(r"[<>|][biufc][0-9]{1,2}")  # as numpy spells dtype.str
MAX_DIMS = 64  # numpy's own limit


class DecodeError(ValueError):
    """Bytes that ``encode`` did not make: damaged, truncated or forged."""


def encode(value: object) -> bytes:
    """``value`` as bytes; TypeError for anything but the data listed above."""
    blobs: list[bytes] = []
    tree = _tree(value, blobs)
    text = json.dumps(tree, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    return b"".join([text.encode("ascii"), b"\n", *blobs])


# Any: the value is told apart by its exact type, ``kind``, which mypy does
# not follow back to ``value``.
def _tree(value: Any, blobs: list[bytes]) -> object:
    # Exact types: a subclass (an IntEnum, an OrderedDict) would come back as
    # its base class, which is not the value that was stored.
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        if math.isfinite(value):
            return value  # JSON's repr of a float reads back to the same bits
        return ["float", struct.pack(">d", value).hex()]
    if kind is dict:
        if not all(type(key) is str for key in value):
            raise TypeError("cannot encode a dict whose keys are not all str")
        return {key: _tree(item, blobs) for key, item in value.items()}
    if kind in (list, tuple):
        return [kind.__name__, *(_tree(item, blobs) for item in value)]
    if kind is bytes:
        blobs.append(value)
        return ["bytes", len(value)]
    if kind is np.ndarray and value.dtype.kind in KINDS:
        blobs.append(value.tobytes(order="C"))
        return ["array", value.dtype.str, list(value.shape)]
    if isinstance(value, np.generic) and value.dtype.kind in KINDS:
        blobs.append(value.tobytes())
        return ["scalar", value.dtype.str]
    detail = f" of dtype {value.dtype}" if hasattr(value, "dtype") else ""
    raise TypeError(f"cannot encode a {kind.__module__}.{kind.__qualname__}{detail}")


def decode(data: bytes) -> Any:  # plain data of whatever shape ``data`` says
    """The value ``encode`` made ``data`` from; DecodeError if it made none."""
    text, newline, blobs = bytes(data).partition(b"\n")
    if not newline:
        raise DecodeError("no JSON line")
    try:
        tree = json.loads(text.decode("ascii"), parse_constant=_refuse,
                          parse_float=_finite, object_pairs_hook=_unique)
        reader = _Blobs(blobs)
        value = _value(tree, reader)
    except DecodeError:
        raise
    except (ValueError, TypeError, IndexError, OverflowError, RecursionError) as e:
        raise DecodeError(f"malformed: {e}") from None
    if reader.left:
        raise DecodeError(f"{reader.left} bytes left over")
    return value


def _refuse(constant: str) -> NoReturn:
    raise DecodeError(f"{constant} is written as a tagged float")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise DecodeError(f"{text} is written as a tagged float")
    return number


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        raise DecodeError("a dict with a repeated key")
    return value


class _Blobs:
    """The raw bytes after the JSON line, handed out in order."""

    def __init__(self, data: bytes) -> None:
        self.data, self.at = memoryview(data), 0

    @property
    def left(self) -> int:
        return len(self.data) - self.at

    def take(self, n: int) -> memoryview:
        if not 0 <= n <= self.left:  # checked before anything is allocated
            raise DecodeError(f"{n} bytes wanted, {self.left} left")
        self.at += n
        return self.data[self.at - n:self.at]


def _value(node: Any, blobs: _Blobs) -> Any:  # JSON from the input, of any shape
    if node is None or type(node) in (bool, int, float, str):
        return node
    if type(node) is dict:
        return {key: _value(item, blobs) for key, item in node.items()}
    if type(node) is not list or not node or type(node[0]) is not str:
        raise DecodeError(f"not a node: {node!r:.60}")
    tag, args = node[0], node[1:]
    if tag in ("list", "tuple"):
        items = [_value(item, blobs) for item in args]
        return items if tag == "list" else tuple(items)
    if tag == "float" and len(args) == 1 and type(args[0]) is str \
            and re.fullmatch(r"[0-9a-f]{16}", args[0]):
        return struct.unpack(">d", bytes.fromhex(args[0]))[0]
    if tag == "bytes" and len(args) == 1 and _is_count(args[0]):
        return bytes(blobs.take(args[0]))
    if tag == "array" and len(args) == 2 and type(args[1]) is list \
            and len(args[1]) <= MAX_DIMS and all(map(_is_count, args[1])):
        dtype, shape = _dtype(args[0]), tuple(args[1])
        raw = blobs.take(math.prod(shape) * dtype.itemsize)
        return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    if tag == "scalar" and len(args) == 1:
        dtype = _dtype(args[0])
        return np.frombuffer(blobs.take(dtype.itemsize), dtype=dtype)[0]
    raise DecodeError(f"not a node: {node!r:.60}")


def _is_count(n: object) -> bool:
    return type(n) is int and n >= 0


def _dtype(name: object) -> np.dtype[Any]:
    """A bool or numeric dtype from its ``dtype.str``, nothing else."""
    if type(name) is not str or not DTYPE.fullmatch(name):
        raise DecodeError(f"not a numeric dtype: {name!r:.20}")
    dtype = np.dtype(name)  # TypeError for a size numpy lacks, e.g. "<i3"
    if dtype.str != name or dtype.kind not in KINDS:
        raise DecodeError(f"not a numeric dtype: {name!r}")
    return dtype
