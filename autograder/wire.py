"""The one message format between the grader and a student's kernel, bounded both ways.

A value travels as a JSON-able *tree* plus a list of binary *buffers* (the raw bytes of numeric
arrays). The grader builds :class:`Bounds` from its policy and sends them to the kernel, so the
kernel refuses to send what the grader would refuse to read. :func:`decode` never trusts its
input: anything too large, too deep, of an unknown kind or malformed raises :class:`WireError`
(whose text is one sentence fit for a student's feedback) and nothing else; no allocation is
made before the sizes that justify it are checked, and sympy trees are rebuilt with
``evaluate=False``, never by parsing text, so a hostile ``Pow(3, 10**9)`` stays a Pow.

This module imports only the standard library and numpy (sympy only when a sympy value is met)
and nothing of convgrade: the same file runs inside the student's kernel.

The tree: every value is a JSON object whose one *kind* key says what it is, so a string is
never mistaken for a tag::

    {"none": null}  {"bool": true}  {"int": 12}  {"str": "text"}
    {"float": 1.5}  {"float": "nan" | "inf" | "-inf"}
    {"list": [value, ...]}  {"tuple": [value, ...]}  {"set": [value, ...]}   (set -> frozenset)
    {"dict": [["key", value], ...]}                       (str keys only, order kept)
    {"array": 0, "dtype": "<f8", "shape": [2, 3]}          (raw C-order bytes in buffers[0])
    {"array": 1, "dtype": "<i8", "shape": [], "scalar": true}   (a numpy scalar)
    {"objects": [value, ...], "shape": [2, 2]}             (a numpy object array, C order)
    {"sympy": node}

and a sympy node is one of::

    {"Symbol": "x", "assume": ["integer", "real"]}     (among integer, real, positive, nonnegative)
    {"Integer": "-12"}  {"Rational": ["1", "3"]}  {"Float": "1.5", "precision": 53}
    {"Add": [node, node, ...]}  {"Mul": [node, node, ...]}  {"Pow": [base, exponent]}
    {"Indexed": {"Symbol": ...}, "indices": [node, ...]}            (base label, indices)
    {"Sum": node, "limits": [[variable, lower, upper], ...]}
    {"Function": "f", "args": [node, ...]}                         (an undefined function f(x))

Counting, the same when encoding and decoding: every value (scalar, container entry,
object-array element, sympy node) counts against ``Bounds.items``; each string against
``string_chars`` and all strings and array bytes together against ``bytes``; integers (and
sympy numbers) longer than ``int_digits`` digits are refused; nesting deeper than ``depth`` is
refused. Each buffer may be read once per message.

The protocol messages :class:`Call` (grader -> kernel) and :class:`Reply` (kernel -> grader) are
defined here too; one outcome that cannot travel becomes that outcome's error, never the
whole reply's.
"""
from __future__ import annotations

import math
import re
import sys
from collections import Counter
from dataclasses import dataclass, field, fields

import numpy as np


class WireError(ValueError):
    """A value that cannot travel or be read back: too large, too deep, not plain data, malformed.

    ``str(error)`` is one sentence fit for a student's feedback, e.g. "the result is nested
    more than 32 levels deep"; ``outcome_type`` is the error type an outcome carries for it.
    """

    outcome_type = "ResultNotGradable"


class ResultTooLarge(WireError):
    """A value over one of the :class:`Bounds`."""

    outcome_type = "ResultTooLarge"


@dataclass(frozen=True)
class Bounds:
    """The limits of one value: nesting depth, values in all, characters per string, digits per
    integer, bytes in all (array data and text). No defaults: the grader builds them from its
    policy, the kernel receives them from the grader."""

    depth: int
    items: int
    string_chars: int
    int_digits: int
    bytes: int

    def to_json(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, data) -> "Bounds":
        names = {f.name for f in fields(cls)}
        if type(data) is not dict or set(data) != names:
            raise WireError(f"the message is malformed: bounds need exactly {sorted(names)}")
        for name in names:
            if type(data[name]) is not int or data[name] < 1:
                raise WireError(f"the message is malformed: bound {name} is not a positive integer")
        return cls(**data)


# -- message-format constants (the grader's limits are the Bounds) ----------------------------

