"""The message format between grader and kernel (``convgrade.wire``), without a kernel.

Round trips of every kind, judged independently of the module (numpy.testing, the structure of
sympy trees built by hand with ``evaluate=False``); a table of malformed and hostile messages,
each of which must end in WireError and nothing else; the bounds enforced the same way when
encoding and decoding; and the Call/Reply protocol, where one bad outcome must not spoil the
others.
"""
from __future__ import annotations

import datetime
import gc
import json
import time
import tracemalloc
import weakref

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convgrade import policy, wire
from convgrade.wire import (Bounds, Call, Outcome, Reply, WireError, decode, encode, pack_call,
                            pack_reply, unpack_call, unpack_reply)

BOUNDS = Bounds(depth=policy.RESULT_DEPTH, items=policy.RESULT_ITEMS,
                string_chars=policy.RESULT_STRING_CHARS, int_digits=policy.RESULT_INT_DIGITS,
                bytes=policy.RESULT_BYTES)
SMALL = Bounds(depth=3, items=10, string_chars=5, int_digits=4, bytes=64)


def through_json(value, bounds=BOUNDS):
    """``value`` encoded, sent as strict JSON (no NaN tokens) plus buffers, and decoded."""
    tree, buffers = encode(value, bounds)
    text = json.dumps(tree, allow_nan=False)
    return decode(json.loads(text), [bytes(b) for b in buffers], bounds)


def structure(expr):
    """A sympy tree as nested tuples of class names and leaf values, args in stored order
    (``srepr`` sorts the terms of an Add, so it cannot tell an order apart)."""
    if isinstance(expr, sympy.Symbol):
        return ("Symbol", expr.name, tuple(sorted(k for k, v in expr.assumptions0.items() if v)))
    if isinstance(expr, sympy.Float):
        return ("Float", sympy.srepr(expr))
    if isinstance(expr, sympy.Rational):
        return (type(expr).__name__, expr.p, expr.q)
    if isinstance(expr, sympy.core.function.AppliedUndef):
        return ("Function", expr.func.__name__, tuple(structure(a) for a in expr.args))
    return (type(expr).__name__, tuple(structure(a) for a in expr.args))


def same_tree(got, want):
    assert structure(got) == structure(want)
    assert sympy.srepr(got) == sympy.srepr(want)


# -- round trips ------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [None, True, False, 0, -7, 10**999 - 1, -(10**999 - 1), 1.5,
                                   -0.0, 1e308, 5e-324, "", "text", "ünïcode ✓", "{\"str\": 1}"],
                         ids=repr)
def test_scalars_round_trip(value):
    got = through_json(value)
    assert type(got) is type(value) and got == value
    if isinstance(value, float):
        assert np.copysign(1, got) == np.copysign(1, value)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")], ids=repr)
def test_non_finite_floats_travel_as_strict_json(value):
    got = through_json(value)
    assert type(got) is float and (np.isnan(got) if np.isnan(value) else got == value)


def test_a_string_is_never_taken_for_a_tag():
    for text in ["none", "int", "array", "sympy", "Symbol"]:
        assert through_json(text) == text
        assert through_json({text: text}) == {text: text}


def test_containers_round_trip():
    value = [1, (2.5, "x", None), [], (), {"b": [True], "a": {"c": (1,)}}, {}, frozenset(),
             {3, 4}, frozenset({("t", 1)})]
    got = through_json(value)
    assert got == [1, (2.5, "x", None), [], (), {"b": [True], "a": {"c": (1,)}}, {},
                   frozenset(), frozenset({3, 4}), frozenset({("t", 1)})]
    assert type(got[1]) is tuple and type(got[2]) is list and type(got[7]) is frozenset
    assert list(got[4]) == ["b", "a"]            # dict order kept


DTYPES = ["?", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8", "c8", "c16"]
SHAPES = [(), (0,), (5,), (2, 3), (3, 0, 2), (2, 1, 2, 2)]


def sample(dtype, shape, seed=0):
    rng = np.random.default_rng(seed)
    data = rng.standard_normal(shape) * 100
    if np.dtype(dtype).kind == "c":
        data = data + 1j * rng.standard_normal(shape)
    if np.dtype(dtype).kind == "b":
        data = data > 0
    elif np.dtype(dtype).kind in "iu":
        info = np.iinfo(dtype)
        data = rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True)
    return np.asarray(data, dtype=dtype)             # a 0-d array for shape (), not a scalar


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_arrays_of_every_allowed_dtype_round_trip(dtype, shape):
    array = sample(dtype, shape)
    tree, buffers = encode(array, BOUNDS)
    assert tree["shape"] == list(shape) and len(buffers) == 1
    assert len(buffers[0]) == array.size * np.dtype(dtype).itemsize
    got = decode(json.loads(json.dumps(tree)), buffers, BOUNDS)
    assert type(got) is np.ndarray and got.shape == shape and got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got, array)
    assert got.flags.writeable and got.flags.c_contiguous
    assert got.size == 0 or not np.shares_memory(got, np.frombuffer(buffers[0], dtype=np.uint8))


