"""The cache's codec gives back exactly the data it was given, refuses any
other value, and reads hostile bytes as an error, never as code."""
from __future__ import annotations

import collections
import enum
import json
import math
import os
import pickle
import re
import struct

import numpy as np
import pytest

from report.pipeline.safedata import DecodeError, decode, encode


def assert_identical(got, expected, where="value"):
    """Same types all the way down, same bits in every float and array."""
    assert type(got) is type(expected), where
    if isinstance(expected, dict):
        assert list(got) == list(expected), where
        for key in expected:
            assert_identical(got[key], expected[key], f"{where}[{key!r}]")
    elif isinstance(expected, (list, tuple)):
        assert len(got) == len(expected), where
        for i, (a, b) in enumerate(zip(got, expected)):
            assert_identical(a, b, f"{where}[{i}]")
    elif isinstance(expected, (np.ndarray, np.generic)):
        assert (got.dtype, got.shape) == (expected.dtype, expected.shape), where
        assert got.tobytes() == expected.tobytes(), where
    elif isinstance(expected, float):
        assert struct.pack(">d", got) == struct.pack(">d", expected), where
    else:
        assert got == expected, where


def round_trip(value):
    again = decode(encode(value))
    assert_identical(again, value)
    return again


SAMPLE = {
    "none": None, "yes": True, "no": False, "int": 3, "big": 2**80, "negative": -7,
    "float": 0.1, "whole float": 1.0, "negative zero": -0.0, "subnormal": 5e-324,
    "nan": math.nan, "inf": math.inf, "-inf": -math.inf, "text": "é ∞ \n \"quoted\" \ud800",
    "bytes": b"%PDF-1.7\n\x00\xff", "empty bytes": b"",
    "list": [1, [2.5, "three"], ()], "tuple": (2, 8, 8, 2), "empty": {},
    "nested": {"variants": [{"layers": (2, 8, 2), "lr": 0.05, "moved": None}]},
}


def test_plain_data_comes_back_with_the_same_types_and_bits():
    round_trip(SAMPLE)


def test_a_negative_nan_keeps_its_sign_bit():
    negative_nan = struct.unpack(">d", bytes.fromhex("fff8000000000000"))[0]
    round_trip([negative_nan])


@pytest.mark.parametrize("array", [
    np.array([0.1, np.nan, np.inf, -np.inf, -0.0]),
    np.arange(12, dtype=np.float32).reshape(3, 4),
    np.array([-128, 127], dtype=np.int8),
    np.array([2**64 - 1], dtype=np.uint64),
    np.array([[True, False]]),
    np.array([1 + 2j]),
    np.array(2.5),                          # 0-d
    np.zeros((0, 3)),                       # empty
    np.arange(6.0).astype(">f8"),           # big-endian
], ids=lambda a: f"{a.dtype.str}{a.shape}")
def test_an_array_keeps_its_dtype_shape_and_bits(array):
    round_trip(array)


def test_a_strided_or_fortran_array_comes_back_equal_and_writeable():
    base = np.arange(24.0).reshape(4, 6)
    for array in (base[:, ::2], np.asfortranarray(base), base.T):
        again = round_trip(array)
        assert again.flags.writeable and again.flags.c_contiguous


@pytest.mark.parametrize("scalar", [np.float64(0.1), np.float32(1.5), np.int64(-3),
                                    np.uint8(200), np.bool_(True), np.complex128(1j)],
                         ids=lambda s: type(s).__name__)
def test_a_numpy_scalar_comes_back_as_the_same_numpy_scalar(scalar):
    round_trip({"x": scalar})


def test_a_run_result_and_studies_come_back_identical():
    from lab import exp6
    from lab.exp6.study_plan import StudiesConfig

    config = exp6.Config(epochs=60, print_every=20,
                         studies=StudiesConfig(seeds=1, reliability_seeds=2, workers=1))
    round_trip(exp6.run(config))
    round_trip(exp6.studies(config))


class Colour(enum.IntEnum):
    RED = 1


@pytest.mark.parametrize("value", [
    np.array([object()], dtype=object),
    np.array(["text"]),
    np.zeros(2, dtype=[("a", "<f8")]),
    np.array(["2026-01-01"], dtype="datetime64[D]"),
    np.str_("text"),
    np.ma.masked_array([1.0]),
    {1: "int key"},
    {"a": {("tuple", "key"): 1}},
    collections.OrderedDict(a=1),
    Colour.RED,
    {1, 2},
    bytearray(b"x"),
    1j,
    print,
    [object()],
], ids=lambda value: re.sub(r" at 0x[0-9a-f]+", "", repr(value)))  # the same in every process
def test_any_other_value_is_refused_when_stored(value):
    with pytest.raises(TypeError):
        encode(value)


class RunsCode:
    def __reduce__(self):
        return (os.system, ("echo executed",))


def node(tree, blobs=b""):
    return json.dumps(tree).encode() + b"\n" + blobs


@pytest.mark.parametrize("data", [
    b"",
    b"null",                                         # no newline after the JSON
    pickle.dumps(RunsCode()),
    pickle.dumps({"a": 1}),
    node(["set", 1, 2]),                             # unknown tag
    node([]),
    node(["list", ["tuple", 1], ["float", "nan"]]),  # not IEEE bits
    node(["array", "|O8", [1]], b"\0" * 8),          # object dtype
    node(["array", "|V8", [1]], b"\0" * 8),          # structured / void
    node(["array", "<U1", [1]], b"\0" * 4),          # strings
    node(["array", "<f8", [1]], b"\0" * 4),          # too few bytes
    node(["array", "<f8", [1]], b"\0" * 9),          # bytes left over
    node(["array", "<f8", [10**12, 10**12]]),        # huge, and no bytes at all
    node(["array", "<f8", [-1]]),
    node(["array", "<f8", [True]], b"\0" * 8),
    node(["array", "<i3", [1]], b"\0" * 3),          # a size numpy lacks
    node(["array", "<b1", [1]], b"\0"),              # not numpy's spelling (|b1)
    node(["scalar", "|O8"], b"\0" * 8),
    node(["bytes", 5], b"abc"),
    node(["bytes", -1]),
    b'{"a":NaN}\n',                                  # non-finite floats are tagged
    b'{"a":1e999}\n',
    b'{"a":1,"a":2}\n',
    b"[" * 100_000 + b"\n",                          # deeper than any stack
    '"é"\n'.encode(),                                 # not ASCII
    b"\xff\xfe\n",
], ids=lambda d: repr(d[:40]))
def test_bytes_it_did_not_make_are_refused(data):
    with pytest.raises(DecodeError):
        decode(data)


def test_damaged_bytes_are_refused_or_read_as_data_never_anything_else():
    encoded = encode(SAMPLE | {"array": np.arange(6.0).reshape(2, 3), "s": np.int64(4)})
    rng = np.random.default_rng(0)
    damaged = [encoded[:n] for n in range(len(encoded))]
    for _ in range(2000):
        flipped = bytearray(encoded)
        at = rng.integers(len(flipped))
        flipped[at] = rng.integers(256)
        damaged.append(bytes(flipped))
    for data in damaged:
        try:
            decode(data)
        except DecodeError:
            pass