#: Numpy dtypes an array may have on the wire, by their little-endian ``dtype.str``.
ARRAY_DTYPES = {np.dtype(name).str: np.dtype(name) for name in (
    "?", "i1", "<i2", "<i4", "<i8", "u1", "<u2", "<u4", "<u8",
    "<f2", "<f4", "<f8", "<c8", "<c16")}
#: Assumptions a sympy Symbol keeps on the wire.
ASSUMPTIONS = ("integer", "nonnegative", "positive", "real")
#: Axes an array may have (numpy's own limit is 64).
MAX_AXES = 32
#: Distinct values of a set that may share one hash (more means a crafted hash flood).
SAME_HASH = 8
#: Characters kept of an outcome's error type and message; shortcuts per reply and their length.
ERROR_TYPE_CHARS = 100
ERROR_MESSAGE_CHARS = 300
SHORTCUTS = 100
SHORTCUT_CHARS = 200
#: Characters of a function's name in a call.
FUNCTION_NAME_CHARS = 200

PLAIN = ("numbers, strings, lists, tuples, sets, dicts with string keys, numeric numpy arrays "
         "or sympy expressions")
SYMPY_PLAIN = "symbols, numbers, +, *, powers, f(x), x[i] and Sum"

_INTEGER_TEXT = re.compile(r"-?[0-9]+", re.ASCII)
_FLOAT_TEXT = re.compile(r"[+-]?([0-9]*)\.?([0-9]*)(?:[eE]([+-]?[0-9]+))?", re.ASCII)


def _malformed(detail: str) -> WireError:
    return WireError(f"the message is malformed: {detail}")


def _type_name(value) -> str:
    return type(value).__name__


def _a(name: str) -> str:
    """``name`` with its indefinite article."""
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def _sympy():
    import sympy
    return sympy


def _sympy_value(value) -> bool:
    """Is ``value`` a sympy object? (sympy is not imported for it: a value from sympy means
    sympy was imported already)."""
    return "sympy" in sys.modules and isinstance(value, _sympy().Basic)


# -- counting ---------------------------------------------------------------------------------

@dataclass
class _Budget:
    """What one value has used of its :class:`Bounds` so far."""

    bounds: Bounds
    items: int = 0
    bytes: int = 0

    def room(self, values: int):
        """Refuse ``values`` more values before reading or writing any of them."""
        if self.items + values > self.bounds.items:
            raise ResultTooLarge(f"the result is too large to grade (more than "
                                 f"{self.bounds.items} values)")

    def count(self, values: int = 1):
        self.room(values)
        self.items += values

    def spend(self, nbytes: int):
        self.bytes += nbytes
        if self.bytes > self.bounds.bytes:
            raise ResultTooLarge(f"the result is too large to grade (more than "
                                 f"{self.bounds.bytes} bytes)")

    def nest(self, depth: int):
        if depth > self.bounds.depth:
            raise ResultTooLarge(f"the result is nested more than {self.bounds.depth} levels deep")

    def text(self, text: str) -> str:
        if len(text) > self.bounds.string_chars:
            raise ResultTooLarge(f"the result is too large to grade (a string of more than "
                                 f"{self.bounds.string_chars} characters)")
        self.spend(len(text))
        return text

    def too_many_digits(self) -> ResultTooLarge:
        return ResultTooLarge(f"the result is too large to grade (a number of more than "
                              f"{self.bounds.int_digits} digits)")

    def integer(self, number: int) -> int:
        """``number`` if it has at most ``int_digits`` digits (decided from its bit length,
        exactly only near the bound)."""
        digits, bits = self.bounds.int_digits, abs(number).bit_length()
        if bits <= (digits - 1) * math.log2(10):
            return number
        if bits > math.ceil(digits * math.log2(10)) or abs(number) >= 10 ** digits:
            raise self.too_many_digits()
        return number

    def digits(self, text: str) -> str:
        """An integer's decimal text, refused before ``int()`` if it is too long."""
        if len(text) > self.bounds.int_digits + 1 or \
                len(text.lstrip("-")) > self.bounds.int_digits:
            raise self.too_many_digits()
        return text

    def precision(self) -> int:
        """Bits of a sympy Float's precision that ``int_digits`` digits allow."""
        return math.ceil(self.bounds.int_digits * math.log2(10))


# -- encoding ---------------------------------------------------------------------------------