def test_decoded_array_is_a_copy_of_the_message_buffer():
    buffer = bytearray(np.arange(4, dtype="<f8").tobytes())
    got = decode({"array": 0, "dtype": "<f8", "shape": [4]}, [memoryview(buffer)], BOUNDS)
    buffer[:8] = np.float64(99).tobytes()
    got[1] = -1
    np.testing.assert_array_equal(got, [0, -1, 2, 3])


def test_arrays_in_other_layouts_and_byte_orders_arrive_as_little_endian_c_order():
    array = np.arange(12, dtype=">i4").reshape(3, 4).T          # big-endian, not C-contiguous
    tree, _ = encode(array, BOUNDS)
    assert tree["dtype"] == "<i4"
    got = through_json(array)
    assert got.dtype == np.dtype("<i4")
    np.testing.assert_array_equal(got, np.arange(12).reshape(3, 4).T)


@pytest.mark.parametrize("scalar", [np.float64(2.5), np.float32(-1.25), np.int64(-3),
                                    np.uint8(200), np.bool_(True), np.complex128(1 + 2j),
                                    np.float16(0.5)], ids=repr)
def test_numpy_scalars_stay_numpy_scalars(scalar):
    got = through_json(scalar)
    assert type(got) is type(scalar) and got == scalar


def test_zero_d_arrays_stay_zero_d():
    got = through_json(np.array(4.5))
    assert type(got) is np.ndarray and got.shape == () and got == 4.5


def test_object_arrays_of_sympy_symbols_round_trip():
    symbols = np.empty((2, 3), dtype=object)
    for index in np.ndindex(2, 3):
        symbols[index] = sympy.Symbol("a%d_%d" % index, real=True)
    got = through_json(symbols)
    assert got.dtype == object and got.shape == (2, 3)
    for index in np.ndindex(2, 3):
        same_tree(got[index], symbols[index])


def test_object_arrays_of_mixed_entries_keep_each_entry():
    entries = [None, [1, 2], np.arange(3), {"k": 1.5}, sympy.Integer(7), "s"]
    array = np.empty(6, dtype=object)
    for k, entry in enumerate(entries):
        array[k] = entry
    got = through_json(array.reshape(3, 2))
    assert got.shape == (3, 2) and got.dtype == object
    flat = got.ravel()
    assert flat[0] is None and flat[1] == [1, 2] and flat[3] == {"k": 1.5} and flat[5] == "s"
    np.testing.assert_array_equal(flat[2], np.arange(3))
    same_tree(flat[4], sympy.Integer(7))


def test_empty_object_array_keeps_its_shape():
    got = through_json(np.empty((0, 4), dtype=object))
    assert got.shape == (0, 4) and got.dtype == object


x, y = sympy.Symbol("x"), sympy.Symbol("y")
i, n = sympy.Symbol("i", integer=True), sympy.Symbol("n", integer=True, nonnegative=True)
f = sympy.IndexedBase("f")
u = sympy.Function("u")
TREES = {
    "symbol": x,
    "symbol integer": sympy.Symbol("k", integer=True),
    "symbol real": sympy.Symbol("r", real=True),
    "symbol positive": sympy.Symbol("p", positive=True),
    "symbol nonnegative": sympy.Symbol("q", nonnegative=True),
    "symbol of many names": sympy.Symbol("α β"),
    "integer": sympy.Integer(-12),
    "big integer": sympy.Integer(10**900 + 7),
    "rational": sympy.Rational(-3, 7),
    "float": sympy.Float("1.25"),
    "float of high precision": sympy.Float("3.14159265358979323846264338327950288", 120),
    "tiny float": sympy.Float("1.5e-300"),
    "unevaluated add": sympy.Add(1, 2, x, evaluate=False),
    "add order kept": sympy.Add(y, x, evaluate=False),
    "unevaluated mul": sympy.Mul(x, x, sympy.Integer(3), evaluate=False),
    "unevaluated pow": sympy.Pow(2, 10, evaluate=False),
    "pow of add": sympy.Pow(sympy.Add(x, y, evaluate=False), -1, evaluate=False),
    "indexed": sympy.Indexed(f, i),
    "indexed two indices": sympy.Indexed(sympy.IndexedBase("g"), i, sympy.Add(i, 1, evaluate=False)),
    "indexed label with assumptions": sympy.IndexedBase(sympy.Symbol("h", real=True))[i],
    "sum": sympy.Sum(sympy.Mul(f[i], sympy.IndexedBase("g")[n - i], evaluate=False), (i, 0, n - 1)),
    "sum of two limits": sympy.Sum(f[i] * x, (i, 0, 3), (x, 1, n)),
    "minus sum": sympy.Mul(-1, sympy.Sum(f[i], (i, 0, n)), evaluate=False),
    "applied function": u(x),
    "applied function of several": sympy.Function("v")(x, sympy.Add(i, -1, evaluate=False), 3),
    "function in sum": sympy.Sum(u(i) * sympy.Function("v")(n - i), (i, 0, n)),
}