@dataclass
class _Writer:
    budget: _Budget
    buffers: list = field(default_factory=list)

    def value(self, value, depth: int = 0):
        self.budget.nest(depth)
        self.budget.count()
        if value is None:
            return {"none": None}
        if isinstance(value, bool):
            return {"bool": bool(value)}
        if isinstance(value, np.generic) and value.dtype.kind in "biufc":
            return self.array(np.asarray(value), scalar=True)
        if isinstance(value, int):
            return {"int": self.budget.integer(int.__index__(value))}
        if isinstance(value, float):
            number = float.__float__(value)
            if math.isfinite(number):
                return {"float": number}
            return {"float": "nan" if math.isnan(number) else ("inf" if number > 0 else "-inf")}
        if isinstance(value, str):
            return {"str": self.budget.text(str.__str__(value))}
        if isinstance(value, (list, tuple, set, frozenset)):
            kind = "list" if isinstance(value, list) else \
                "tuple" if isinstance(value, tuple) else "set"
            return {kind: self.entries(value, depth)}
        if isinstance(value, dict):
            return {"dict": self.pairs(value, depth)}
        if isinstance(value, np.ndarray):
            if value.dtype == object:
                return self.objects(value, depth)
            return self.array(value)
        if _sympy_value(value):
            return {"sympy": self.sympy(value, depth)}
        raise WireError(f"the result holds {_a(_type_name(value))}, which cannot be graded: "
                        f"return {PLAIN}")

    def entries(self, items, depth: int) -> list:
        """A container's entries, one level deeper; their number is checked first."""
        self.budget.nest(depth + 1)
        self.budget.room(len(items))
        return [self.value(item, depth + 1) for item in items]

    def pairs(self, mapping: dict, depth: int) -> list:
        self.budget.nest(depth + 1)
        self.budget.room(len(mapping))
        out = []
        for key, item in mapping.items():
            if not isinstance(key, str):
                raise WireError(f"the result holds a dict with a key of type {_type_name(key)}, "
                                "which cannot be graded: dict keys must be strings")
            out.append([self.budget.text(str.__str__(key)), self.value(item, depth + 1)])
        return out

    def array(self, array: np.ndarray, scalar: bool = False) -> dict:
        dtype = array.dtype
        wire_dtype = dtype.newbyteorder("<") if dtype.kind in "biufc" and not dtype.fields \
            and dtype.subdtype is None else dtype
        if wire_dtype.str not in ARRAY_DTYPES:
            raise WireError(f"the result holds an array of dtype {dtype}, which cannot be "
                            "graded: arrays must hold plain numbers (bool, int, uint, float, "
                            "complex)")
        if array.ndim > MAX_AXES:
            raise ResultTooLarge(f"the result holds an array of more than {MAX_AXES} axes")
        self.budget.spend(array.size * wire_dtype.itemsize)
        self.buffers.append(array.astype(wire_dtype, copy=False).tobytes(order="C"))
        node = {"array": len(self.buffers) - 1, "dtype": wire_dtype.str,
                "shape": [int(n) for n in array.shape]}
        if scalar:
            node["scalar"] = True
        return node

    def objects(self, array: np.ndarray, depth: int) -> dict:
        if array.ndim > MAX_AXES:
            raise ResultTooLarge(f"the result holds an array of more than {MAX_AXES} axes")
        self.budget.room(array.size)
        return {"objects": self.entries(array.ravel(order="C"), depth),
                "shape": [int(n) for n in array.shape]}

    def sympy(self, expr, depth: int):
        sympy = _sympy()
        self.budget.nest(depth)
        self.budget.count()
        below = depth + 1
        if isinstance(expr, sympy.Symbol):
            if expr.is_commutative is False:
                raise WireError(f"the result holds the non-commutative symbol {expr.name[:50]}, "
                                "which cannot be graded")
            given = getattr(expr, "_assumptions_orig", None)     # as written, as srepr shows
            known = given if isinstance(given, dict) else expr.assumptions0
            return {"Symbol": self.budget.text(str(expr.name)),
                    "assume": [name for name in ASSUMPTIONS if known.get(name) is True]}
        if isinstance(expr, sympy.Integer):
            return {"Integer": str(self.budget.integer(int(expr.p)))}
        if isinstance(expr, sympy.Rational):
            return {"Rational": [str(self.budget.integer(int(expr.p))),
                                 str(self.budget.integer(int(expr.q)))]}
        if isinstance(expr, sympy.Float):
            from mpmath.libmp import repr_dps, to_str
            if expr._prec > self.budget.precision():
                raise self.budget.too_many_digits()
            return {"Float": self.budget.text(to_str(expr._mpf_, repr_dps(expr._prec))),
                    "precision": int(expr._prec)}
        if type(expr) in (sympy.Add, sympy.Mul, sympy.Pow):
            return {type(expr).__name__: self.sympy_args(expr.args, below)}
        if isinstance(expr, sympy.Indexed):
            return {"Indexed": self.sympy(expr.base.label, below),
                    "indices": self.sympy_args(expr.indices, below)}
        if isinstance(expr, sympy.Sum):
            self.budget.count(len(expr.limits))
            return {"Sum": self.sympy(expr.function, below),
                    "limits": [self.sympy_args(limit, below + 1) for limit in expr.limits]}
        if isinstance(expr, sympy.core.function.AppliedUndef):
            return {"Function": self.budget.text(str(expr.func.__name__)),
                    "args": self.sympy_args(expr.args, below)}
        raise WireError(f"the result holds a sympy {_type_name(expr)}, which cannot be graded: "
                        f"only {SYMPY_PLAIN} can")

    def sympy_args(self, args, depth: int) -> list:
        self.budget.nest(depth)
        self.budget.room(len(args))
        return [self.sympy(arg, depth) for arg in args]


def encode(value, bounds: Bounds) -> tuple[object, list[bytes]]:
    """``value`` -> (JSON-able tree, binary buffers). Raises :class:`WireError` for a value
    that is not plain data or is over ``bounds``."""
    writer = _Writer(_Budget(bounds))
    return writer.value(value), writer.buffers


# -- decoding ---------------------------------------------------------------------------------

#: Value kinds: the kind key -> (other keys required, other keys allowed).
VALUE_KINDS = {
    "none": ((), ()), "bool": ((), ()), "int": ((), ()), "float": ((), ()), "str": ((), ()),
    "list": ((), ()), "tuple": ((), ()), "set": ((), ()), "dict": ((), ()),
    "array": (("dtype", "shape"), ("scalar",)), "objects": (("shape",), ()), "sympy": ((), ()),
}
#: Sympy node kinds, the same way.
SYMPY_KINDS = {
    "Symbol": (("assume",), ()), "Integer": ((), ()), "Rational": ((), ()),
    "Float": (("precision",), ()), "Add": ((), ()), "Mul": ((), ()), "Pow": ((), ()),
    "Indexed": (("indices",), ()), "Sum": (("limits",), ()), "Function": (("args",), ()),
}


def _kind_of(node, kinds: dict, what: str) -> str:
    """The one kind key of ``node``, after checking it has exactly that kind's keys."""
    if type(node) is not dict:
        raise _malformed(f"{what} is {_a(_type_name(node))}, not an object")
    found = [key for key in node if key in kinds]
    if len(found) != 1:
        raise _malformed(f"{what} has {len(found)} kinds, not one")
    kind = found[0]
    required, allowed = kinds[kind]
    extra = [key for key in node if key != kind and key not in required and key not in allowed]
    if extra:
        raise _malformed(f"{what} of kind {kind} has an unknown key {str(extra[0])[:40]!r}")
    for key in required:
        if key not in node:
            raise _malformed(f"{what} of kind {kind} lacks its key {key!r}")
    return kind


def _list(items, what: str) -> list:
    if type(items) is not list:
        raise _malformed(f"{what} is {_a(_type_name(items))}, not a list")
    return items


def _string(text, what: str) -> str:
    if type(text) is not str:
        raise _malformed(f"{what} is {_a(_type_name(text))}, not a string")
    return text


def _shape(shape, budget: _Budget) -> tuple:
    _list(shape, "an array's shape")
    if len(shape) > MAX_AXES:
        raise ResultTooLarge(f"the result holds an array of more than {MAX_AXES} axes")
    for n in shape:
        if type(n) is not int or n < 0:
            raise _malformed("an array's shape holds something other than a non-negative integer")
        if n > budget.bounds.bytes:
            raise ResultTooLarge(f"the result is too large to grade (an axis of {n} entries)")
    return tuple(shape)