@pytest.mark.parametrize("name", sorted(TREES))
def test_sympy_trees_round_trip_unevaluated(name):
    got = through_json(TREES[name])
    same_tree(got, TREES[name])


def test_unevaluated_arithmetic_is_not_computed():
    got = through_json(sympy.Add(1, 2, evaluate=False))
    assert isinstance(got, sympy.Add) and got.args == (sympy.Integer(1), sympy.Integer(2))
    got = through_json(sympy.Mul(x, x, evaluate=False))
    assert isinstance(got, sympy.Mul) and got.args == (x, x)


def test_a_huge_power_decodes_unevaluated_and_fast():
    tree = {"sympy": {"Pow": [{"Integer": "3"}, {"Integer": str(10**9)}]}}
    started = time.perf_counter()
    got = decode(tree, [], BOUNDS)
    assert time.perf_counter() - started < 0.5
    assert isinstance(got, sympy.Pow) and got.args == (sympy.Integer(3), sympy.Integer(10**9))


def test_trees_are_json():
    value = [np.arange(3.0), {"k": (sympy.Sum(f[i], (i, 0, n)), float("nan"))},
             np.array([x, y], dtype=object), frozenset({1}), np.int8(3)]
    tree, buffers = encode(value, BOUNDS)
    assert json.loads(json.dumps(tree, allow_nan=False)) == tree
    assert all(isinstance(b, bytes) for b in buffers)


# -- what the kernel refuses to send -------------------------------------------------------------

def generator():
    yield 1


UNSENDABLE = {
    "datetime": (datetime.datetime(2024, 1, 1), "datetime"),
    "generator": (generator(), "generator"),
    "object": (object(), "object"),
    "bytes": (b"raw", "bytes"),
    "complex": (1 + 2j, "complex"),
    "sympy sin": (sympy.sin(x), "sympy sin"),
    "sympy pi": (sympy.pi, "sympy Pi"),
    "dict with an int key": ({1: 2}, "key of type int"),
    "datetime array": (np.array(["2024-01-01"], dtype="datetime64[D]"), "datetime64"),
    "string array": (np.array(["a", "b"]), "<U1"),
    "structured array": (np.zeros(2, dtype=[("a", "<f8")]), "dtype"),
    "long double array": (np.zeros(2, dtype=np.longdouble), "dtype"),
    "non-commutative symbol": (sympy.Symbol("A", commutative=False), "non-commutative"),
    "function inside a list": ([1, len], "builtin_function_or_method"),
}


@pytest.mark.parametrize("name", sorted(UNSENDABLE))
def test_what_is_not_plain_data_is_refused_naming_its_type(name):
    value, named = UNSENDABLE[name]
    if name == "long double array" and np.dtype(np.longdouble).itemsize == 8:
        value = np.zeros(2, dtype=np.float128 if hasattr(np, "float128") else "V16")
    with pytest.raises(WireError) as error:
        encode(value, BOUNDS)
    assert named in str(error.value)


def test_the_bounds_are_the_same_when_encoding_and_decoding():
    """A value exactly at a bound passes both ways; one step beyond fails both ways."""
    at_bound = {
        "items": [1] * 9,                        # the list and 9 entries: 10 values
        "depth": [[[1]]],                        # three levels
        "string": "abcde",
        "integer": 9999,
        "bytes": np.zeros(8, dtype="<f8"),       # 64 bytes
    }
    beyond = {
        "items": ([1] * 10, {"list": [{"int": 1}] * 10}),
        "depth": ([[[[1]]]], {"list": [{"list": [{"list": [{"list": []}]}]}]}),
        "string": ("abcdef", {"str": "abcdef"}),
        "integer": (10000, {"int": 10000}),
        "bytes": (np.zeros(9, dtype="<f8"), {"array": 0, "dtype": "<f8", "shape": [9]}),
    }
    for name, value in at_bound.items():
        tree, buffers = encode(value, SMALL)
        got = decode(tree, buffers, SMALL)
        np.testing.assert_equal(got, value)
    for name, (value, tree) in beyond.items():
        with pytest.raises(wire.ResultTooLarge):
            encode(value, SMALL)
        with pytest.raises(wire.ResultTooLarge):
            decode(tree, [bytes(72)], SMALL)