@dataclass
class _Reader:
    budget: _Budget
    buffers: list
    used: set       # indices of buffers read so far in this message

    def value(self, node, depth: int = 0):
        self.budget.nest(depth)
        kind = _kind_of(node, VALUE_KINDS, "a value")
        self.budget.count()
        payload = node[kind]
        if kind == "none":
            if payload is not None:
                raise _malformed("a none value is not null")
            return None
        if kind == "bool":
            if type(payload) is not bool:
                raise _malformed("a bool value is not true or false")
            return payload
        if kind == "int":
            if type(payload) is not int:
                raise _malformed("an int value is not an integer")
            return self.budget.integer(payload)
        if kind == "float":
            return self.float(payload)
        if kind == "str":
            return self.budget.text(_string(payload, "a str value"))
        if kind in ("list", "tuple", "set"):
            return self.sequence(kind, payload, depth)
        if kind == "dict":
            return self.mapping(payload, depth)
        if kind == "array":
            return self.array(node)
        if kind == "objects":
            return self.objects(node, depth)
        return self.sympy(payload, depth)

    def float(self, payload) -> float:
        if type(payload) is float:
            return payload
        if payload in ("nan", "inf", "-inf"):
            return float(payload)
        raise _malformed("a float value is neither a number nor nan, inf or -inf")

    def entries(self, payload, depth: int, what: str) -> list:
        """A container's entries, one level deeper; a huge list is refused before it is read."""
        items = _list(payload, what)
        self.budget.nest(depth + 1)
        self.budget.room(len(items))
        return [self.value(item, depth + 1) for item in items]

    def sequence(self, kind: str, payload, depth: int):
        items = self.entries(payload, depth, f"a {kind}'s entries")
        if kind == "list":
            return items
        if kind == "tuple":
            return tuple(items)
        try:
            hashes = Counter(hash(item) for item in items)
        except TypeError:
            raise WireError("the result holds a set with an unhashable entry, which cannot be "
                            "graded") from None
        if hashes and max(hashes.values()) > SAME_HASH:
            raise _malformed("a set holds too many entries with the same hash")
        return frozenset(items)

    def mapping(self, payload, depth: int) -> dict:
        pairs = _list(payload, "a dict's pairs")
        self.budget.nest(depth + 1)
        self.budget.room(len(pairs))
        out = {}
        for pair in pairs:
            if type(pair) is not list or len(pair) != 2:
                raise _malformed("a dict's pair is not a [key, value] list")
            key = self.budget.text(_string(pair[0], "a dict's key"))
            if key in out:
                raise _malformed("a dict repeats a key")
            out[key] = self.value(pair[1], depth + 1)
        return out

    def buffer(self, index) -> memoryview:
        if type(index) is not int:
            raise _malformed("an array's buffer index is not an integer")
        if type(self.buffers) not in (list, tuple) or not 0 <= index < len(self.buffers):
            raise _malformed(f"an array refers to buffer {index}, which is not in the message")
        if index in self.used:
            raise _malformed(f"buffer {index} is read twice")
        data = self.buffers[index]
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise _malformed(f"buffer {index} is {_a(_type_name(data))}, not bytes")
        view = memoryview(data)
        if not view.c_contiguous:
            raise _malformed(f"buffer {index} is not contiguous")
        self.used.add(index)
        return view.cast("B") if view.format != "B" or view.ndim != 1 else view

    def array(self, node: dict):
        text = node["dtype"]
        if type(text) is not str or text not in ARRAY_DTYPES:
            raise _malformed(f"an array's dtype {str(text)[:20]!r} is not one of "
                             f"{', '.join(ARRAY_DTYPES)}")
        dtype = ARRAY_DTYPES[text]
        shape = _shape(node["shape"], self.budget)
        scalar = node.get("scalar", False)
        if type(scalar) is not bool or (scalar and shape != ()):
            raise _malformed("an array's scalar flag is not true for a 0-d array or false")
        count = math.prod(shape)
        view = self.buffer(node["array"])
        if count * dtype.itemsize != view.nbytes:      # checked before anything is allocated
            raise _malformed(f"an array of shape {shape} and dtype {text} needs "
                             f"{count * dtype.itemsize} bytes, its buffer has {view.nbytes}")
        self.budget.spend(view.nbytes)
        array = np.frombuffer(view, dtype=dtype, count=count).reshape(shape).copy() if count \
            else np.zeros(shape, dtype=dtype)
        return array[()] if scalar else array

    def objects(self, node: dict, depth: int):
        shape = _shape(node["shape"], self.budget)
        items = _list(node["objects"], "an object array's entries")
        if math.prod(shape) != len(items):
            raise _malformed(f"an object array of shape {shape} has {len(items)} entries")
        entries = self.entries(items, depth, "an object array's entries")
        out = np.empty(len(entries), dtype=object)
        for position, entry in enumerate(entries):
            out[position] = entry
        return out.reshape(shape)

    # sympy

    def sympy(self, node, depth: int):
        sympy = _sympy()
        self.budget.nest(depth)
        kind = _kind_of(node, SYMPY_KINDS, "a sympy node")
        self.budget.count()
        payload, below = node[kind], depth + 1
        try:
            if kind == "Symbol":
                return self.symbol(node)
            if kind == "Integer":
                return sympy.Integer(self.integer_text(payload))
            if kind == "Rational":
                if type(payload) is not list or len(payload) != 2:
                    raise _malformed("a Rational is not [numerator, denominator]")
                p, q = (self.integer_text(part) for part in payload)
                if q == 0:
                    raise _malformed("a Rational has the denominator 0")
                return sympy.Rational(p, q)
            if kind == "Float":
                return self.float_node(payload, node["precision"])
            if kind in ("Add", "Mul"):
                args = self.sympy_args(payload, below, f"{_a(kind)}'s terms")
                if len(args) < 2:
                    raise _malformed(f"{_a(kind)} has fewer than two terms")
                return getattr(sympy, kind)(*args, evaluate=False)
            if kind == "Pow":
                args = self.sympy_args(payload, below, "a Pow's base and exponent")
                if len(args) != 2:
                    raise _malformed("a Pow has not exactly a base and an exponent")
                return sympy.Pow(*args, evaluate=False)
            if kind == "Indexed":
                label = self.sympy(payload, below)
                if not isinstance(label, sympy.Symbol):
                    raise _malformed("an Indexed's label is not a Symbol")
                indices = self.sympy_args(node["indices"], below, "an Indexed's indices")
                if not indices:
                    raise _malformed("an Indexed has no index")
                return sympy.Indexed(sympy.IndexedBase(label), *indices)
            if kind == "Sum":
                function = self.sympy(payload, below)
                limits = _list(node["limits"], "a Sum's limits")
                self.budget.count(len(limits))
                if not limits:
                    raise _malformed("a Sum has no limits")
                bounds = [self.sympy_args(limit, below + 1, "a Sum's limit") for limit in limits]
                if any(len(limit) != 3 for limit in bounds):
                    raise _malformed("a Sum's limit is not [variable, lower, upper]")
                return sympy.Sum(function, *[tuple(limit) for limit in bounds])
            name = self.budget.text(_string(payload, "a Function's name"))
            if not name:
                raise _malformed("a Function has an empty name")
            args = self.sympy_args(node["args"], below, "a Function's arguments")
            return sympy.Function(name)(*args, evaluate=False)
        except WireError:
            raise
        except Exception as error:  # noqa: BLE001 - sympy refusing a hostile tree, in any way
            raise _malformed(f"a sympy {kind} cannot be rebuilt ({_type_name(error)})") from None

    def sympy_args(self, payload, depth: int, what: str) -> list:
        self.budget.nest(depth)
        items = _list(payload, what)
        self.budget.room(len(items))
        return [self.sympy(item, depth) for item in items]

    def symbol(self, node: dict):
        name = self.budget.text(_string(node["Symbol"], "a Symbol's name"))
        if not name:
            raise _malformed("a Symbol has an empty name")
        assume = _list(node["assume"], "a Symbol's assumptions")
        if any(type(a) is not str or a not in ASSUMPTIONS for a in assume) or \
                len(set(assume)) != len(assume):
            raise _malformed(f"a Symbol's assumptions are not distinct names among {ASSUMPTIONS}")
        return _sympy().Symbol(name, **{a: True for a in assume})

    def integer_text(self, text) -> int:
        text = self.budget.digits(_string(text, "a sympy number"))
        if not _INTEGER_TEXT.fullmatch(text):
            raise _malformed("a sympy number is not written in decimal digits")
        return int(text)

    def float_node(self, text, precision):
        text = self.budget.text(_string(text, "a Float's value"))
        found = _FLOAT_TEXT.fullmatch(text)
        if not found or not (found.group(1) or found.group(2)):
            raise _malformed("a Float's value is not a decimal number")
        if len(found.group(1)) + len(found.group(2)) > self.budget.bounds.int_digits or \
                len((found.group(3) or "").lstrip("+-")) > len(str(self.budget.bounds.int_digits)) or \
                abs(int(found.group(3) or 0)) > self.budget.bounds.int_digits:
            raise self.budget.too_many_digits()
        if type(precision) is not int or precision < 1:
            raise _malformed("a Float's precision is not a positive integer")
        if precision > self.budget.precision():
            raise self.budget.too_many_digits()
        return _sympy().Float(text, precision=precision)


def _reader(bounds: Bounds, buffers, used: set) -> _Reader:
    if type(buffers) not in (list, tuple):
        raise _malformed(f"the buffers are {_a(_type_name(buffers))}, not a list")
    return _Reader(_Budget(bounds), buffers, used)


def _read(read, *args):
    """Run one reading step; whatever escapes other than a WireError is malformed input."""
    try:
        return read(*args)
    except WireError:
        raise
    except RecursionError:
        raise ResultTooLarge("the result is nested too deeply to grade") from None
    except MemoryError:
        raise ResultTooLarge("the result is too large to grade (out of memory)") from None
    except Exception as error:  # noqa: BLE001 - the input is hostile; nothing else may escape
        raise _malformed(f"it cannot be read ({_type_name(error)})") from None


def decode(tree, buffers, bounds: Bounds) -> object:
    """Inverse of :func:`encode`. Never trusts its input: any violation raises
    :class:`WireError`, nothing else escapes."""
    return _read(lambda: _reader(bounds, buffers, set()).value(tree))


# -- the protocol -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Call:
    """Grader -> kernel: call ``function`` once per case; each case is ``(args, kwargs)``."""

    id: int
    function: str
    cases: list


@dataclass(frozen=True)
class Outcome:
    """One case's result: its value, or (``error_type`` not empty) the error it raised."""

    value: object = None
    error_type: str = ""
    error_message: str = ""

    @property
    def raised(self) -> bool:
        return self.error_type != ""