def test_bound_messages_are_sentences_for_a_student():
    with pytest.raises(WireError, match="^the result is nested more than 3 levels deep$"):
        encode([[[[]]]], SMALL)
    with pytest.raises(WireError, match=r"^the result is too large to grade \(more than 10 values\)$"):
        encode(list(range(20)), SMALL)


# -- hostile messages: WireError and nothing else ------------------------------------------------

def deep(levels):
    tree = {"none": None}
    for _ in range(levels):
        tree = {"list": [tree]}
    return tree


def sym(node):
    return {"sympy": node}


def symbol(name="x", assume=()):
    return {"Symbol": name, "assume": list(assume)}


F8 = np.arange(2, dtype="<f8").tobytes()
COLLIDING = [{"int": k * (2**61 - 1)} for k in range(1, 21)]          # all hash to 0

HOSTILE = {
    "shape lies about the buffer": ({"array": 0, "dtype": "<f8", "shape": [3]}, [F8]),
    "shape claims 10**10 elements": ({"array": 0, "dtype": "<f8", "shape": [10**5, 10**5]}, [F8]),
    "shape claims one huge axis": ({"array": 0, "dtype": "<f8", "shape": [10**10]}, [F8]),
    "negative shape": ({"array": 0, "dtype": "<f8", "shape": [-2]}, [F8]),
    "float in shape": ({"array": 0, "dtype": "<f8", "shape": [2.0]}, [F8]),
    "bool in shape": ({"array": 0, "dtype": "<f8", "shape": [True, 2]}, [F8]),
    "shape is not a list": ({"array": 0, "dtype": "<f8", "shape": 2}, [F8]),
    "33 axes": ({"array": 0, "dtype": "<f8", "shape": [1] * 33}, [bytes(8)]),
    "zero-size shape whose other axes overflow": (
        {"array": 0, "dtype": "<f8", "shape": [2**26, 2**26, 2**26, 0]}, [b""]),
    "unknown dtype": ({"array": 0, "dtype": "<f16", "shape": [1]}, [bytes(16)]),
    "nonsense dtype": ({"array": 0, "dtype": "(1000000000,)f8", "shape": [1]}, [F8]),
    "object dtype through the array kind": ({"array": 0, "dtype": "|O", "shape": [2]}, [F8]),
    "big-endian dtype": ({"array": 0, "dtype": ">f8", "shape": [2]}, [F8]),
    "dtype is not a string": ({"array": 0, "dtype": 8, "shape": [2]}, [F8]),
    "buffer index out of range": ({"array": 3, "dtype": "<f8", "shape": [2]}, [F8]),
    "negative buffer index": ({"array": -1, "dtype": "<f8", "shape": [2]}, [F8]),
    "buffer index is a string": ({"array": "0", "dtype": "<f8", "shape": [2]}, [F8]),
    "buffer read twice": ({"list": [{"array": 0, "dtype": "<f8", "shape": [2]},
                                    {"array": 0, "dtype": "<f8", "shape": [2]}]}, [F8]),
    "buffer is not bytes": ({"array": 0, "dtype": "<f8", "shape": [2]}, [[0.0, 1.0]]),
    "buffers are not a list": ({"array": 0, "dtype": "<f8", "shape": [2]}, {0: F8}),
    "non-contiguous buffer": ({"array": 0, "dtype": "<f8", "shape": [1]},
                              [memoryview(bytes(16))[::2]]),
    "scalar flag on a 1-d array": ({"array": 0, "dtype": "<f8", "shape": [2], "scalar": True}, [F8]),
    "scalar flag not a bool": ({"array": 0, "dtype": "<f8", "shape": [], "scalar": 1}, [F8[:8]]),
    "nesting 3000 deep": (deep(3000), []),
    "2,000,000 items": ({"list": [{"none": None}] * 2_000_000}, []),
    "2,000,000 object array entries": ({"objects": [{"none": None}] * 2_000_000,
                                        "shape": [2_000_000]}, []),
    "a string of 10**6 characters": ({"str": "s" * 10**6}, []),
    "an int of 5000 digits": ({"int": 10**4999}, []),
    "an Integer of 5000 digits": (sym({"Integer": "9" * 5000}), []),
    "a Rational of 5000 digits": (sym({"Rational": ["1", "9" * 5000]}), []),
    "a Float of 5000 digits": (sym({"Float": "1." + "1" * 5000, "precision": 53}), []),
    "a Float with a huge exponent": (sym({"Float": "1e999999999", "precision": 53}), []),
    "a Float with a huge precision": (sym({"Float": "1.5", "precision": 10**6}), []),
    "unknown tag": ({"frobnicate": 1}, []),
    "two kinds in one node": ({"int": 1, "str": "a"}, []),
    "an unknown extra key": ({"int": 1, "extra": 2}, []),
    "array without shape": ({"array": 0, "dtype": "<f8"}, [F8]),
    "symbol without assumptions": (sym({"Symbol": "x"}), []),
    "sum without limits key": (sym({"Sum": symbol()}), []),
    "a value is a list": ([{"int": 1}], []),
    "a value is a string": ("int", []),
    "the tree is None": (None, []),
    "int as a string": ({"int": "5"}, []),
    "int as a float": ({"int": 5.0}, []),
    "int as a bool": ({"int": True}, []),
    "bool as an int": ({"bool": 1}, []),
    "none with a value": ({"none": 0}, []),
    "str as a number": ({"str": 5}, []),
    "float as a number string": ({"float": "1.5"}, []),
    "float as an int": ({"float": 1}, []),
    "list as an object": ({"list": {"a": {"int": 1}}}, []),
    "dict with a non-str key": ({"dict": [[1, {"int": 1}]]}, []),
    "dict pair of one": ({"dict": [["a"]]}, []),
    "dict repeating a key": ({"dict": [["a", {"int": 1}], ["a", {"int": 2}]]}, []),
    "dict as a JSON object": ({"dict": {"a": {"int": 1}}}, []),
    "set of an unhashable entry": ({"set": [{"list": []}]}, []),
    "set of colliding hashes": ({"set": COLLIDING}, []),
    "object array shape and entries disagree": ({"objects": [{"int": 1}], "shape": [2]}, []),
    "object array of 10**10 claimed entries": ({"objects": [{"int": 1}], "shape": [10**5, 10**5]}, []),
    "symbol with a non-str name": (sym({"Symbol": 5, "assume": []}), []),
    "symbol with an empty name": (sym({"Symbol": "", "assume": []}), []),
    "symbol with an unknown assumption": (sym(symbol(assume=["commutative"])), []),
    "symbol with a repeated assumption": (sym(symbol(assume=["real", "real"])), []),
    "symbol assumptions not a list": (sym({"Symbol": "x", "assume": "real"}), []),
    "rational with q = 0": (sym({"Rational": ["1", "0"]}), []),
    "rational of one part": (sym({"Rational": ["1"]}), []),
    "float text that is not a number": (sym({"Float": "abc", "precision": 53}), []),
    "float text that is empty": (sym({"Float": ".", "precision": 53}), []),
    "float precision zero": (sym({"Float": "1.5", "precision": 0}), []),
    "float precision as text": (sym({"Float": "1.5", "precision": "53"}), []),
    "integer with underscores": (sym({"Integer": "1_000"}), []),
    "integer with spaces": (sym({"Integer": " 12 "}), []),
    "integer in other digits": (sym({"Integer": "١٢"}), []),
    "integer in hex": (sym({"Integer": "0x10"}), []),
    "integer as a JSON number": (sym({"Integer": 12}), []),
    "add of one term": (sym({"Add": [symbol()]}), []),
    "mul of nothing": (sym({"Mul": []}), []),
    "pow of three": (sym({"Pow": [symbol(), symbol(), symbol()]}), []),
    "indexed without indices": (sym({"Indexed": symbol("f"), "indices": []}), []),
    "indexed label not a symbol": (sym({"Indexed": {"Integer": "1"}, "indices": [symbol()]}), []),
    "sum limit of two": (sym({"Sum": symbol(), "limits": [[symbol("i"), {"Integer": "1"}]]}), []),
    "sum over a number": (sym({"Sum": symbol(), "limits": [[{"Integer": "1"}, {"Integer": "0"},
                                                             {"Integer": "3"}]]}), []),
    "sum with no limits": (sym({"Sum": symbol(), "limits": []}), []),
    "function with a non-str name": (sym({"Function": ["f"], "args": [symbol()]}), []),
    "value kind inside a sympy tree": (sym({"Add": [{"int": 1}, {"int": 2}]}), []),
    "sympy kind as a value": (symbol(), []),
    "sympy tree 3000 deep": (sym(
        __import__("functools").reduce(lambda t, _: {"Pow": [t, {"Integer": "2"}]}, range(3000),
                                       symbol())), []),
}