@dataclass(frozen=True)
class Reply:
    """Kernel -> grader: one outcome per case, and the library convolutions the kernel's
    monitor saw during the calls."""

    id: int
    outcomes: list
    shortcuts: list


def _protocol(detail: str) -> WireError:
    return WireError(f"the kernel broke the message protocol: {detail}")


def _fields(data, names: set, what: str, error=_protocol) -> dict:
    if type(data) is not dict or set(data) != names:
        raise error(f"{what} does not have exactly the fields {sorted(names)}")
    return data


def _message_id(value, what: str) -> int:
    if type(value) is not int:
        raise _protocol(f"{what} id is not an integer")
    return value


def pack_call(call: Call, bounds: Bounds) -> tuple[dict, list[bytes]]:
    """A :class:`Call` -> (JSON-able message, buffers)."""
    buffers, cases = [], []
    for args, kwargs in call.cases:
        writer = _Writer(_Budget(bounds), buffers)
        cases.append({"args": writer.value(tuple(args)), "kwargs": writer.value(dict(kwargs))})
    return {"id": call.id, "function": call.function, "cases": cases}, buffers


def unpack_call(data, buffers, bounds: Bounds) -> Call:
    """The kernel's reading of a call: validated like any message."""
    data = _fields(data, {"id", "function", "cases"}, "the call", _malformed)
    function = data["function"]
    if type(function) is not str or not function.isidentifier() or \
            len(function) > FUNCTION_NAME_CHARS:
        raise _malformed("the call's function is not a name")
    used, cases = set(), []
    for case in _list(data["cases"], "the call's cases"):
        case = _fields(case, {"args", "kwargs"}, "a case", _malformed)
        reader = _read(_reader, bounds, buffers, used)
        args, kwargs = (_read(reader.value, case[key]) for key in ("args", "kwargs"))
        if type(args) is not tuple or type(kwargs) is not dict:
            raise _malformed("a case's args are not a tuple or its kwargs not a dict")
        cases.append((args, kwargs))
    if type(data["id"]) is not int:
        raise _malformed("the call's id is not an integer")
    return Call(data["id"], function, cases)


def _error_outcome(error_type: str, message: str) -> dict:
    return {"error_type": str(error_type)[:ERROR_TYPE_CHARS],
            "error_message": str(message)[:ERROR_MESSAGE_CHARS]}


def _pack_outcome(outcome: Outcome, bounds: Bounds, buffers: list) -> dict:
    """One outcome; a value that cannot travel becomes this outcome's error (its buffers are
    dropped), never the whole reply's."""
    if outcome.raised:
        return _error_outcome(outcome.error_type, outcome.error_message)
    mark = len(buffers)
    try:
        return {"value": _Writer(_Budget(bounds), buffers).value(outcome.value)}
    except WireError as error:
        del buffers[mark:]
        return _error_outcome(error.outcome_type, error)
    except RecursionError:
        del buffers[mark:]
        return _error_outcome(ResultTooLarge.outcome_type, "the result is nested too deeply to grade")
    except KeyboardInterrupt:
        del buffers[mark:]
        raise
    except BaseException as error:  # noqa: BLE001 - the student's objects may raise anything
        del buffers[mark:]
        return _error_outcome(WireError.outcome_type, f"the result cannot be graded: "
                              f"{_type_name(error)}: {error}")


class ReplyWriter:
    """The kernel's side of a reply, packed one outcome at a time as each case returns: the
    kernel then holds one raw result at a time, so a function that returns something far too
    large is refused at once instead of piling such results up until memory runs out."""

    def __init__(self, call_id: int, bounds: Bounds):
        self.call_id, self.bounds = call_id, bounds
        self.outcomes: list = []
        self.buffers: list = []

    def add(self, outcome: Outcome):
        self.outcomes.append(_pack_outcome(outcome, self.bounds, self.buffers))

    def message(self, shortcuts) -> tuple[dict, list[bytes]]:
        """(JSON-able message, buffers) of the outcomes added so far."""
        shortcuts = sorted({str(s)[:SHORTCUT_CHARS] for s in shortcuts})[:SHORTCUTS]
        return {"id": self.call_id, "outcomes": self.outcomes, "shortcuts": shortcuts}, \
            self.buffers


def pack_reply(reply: Reply, bounds: Bounds) -> tuple[dict, list[bytes]]:
    """A :class:`Reply` -> (JSON-able message, buffers)."""
    writer = ReplyWriter(reply.id, bounds)
    for outcome in reply.outcomes:
        writer.add(outcome)
    return writer.message(reply.shortcuts)


def _unpack_outcome(data, reader: _Reader) -> Outcome:
    if type(data) is dict and set(data) == {"value"}:
        try:
            return Outcome(value=_read(reader.value, data["value"]))
        except WireError as error:
            return Outcome(error_type=error.outcome_type,
                           error_message=str(error)[:ERROR_MESSAGE_CHARS])
    data = _fields(data, {"error_type", "error_message"}, "an outcome")
    error_type, message = data["error_type"], data["error_message"]
    if type(error_type) is not str or not error_type or type(message) is not str:
        raise _protocol("an outcome's error type or message is not a string")
    return Outcome(error_type=error_type[:ERROR_TYPE_CHARS],
                   error_message=message[:ERROR_MESSAGE_CHARS])


def unpack_reply(data, buffers, bounds: Bounds, expected_id: int, expected_cases: int) -> Reply:
    """The grader's reading of a reply. A malformed reply raises :class:`WireError` ("the
    kernel broke the message protocol: ..."); a value over the bounds becomes its own
    outcome's error. Each outcome's value is read with its own budget; a buffer may be read
    once in the whole reply."""
    data = _fields(data, {"id", "outcomes", "shortcuts"}, "the reply")
    if _message_id(data["id"], "the reply's") != expected_id:
        raise _protocol(f"the reply answers call {data['id']}, not call {expected_id}")
    outcomes = data["outcomes"]
    if type(outcomes) is not list or len(outcomes) != expected_cases:
        raise _protocol(f"the reply does not hold {expected_cases} outcomes")
    shortcuts = data["shortcuts"]
    if type(shortcuts) is not list or len(shortcuts) > SHORTCUTS or \
            any(type(s) is not str or len(s) > SHORTCUT_CHARS for s in shortcuts):
        raise _protocol(f"the shortcuts are not a list of at most {SHORTCUTS} short strings")
    if type(buffers) not in (list, tuple):
        raise _protocol("the buffers are not a list")
    used = set()
    read = [_unpack_outcome(outcome, _Reader(_Budget(bounds), buffers, used))
            for outcome in outcomes]
    return Reply(id=expected_id, outcomes=read, shortcuts=list(shortcuts))