def test_the_hostile_table_is_large():
    assert len(HOSTILE) >= 25


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_messages_raise_wire_error_only(name):
    tree, buffers = HOSTILE[name]
    with pytest.raises(WireError) as error:
        decode(tree, buffers, BOUNDS)
    message = str(error.value)
    assert message and "\n" not in message and len(message) < 400


def test_a_lying_shape_allocates_nothing_before_it_is_refused():
    """10**7 float64 claimed (80 MB) with a 16-byte buffer: refused with no allocation of
    that size (numpy reports its allocations to tracemalloc)."""
    tree = {"array": 0, "dtype": "<f8", "shape": [10**7]}
    tracemalloc.start()
    try:
        with pytest.raises(WireError):
            decode(tree, [F8], BOUNDS)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2**20


def test_a_long_list_is_refused_before_it_is_read():
    started = time.perf_counter()
    with pytest.raises(wire.ResultTooLarge):
        decode({"list": [{"none": None}] * 2_000_000}, [], BOUNDS)
    assert time.perf_counter() - started < 0.5


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["none", "int", "str", "list", "set", "dict", "array", "dtype", "shape",
                         "objects", "sympy", "Symbol", "assume", "Add", "Pow", "Integer",
                         "Rational", "Float", "precision", "Sum", "limits", "Indexed",
                         "indices", "Function", "args", "scalar", "x"]), inner, max_size=3),
    max_leaves=20)


@settings(derandomize=True, database=None, deadline=None, max_examples=400,
          suppress_health_check=list(HealthCheck))
@given(json_values, st.lists(st.binary(max_size=24), max_size=2))
def test_random_json_decodes_or_raises_wire_error(tree, buffers):
    try:
        decode(tree, buffers, BOUNDS)
    except WireError:
        pass


# -- bounds -----------------------------------------------------------------------------------

def test_bounds_travel_as_json():
    assert Bounds.from_json(json.loads(json.dumps(BOUNDS.to_json()))) == BOUNDS


@pytest.mark.parametrize("data", [None, [], {"depth": 1}, {**BOUNDS.to_json(), "depth": "32"},
                                  {**BOUNDS.to_json(), "items": True},
                                  {**BOUNDS.to_json(), "bytes": 0},
                                  {**BOUNDS.to_json(), "extra": 1}], ids=repr)
def test_malformed_bounds_are_refused(data):
    with pytest.raises(WireError):
        Bounds.from_json(data)


# -- the protocol -----------------------------------------------------------------------------

def test_a_call_round_trips():
    cases = [((np.arange(3.0), np.ones((2, 2), dtype="<i4")), {}),
             ((np.array([x, y], dtype=object),), {"mode": "full", "scale": 2.5}),
             ((), {})]
    data, buffers = pack_call(Call(7, "conv1d_full", cases), BOUNDS)
    call = unpack_call(json.loads(json.dumps(data)), buffers, BOUNDS)
    assert call.id == 7 and call.function == "conv1d_full" and len(call.cases) == 3
    (a, b), kwargs = call.cases[0]
    np.testing.assert_array_equal(a, np.arange(3.0))
    np.testing.assert_array_equal(b, np.ones((2, 2)))
    assert b.dtype == np.dtype("<i4") and kwargs == {}
    (objects,), kwargs = call.cases[1]
    assert list(objects) == [x, y] and kwargs == {"mode": "full", "scale": 2.5}
    assert call.cases[2] == ((), {})


@pytest.mark.parametrize("data", [
    {"id": 1, "function": "f"},
    {"id": "1", "function": "f", "cases": []},
    {"id": 1, "function": "not a name", "cases": []},
    {"id": 1, "function": "f", "cases": [{"args": {"list": []}, "kwargs": {"dict": []}}]},
    {"id": 1, "function": "f", "cases": [{"args": {"tuple": []}}]},
], ids=range(5))
def test_a_malformed_call_is_refused(data):
    with pytest.raises(WireError):
        unpack_call(data, [], BOUNDS)


def test_a_reply_round_trips():
    reply = Reply(3, [Outcome(np.arange(4.0)), Outcome(error_type="ValueError",
                                                       error_message="bad input"),
                      Outcome([sympy.Sum(f[i], (i, 0, n)), None])],
                  ["numpy.convolve", "scipy.signal.convolve"])
    data, buffers = pack_reply(reply, BOUNDS)
    got = unpack_reply(json.loads(json.dumps(data)), buffers, BOUNDS, 3, 3)
    assert got.id == 3 and got.shortcuts == ["numpy.convolve", "scipy.signal.convolve"]
    np.testing.assert_array_equal(got.outcomes[0].value, np.arange(4.0))
    assert not got.outcomes[0].raised
    assert got.outcomes[1] == Outcome(error_type="ValueError", error_message="bad input")
    same_tree(got.outcomes[2].value[0], sympy.Sum(f[i], (i, 0, n)))


def good_reply(**changes):
    data = {"id": 5, "outcomes": [{"value": {"int": 1}}, {"error_type": "E", "error_message": "m"}],
            "shortcuts": []}
    data.update(changes)
    return data


MALFORMED_REPLIES = {
    "wrong id": good_reply(id=6),
    "id as a string": good_reply(id="5"),
    "id as a bool": good_reply(id=True),
    "one outcome too few": good_reply(outcomes=[{"value": {"int": 1}}]),
    "one outcome too many": good_reply(outcomes=[{"value": {"int": 1}}] * 3),
    "outcomes not a list": good_reply(outcomes={"value": {"int": 1}}),
    "no shortcuts": {"id": 5, "outcomes": good_reply()["outcomes"]},
    "an extra field": good_reply(extra=1),
    "not an object": [5, [], []],
    "an outcome of value and error": good_reply(outcomes=[
        {"value": {"int": 1}, "error_type": "E", "error_message": "m"}, {"value": {"int": 1}}]),
    "an outcome of nothing": good_reply(outcomes=[{}, {"value": {"int": 1}}]),
    "an outcome not an object": good_reply(outcomes=[1, {"value": {"int": 1}}]),
    "an error type not a string": good_reply(outcomes=[
        {"error_type": 1, "error_message": "m"}, {"value": {"int": 1}}]),
    "an empty error type": good_reply(outcomes=[
        {"error_type": "", "error_message": "m"}, {"value": {"int": 1}}]),
    "an error message not a string": good_reply(outcomes=[
        {"error_type": "E", "error_message": None}, {"value": {"int": 1}}]),
    "10,000 shortcuts": good_reply(shortcuts=[f"numpy.convolve{k}" for k in range(10_000)]),
    "a shortcut not a string": good_reply(shortcuts=[1]),
    "a long shortcut": good_reply(shortcuts=["s" * 10_000]),
    "shortcuts not a list": good_reply(shortcuts="numpy.convolve"),
}


@pytest.mark.parametrize("name", sorted(MALFORMED_REPLIES))
def test_a_malformed_reply_breaks_the_protocol(name):
    with pytest.raises(WireError, match="^the kernel broke the message protocol: "):
        unpack_reply(MALFORMED_REPLIES[name], [], BOUNDS, 5, 2)


def test_buffers_not_a_list_break_the_protocol():
    with pytest.raises(WireError, match="^the kernel broke the message protocol: "):
        unpack_reply(good_reply(), None, BOUNDS, 5, 2)


def test_long_error_texts_are_truncated():
    data = good_reply(outcomes=[{"error_type": "T" * 10_000, "error_message": "m" * 2**20},
                                {"value": {"int": 1}}])
    got = unpack_reply(data, [], BOUNDS, 5, 2)
    assert got.outcomes[0].error_type == "T" * 100
    assert got.outcomes[0].error_message == "m" * 300


def test_a_value_over_the_bounds_fails_its_own_outcome_only():
    data = good_reply(outcomes=[{"value": {"int": 1}},
                                {"value": {"list": [{"none": None}] * 2_000_000}},
                                {"value": {"array": 0, "dtype": "<f8", "shape": [2]}},
                                {"value": {"int": "not an int"}}])
    got = unpack_reply(data, [F8], BOUNDS, 5, 4)
    assert got.outcomes[0] == Outcome(1)
    assert got.outcomes[1].error_type == "ResultTooLarge"
    assert got.outcomes[1].error_message.startswith("the result is too large to grade")
    np.testing.assert_array_equal(got.outcomes[2].value, [0.0, 1.0])
    assert got.outcomes[3].raised and got.outcomes[3].error_type != "ResultTooLarge"


def test_a_buffer_is_read_once_in_a_whole_reply():
    """Two outcomes naming one buffer would let a small message decode into many copies."""
    node = {"value": {"array": 0, "dtype": "<f8", "shape": [2]}}
    got = unpack_reply(good_reply(outcomes=[node, node]), [F8], BOUNDS, 5, 2)
    assert not got.outcomes[0].raised and got.outcomes[1].raised
    assert "read twice" in got.outcomes[1].error_message


def test_an_outcome_that_cannot_be_encoded_fails_alone_and_leaves_no_buffer():
    reply = Reply(9, [Outcome(np.arange(2.0)), Outcome([np.arange(3.0), datetime.date.today()]),
                      Outcome(list(range(BOUNDS.items + 1))), Outcome(np.arange(4.0))], [])
    data, buffers = pack_reply(reply, BOUNDS)
    assert len(buffers) == 2                          # the failed outcome's array was dropped
    assert data["outcomes"][1]["error_type"] == "ResultNotGradable"
    assert "date" in data["outcomes"][1]["error_message"]
    assert data["outcomes"][2]["error_type"] == "ResultTooLarge"
    got = unpack_reply(json.loads(json.dumps(data)), buffers, BOUNDS, 9, 4)
    np.testing.assert_array_equal(got.outcomes[0].value, np.arange(2.0))
    np.testing.assert_array_equal(got.outcomes[3].value, np.arange(4.0))
    assert got.outcomes[1].raised and got.outcomes[2].raised


def test_an_object_that_raises_while_encoded_fails_its_outcome_only():
    class Hostile(list):
        def __iter__(self):
            raise RuntimeError("no")
    data, _ = pack_reply(Reply(1, [Outcome(Hostile([1])), Outcome(2)], []), BOUNDS)
    assert data["outcomes"][0]["error_type"] == "ResultNotGradable"
    assert data["outcomes"][1] == {"value": {"int": 2}}


def test_the_harness_packs_each_result_before_the_next_case_runs():
    """A function whose every result is large must not pile them up in the kernel until its
    memory runs out: one case's result is packed and released before the next case runs."""
    from convgrade import harness
    refs, alive = [], []

    def corr2d(X, K):
        gc.collect()
        alive.append(sum(ref() is not None for ref in refs))
        out = np.zeros(3)
        refs.append(weakref.ref(out))
        return out

    call = Call(1, "corr2d", [((np.ones((2, 2)), np.ones((1, 1))), {})] * 5)
    writer = wire.ReplyWriter(1, BOUNDS)
    harness.answer({"corr2d": corr2d}, call, harness.Monitor([], []), writer)
    assert alive == [0] * 5
    data, buffers = writer.message([])
    got = unpack_reply(json.loads(json.dumps(data)), buffers, BOUNDS, 1, 5)
    for outcome in got.outcomes:
        np.testing.assert_array_equal(outcome.value, np.zeros(3))


def test_an_interrupt_while_a_result_is_packed_answers_every_case_and_runs_no_more():
    """The grader's interrupt may land while the kernel packs a result (the student's
    ``__iter__`` runs then): that case and the rest are "interrupted", and the function is
    not called again."""
    from convgrade import harness

    class Stalling(list):
        def __iter__(self):
            raise KeyboardInterrupt

    results = [np.ones(2), Stalling([1]), np.ones(2)]
    calls = []

    def corr2d(X, K):
        calls.append(1)
        return results[len(calls) - 1]

    call = Call(4, "corr2d", [((np.ones((2, 2)), np.ones((1, 1))), {})] * 3)
    writer = wire.ReplyWriter(4, BOUNDS)
    harness.answer({"corr2d": corr2d}, call, harness.Monitor([], []), writer)
    assert len(calls) == 2
    got = unpack_reply(*writer.message([]), BOUNDS, 4, 3)
    np.testing.assert_array_equal(got.outcomes[0].value, np.ones(2))
    assert [o.error_type for o in got.outcomes] == ["", "KeyboardInterrupt", "KeyboardInterrupt"]


def test_the_kernel_caps_and_sorts_its_shortcuts():
    data, _ = pack_reply(Reply(1, [], [f"s{k:05d}" for k in range(500)] + ["s00000"]), BOUNDS)
    assert data["shortcuts"] == [f"s{k:05d}" for k in range(100)]
    assert unpack_reply(data, [], BOUNDS, 1, 0).shortcuts == data["shortcuts"]


def test_the_module_runs_alone_as_the_kernels_copy(tmp_path):
    """The kernel imports a copy of wire.py from a package of its own: it must need nothing of
    convgrade, and plain data must not import sympy."""
    import shutil
    import subprocess
    import sys
    package = tmp_path / "convgrade_kernel"
    package.mkdir()
    (package / "__init__.py").write_text("")
    shutil.copy(wire.__file__, package / "wire.py")
    (package / "harness.py").write_text("from .wire import Bounds, encode, decode\n")
    script = (
        "import sys, numpy as np\n"
        "from convgrade_kernel.harness import Bounds, encode, decode\n"
        f"bounds = Bounds(**{BOUNDS.to_json()!r})\n"
        "tree, buffers = encode([np.arange(3.0), {'k': (1, 'two')}], bounds)\n"
        "back = decode(tree, buffers, bounds)\n"
        "assert back[1] == {'k': (1, 'two')} and list(back[0]) == [0.0, 1.0, 2.0]\n"
        "assert not any(m == 'convgrade' or m.startswith('convgrade.') for m in sys.modules)\n"
        "assert 'sympy' not in sys.modules\n"
        "print('alone')\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.stdout.strip() == "alone", done.stderr
