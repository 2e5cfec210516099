"""The one verdict engine every hidden check is built with: cases in, a named verdict out.

A check (``test_<name>`` in ``convgrade.check.<assignment>``) builds its :class:`Case` list
(inputs, the correct answer, the :class:`Misconception` answers that apply, and the credit
group the case belongs to) and hands it to :func:`judge` with the weight of each group. The
engine calls the student's function on every case in one batch, judges each answer, and
returns a :class:`Judgement`: per group, passed or not with one message. The grader turns it
into a :class:`Verdict` (points scaled by the weights of the groups passed) and writes that
into the graded cell once, as data.

Rules, the same for every check:

* **Misconception rule.** Within a group, a misconception is named only when it explains
  every failing answer it applies to (a case "applies" when it lists an answer for it), and
  at least one. Two mistakes that agree on one case are therefore not confused. Among those
  left, the one that explains the most failing answers is named (declaration order breaks
  ties). Otherwise a shape hint, an ``inspect`` diagnosis or the generic reason of the first
  failing case is given. A case that raised never contradicts a misconception.
* **Partial credit.** A group passes when every one of its cases is right; the score is the
  share of the weights of the groups passed. A blank answer (``NotImplementedError``
  everywhere) or a library shortcut loses every group.
* **Charge each mistake once.** When a function fails only because a graded function it
  calls (the source shows the call) is wrong in a way the grader named, it keeps the
  groups that its own work decides (see :class:`Depends`), and the message says which
  function to fix. Values computed by an unrecognised dependency are charged where they
  show, since nothing tells them apart from a wrong function.
* Messages describe a case by its shapes, never by its values, and never show check code.
"""
from __future__ import annotations

import contextlib
import numbers
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np

from .remote import ShortcutUsed, StudentError, call_many

#: Tolerance relative to the sum of |terms| of each output, which any float32 sum meets, and
#: relative to the largest such sum in the output, which a float32 FFT meets: it spreads the
#: rounding error of the whole array over every output, the small ones included.
RTOL = 2e-5

VALUES = "values"                   # the group most cases belong to
ERRORS = "ValueError"               # the group of the calls that must raise
PYTHON_INT = "Python int"           # the group that judges a count's type alone


@dataclass(frozen=True)
class Misconception:
    """A realistic mistake a check recognises. ``key`` names it (catalogue entries declare the
    key they embody); ``message`` is what the student reads."""
    key: str
    message: str


class Alternatives(tuple):
    """Several answers one misconception can give on a case (either axis, either side)."""


UNANSWERED = Misconception("unanswered", "{name} is not answered yet: replace "
                           "`raise NotImplementedError()` with your code")
SHORTCUT = Misconception("library_shortcut", "{name} calls {calls}, a library convolution. This "
                         "task asks you to write the sum yourself (numpy slicing, einsum, "
                         "tensordot, stride tricks and numpy.fft are all fine).")
TRUNCATED = Misconception("truncated_to_integers", "the output was truncated to integers: build "
                          "it as a float array (np.zeros(shape), not np.zeros_like of an integer "
                          "input, not dtype=int)")
MISSING_ERROR = Misconception("missing_value_error", "{name} must raise {error} on {about} "
                              "({why}); {did}")
NUMPY_NUMBER = Misconception("numpy_number", "return a Python int (int(...)), not a numpy number: "
                             "the task asks for an int (numpy's own integers also wrap around "
                             "silently on large counts)")
FLOAT_COUNT = Misconception("float_count", "return an exact Python int, not a float: the task "
                            "asks for an int, and a float loses the last digits of counts "
                            "above 2**53")
SWAPPED_PLACES = "the right values in the wrong places (check the order of your output axes)"


def truncated(want) -> dict:
    """``{TRUNCATED: the answer a float computation gives when stored in an int array}``."""
    return {TRUNCATED: np.trunc(want)}


def with_truncated(wrongs, *args, want=None) -> dict:
    """``wrongs(*args)``, then :func:`truncated` of ``want`` when given (the right answer of a
    case on integer inputs): a ``Case.wrong`` as ``partial(with_truncated, wrongs, ...)``."""
    answers = wrongs(*args)
    return answers if want is None else {**answers, **truncated(want)}


@dataclass
class Case:
    """One call of a student function and how to judge it.

    ``expected`` is the correct answer (a number, an array, or anything ``same`` compares);
    ``wrong`` maps each misconception that applies to the answer it gives (None: does not
    apply here; :class:`Alternatives`: any of several), or is a function of no arguments
    that returns that map: then it is computed only if the case fails (:meth:`answers`), so
    a right answer never pays for the wrong ones. ``raises`` names the exception the
    call must raise instead (``why`` says why, for the message). ``magnitude`` is the size of
    the terms summed into each output (the tolerance scales with it)."""
    args: tuple = ()
    expected: Any = None
    about: str = ""
    group: str = VALUES
    kwargs: dict = field(default_factory=dict)
    magnitude: Any = None
    wrong: dict | Callable[[], dict] = field(default_factory=dict)
    raises: str | None = None
    why: str = ""
    same: Callable[[Any, Any], bool] | None = None

    def __post_init__(self):
        self.args = tuple(self.args)

    def answers(self) -> dict:
        """``wrong`` as a map, computed the first time it is needed."""
        if callable(self.wrong):
            self.wrong = self.wrong()
        return self.wrong


def is_python_int(got, want) -> bool:
    """``Case.same`` of a :data:`PYTHON_INT` case: the type the task asks for, whatever the
    value (the other groups judge the value with :func:`same_number`)."""
    return type(got) is int


def python_int_case(case: Case, group=PYTHON_INT) -> Case:
    """``case`` again, judged for the type of its answer alone: a numpy number or a float
    is named as such and loses only this group."""
    return Case(case.args, int(case.expected), case.about, group=group, kwargs=case.kwargs,
                same=is_python_int)


def must_raise(args, about, why, error="ValueError", kwargs=None, group=ERRORS) -> Case:
    """A call that must raise ``error`` (the task asks for it) because ``why``."""
    return Case(args, None, about, group=group, kwargs=kwargs or {}, raises=error, why=why)


@dataclass(frozen=True)
class Depends:
    """How a function is built on another graded function: ``calls(case)`` lists the calls of
    ``function`` it needs, ``combine(case, results)`` builds the right answer from their
    results. With the student's own ``function``, that answer is what the student's code
    should return were it right; ``groups`` are the credit groups this can excuse."""
    function: str
    calls: Callable[[Case], list]
    combine: Callable[[Case, list], Any]
    groups: tuple = (VALUES,)


@dataclass(frozen=True)
class GroupResult:
    """One credit group of a check: its name, weight, and verdict."""
    name: str
    weight: float
    passed: bool
    message: str = ""
    misconception: str | None = None


@dataclass(frozen=True)
class Judgement:
    """What a check found for one function, group by group (the points are the cell's)."""
    function: str
    groups: tuple
    note: str = ""

    @property
    def passed(self) -> bool:
        return all(g.passed for g in self.groups)

    @property
    def fraction(self) -> float:
        total = sum(g.weight for g in self.groups)
        return sum(g.weight for g in self.groups if g.passed) / total if total else 0.0

    @property
    def misconception(self) -> str | None:
        return next((g.misconception for g in self.groups if not g.passed and g.misconception), None)

    @property
    def message(self) -> str:
        """The failed groups' messages (a misconception once, however many groups it
        breaks), then which groups kept their credit; or that all passed."""
        failed = [g for g in self.groups if not g.passed]
        names = ", ".join(g.name for g in self.groups if g.passed)
        if not failed:
            return f"{self.function}: passed ({names}), checked by the grader. {self.note}".strip()
        said, parts = set(), []
        for g in failed:
            if g.message and (g.misconception is None or g.misconception not in said):
                parts.append(_sentence(g.message))
                said.add(g.misconception)
        text = " ".join(dict.fromkeys(parts))
        if len(self.groups) > 1 and (names or any(g.message for g in failed[1:])):
            text += f" Credit kept for: {names}." if names else " No credit group passed."
        return f"{text} {self.note}".strip()


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


class CheckFailed(AssertionError):
    """A check did not pass: ``judgement`` holds the details (None for a plain message)."""

    def __init__(self, message, judgement: Judgement | None = None):
        super().__init__(message)
        self.judgement = judgement


@dataclass(frozen=True)
class Verdict:
    """The grader's decision on one test cell, written into the cell once and read back as
    data by the score, the CSV, the JSON and the feedback."""
    score: float
    max_score: float
    message: str
    misconception: str | None = None
    groups: tuple = ()              # ((name, weight, passed), ...)

    @classmethod
    def of(cls, judgement: Judgement, points: float) -> "Verdict":
        score = round(points * judgement.fraction, 2)
        return cls(score, points, judgement.message, judgement.misconception,
                   tuple((g.name, g.weight, g.passed) for g in judgement.groups))

    @classmethod
    def failed(cls, message: str, points: float, misconception: str | None = None) -> "Verdict":
        return cls(0.0, points, message, misconception)

    def to_json(self) -> dict:
        return {**asdict(self), "groups": [list(g) for g in self.groups]}

    @classmethod
    def from_json(cls, data) -> "Verdict | None":
        """The verdict the grader wrote, or None when ``data`` is not one."""
        try:
            return cls(float(data["score"]), float(data["max_score"]), str(data["message"]),
                       data.get("misconception"),
                       tuple((str(n), float(w), bool(p)) for n, w, p in data.get("groups", ())))
        except (KeyError, TypeError, ValueError, AttributeError):
            return None


# -- the notebook being judged -----------------------------------------------------------------

@dataclass
class Judging:
    """What the grader knows while it judges one notebook: earlier judgements by function,
    the last one made, and how to reach another student function (None outside the grader)."""
    judged: dict = field(default_factory=dict)
    last: Judgement | None = None
    lookup: Callable[[str], Any] | None = None


_JUDGING: ContextVar[Judging | None] = ContextVar("convgrade_judging", default=None)


@contextlib.contextmanager
def judging(lookup=None, judged=None):
    """Judge the cells of one notebook: yields the :class:`Judging` the checks record into."""
    state = Judging(judged if judged is not None else {}, None, lookup)
    token = _JUDGING.set(state)
    try:
        yield state
    finally:
        _JUDGING.reset(token)


def finish(*parts: Judgement) -> Judgement:
    """Merge the judgements one check made of one function, record it, and raise
    :class:`CheckFailed` unless every group passed."""
    judgement = Judgement(parts[0].function, tuple(g for p in parts for g in p.groups),
                          " ".join(p.note for p in parts if p.note))
    state = _JUDGING.get()
    if state is not None:
        state.judged[judgement.function] = judgement
        state.last = judgement
    if not judgement.passed:
        raise CheckFailed(judgement.message, judgement)
    return judgement


# -- judging answers ---------------------------------------------------------------------------

def is_blank(result) -> bool:
    return isinstance(result, StudentError) and str(result).startswith("NotImplementedError")


def close(got, want, magnitude=None) -> bool:
    """Equal up to float32 rounding of the sums that produced ``want``, however they were
    computed (directly or through an FFT)."""
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        return False
    scale = np.abs(want) if magnitude is None else np.asarray(magnitude, dtype=np.float64)
    if scale.shape not in ((), want.shape):
        scale = np.abs(want)
    largest = float(np.max(scale, initial=0.0))
    bound = RTOL * (scale + largest) + 1e-9 * max(1.0, largest)
    return bool(np.all(np.abs(got - want) <= bound))


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _is_number(want) -> bool:
    return isinstance(want, numbers.Real) and not isinstance(want, (bool, np.bool_))


def same_answer(got, want, case: Case) -> bool:
    """Whether ``got`` equals ``want`` for ``case``: exactly for an int, within :data:`RTOL`
    for a float, by :func:`close` for arrays, by ``case.same`` when the check gives one."""
    if case.same is not None:
        return bool(case.same(got, want))
    if _is_int(want):
        return type(got) is int and got == want
    if _is_number(want):
        value = _number(got)
        return value is not None and close(value, want)
    if not isinstance(got, np.ndarray) or got.dtype == object or np.shape(got) != np.shape(want):
        return False
    return close(got, want, case.magnitude)


def same_number(got, want) -> bool:
    """``got`` is ``want`` as a number, whatever its type: for a group that judges a count's
    value apart from its type. A Python int or float must be exact for an int ``want``; a
    numpy scalar is compared at float64 precision, the precision it reaches the grader in."""
    value = _number(got)
    if value is None:
        return False
    if isinstance(got, np.ndarray) and _is_int(want):
        return value == float(want)
    return got == want if _is_int(want) else close(value, want)


def _number(got):
    """``got`` as a float when it is one real number (a numpy scalar arrives as a 0-d array)."""
    if isinstance(got, np.ndarray) and got.size == 1 and got.dtype.kind in "biuf":
        return float(got.reshape(-1)[0])
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, numbers.Real):
        return None
    return float(got)


def _matches(got, answer, case: Case) -> bool:
    if answer is None:
        return False
    if isinstance(answer, Alternatives):
        return any(_matches(got, a, case) for a in answer)
    if not _is_number(answer) and case.same is None and np.shape(answer) != np.shape(got):
        return False
    if _is_int(answer) and not isinstance(got, int):     # a wrong count, however typed
        value = _number(got)
        return value is not None and value == answer
    return same_answer(got, answer, case)


def reason(got, case: Case, shape_hint=None):
    """None when ``got`` is right for ``case``, else a Misconception or the text of why not."""
    want = case.expected
    if same_answer(got, want, case):
        return None
    if case.same is is_python_int:
        return _int_type(got, None) or f"return a Python int, not {type(got).__name__}"
    if case.same is same_number:
        return _wrong_number(got)
    if case.same is not None:
        if shape_hint and isinstance(got, np.ndarray) and np.ndim(want) and got.shape != np.shape(want):
            return shape_hint(case, got.shape) or f"output shape {got.shape}, expected {np.shape(want)}"
        return "the answer differs from the correct one"
    if _is_int(want):
        return _int_type(got, want) or _wrong_number(got)
    if _is_number(want):
        return _wrong_number(got)
    if not isinstance(got, np.ndarray):
        return f"expected an array of shape {np.shape(want)}, got {type(got).__name__}"
    if got.dtype == object:
        # never evaluated here: a symbolic value can be made to take forever to compute
        return "expected an array of numbers, got one of other objects (symbolic values?)"
    if got.shape != np.shape(want):
        hint = shape_hint(case, got.shape) if shape_hint else None
        return hint or f"output shape {got.shape}, expected {np.shape(want)}"
    if close(np.sort(got, axis=None), np.sort(np.asarray(want), axis=None)):
        return SWAPPED_PLACES
    return "the values differ from the correct answer"


def _int_type(got, want):
    """The misconception of a number that is not a Python int: a numpy scalar (which reaches
    the grader as a 0-d array) or a float, of the value ``want`` (any value when None)."""
    value = _number(got)
    if value is None or want is not None and value != want:
        return None
    if isinstance(got, np.ndarray):
        return NUMPY_NUMBER
    return FLOAT_COUNT if isinstance(got, float) else None


def _wrong_number(got) -> str:
    value = _number(got)
    if value is None:
        return f"expected a number, got {type(got).__name__}"
    return f"{value:g} is not the right value"


def _error_kind(result) -> str:
    return str(result).split(":")[0]


def _group(function, name, weight, failures, inspect, raised=None) -> GroupResult:
    """The verdict of group ``name`` of ``function``'s check from its failures
    ``[(case, got, why)]``."""
    if not failures:
        return GroupResult(name, weight, True)
    misses = [(c, g, w) for c, g, w in failures if not isinstance(g, StudentError)
              and c.raises is None]
    raised_cases = [(c, g, w) for c, g, w in failures
                    if isinstance(g, StudentError) and c.raises is None]
    must = [(c, g, w) for c, g, w in failures if c.raises is not None]
    if must and not misses and not raised_cases:
        case, got, _ = must[0]
        did = (f"it raised {_error_kind(got)}" if isinstance(got, StudentError)
               else "it returned a result")
        return GroupResult(name, weight, False, MISSING_ERROR.message.format(
            name=function, error=case.raises, about=case.about, why=case.why, did=did),
            MISSING_ERROR.key)
    found = _diagnose(misses)
    if found is not None:
        misconception, case = found
        return GroupResult(name, weight, False, f"{function} is wrong on {case.about}: "
                           f"{misconception.message}", misconception.key)
    if misses:
        # a hint names a mistake under the same rule: one that every wrong answer it speaks
        # to shows (a hint may offer several when one shape fits several mistakes)
        whys = [((inspect(c, g) if inspect else None) or w, c, g) for c, g, w in misses]
        offered = [_offered(w) for w, _, _ in whys]
        common = [m for m in next((o for o in offered if o), ())
                  if all(m.key in {x.key for x in o} for o in offered if o)]
        if common:
            why = common[0]
            case = next(c for (w, c, g), o in zip(whys, offered) if why in o)
            return GroupResult(name, weight, False, f"{function} is wrong on {case.about}: "
                               f"{why.message}", why.key)
        why, case, got = whys[0]
        if isinstance(why, Misconception):
            text = why.message
        elif isinstance(why, tuple):
            text = f"output shape {np.shape(got)}, expected {np.shape(case.expected)}"
        else:
            text = why
        return GroupResult(name, weight, False, f"{function} is wrong on {case.about}: {text}")
    case, got, _ = raised_cases[0]
    why = raised(case, got) if raised else None
    if isinstance(why, Misconception):
        return GroupResult(name, weight, False, f"{function} raised on {case.about}: {why.message}",
                           why.key)
    return GroupResult(name, weight, False, f"{function} raised on {case.about}: {why or got}")


def _offered(why) -> tuple:
    """The misconceptions a reason offers: one, several (a shape two mistakes give), none."""
    if isinstance(why, Misconception):
        return (why,)
    if isinstance(why, tuple):
        return tuple(m for m in why if isinstance(m, Misconception))
    return ()


def _diagnose(misses):
    """``(misconception, first case it explains)`` by the misconception rule, or None."""
    best, best_count = None, 0
    order = dict.fromkeys(m for c, _, _ in misses for m in c.answers())
    for misconception in order:
        applies = [(c, g) for c, g, _ in misses if c.answers().get(misconception) is not None]
        explained = [c for c, g in applies if _matches(g, c.answers()[misconception], c)]
        if explained and len(explained) == len(applies) and len(explained) > best_count:
            best, best_count = (misconception, explained[0]), len(explained)
    return best


def judge(function, name: str, cases, weights: dict, *, shape_hint=None, inspect=None,
          raised=None, depends: Depends | None = None, shortcut: str | None = None,
          symbolic: bool = False) -> Judgement:
    """Call ``function`` on every case in one batch and judge the answers group by group
    (``weights``: group name -> weight, in the order the feedback lists them); records the
    judgement and raises :class:`CheckFailed` unless every group passed.

    ``shape_hint(case, got_shape)`` may name the mistake behind a wrong output shape (a
    tuple of misconceptions where the shape fits several: the other cases decide);
    ``inspect(case, got)`` one that a single wrong answer shows by itself, ``raised(case,
    error)`` one that an exception shows (all three return text, a :class:`Misconception`
    or None). ``depends`` excuses failures caused by a dependency;
    ``shortcut`` replaces the library-convolution message (formatted with name and calls)."""
    return finish(evaluate(function, name, cases, weights, shape_hint=shape_hint,
                           inspect=inspect, raised=raised, depends=depends, shortcut=shortcut,
                           symbolic=symbolic))


def evaluate(function, name: str, cases, weights: dict, *, shape_hint=None, inspect=None,
             raised=None, depends: Depends | None = None, shortcut: str | None = None,
             symbolic: bool = False) -> Judgement:
    """:func:`judge` without recording or raising, for a check made of several parts."""
    cases = list(cases)
    unknown = {c.group for c in cases} - set(weights)
    if unknown or not cases:
        raise ValueError(f"check of {name}: cases in undeclared groups {sorted(unknown)}")
    results = call_student(function, name, cases, weights, shortcut, symbolic)
    if isinstance(results, Judgement):
        return results
    if all(is_blank(r) for r, c in zip(results, cases) if c.raises is None):
        return everything_failed(name, weights, UNANSWERED.message.format(name=name), UNANSWERED.key)
    failures = {group: [] for group in weights}
    for case, got in zip(cases, results):
        if case.raises is not None:
            if not (isinstance(got, StudentError) and _error_kind(got) == case.raises):
                failures[case.group].append((case, got, None))
        elif isinstance(got, StudentError):
            failures[case.group].append((case, got, None))
        else:
            why = reason(got, case, shape_hint)
            if why is not None:
                failures[case.group].append((case, got, why))
    note = ""
    if depends is not None:
        failures, note = _excuse(function, name, depends, failures)
    groups = tuple(_group(name, group, weight, failures[group], inspect, raised)
                   for group, weight in weights.items())
    return Judgement(name, groups, note)


def everything_failed(name, weights, message, misconception=None) -> Judgement:
    """Every group lost with one message (a blank answer, a shortcut, a function that cannot
    be called at all)."""
    groups = [GroupResult(g, w, False, message if i == 0 else "", misconception)
              for i, (g, w) in enumerate(weights.items())]
    return Judgement(name, tuple(groups))


def call_student(function, name, cases, weights, shortcut=None, symbolic=False):
    """The results of ``function`` on ``cases`` in one round trip (each a value or a
    :class:`StudentError`), or a :class:`Judgement` losing everything when the function may
    not be graded (a library shortcut) or cannot be run at all."""
    try:
        return call_many(function, [(c.args, c.kwargs) for c in cases], symbolic)
    except ShortcutUsed as used:
        text = used.message or (shortcut or SHORTCUT.message).format(
            name=name, calls=", ".join(used.calls))
        return everything_failed(name, weights, text, SHORTCUT.key)
    except StudentError as error:
        return everything_failed(name, weights, f"{name} could not be run: {error}")


def call_checked(function, name: str, calls, shortcut=None, symbolic=False, weights=None) -> list:
    """Results of ``function`` on ``calls`` (``[(args, kwargs)]``) for a check that judges
    them itself; a shortcut or a function that cannot be run raises :class:`CheckFailed`
    with the usual message, recorded as a judgement losing every group of ``weights``."""
    cases = [Case(args, kwargs=kwargs) for args, kwargs in calls]
    results = call_student(function, name, cases, weights or {VALUES: 1}, shortcut, symbolic)
    if isinstance(results, Judgement):
        finish(results)                     # records the loss and raises CheckFailed
    return results


# -- charge each mistake once --------------------------------------------------------------------

def _excuse(function, name, depends: Depends, failures):
    """Failures of ``depends.groups`` that the student's own dependency explains, removed.

    Only when the grader has evidence for each step: the function's source reaches the
    dependency, the dependency's own check failed with a named misconception in this
    notebook, and on every failing case of those groups the student's answer is what the
    student's dependency gives when combined the right way (for a call that must raise: the
    dependency does not raise there either; for a call that raised: the dependency raised the
    same kind of error)."""
    state = _JUDGING.get()
    dependency = state.judged.get(depends.function) if state else None
    reaches = getattr(function, "reaches", frozenset())
    if (dependency is None or dependency.passed or not dependency.misconception
            or dependency.misconception in (UNANSWERED.key, SHORTCUT.key)
            or depends.function not in reaches or state.lookup is None):
        return failures, ""
    failing = [(c, g) for group in depends.groups for c, g, _ in failures.get(group, ())]
    if not failing:
        return failures, ""
    calls = [depends.calls(c) for c, _ in failing]
    flat = [call for group in calls for call in group]
    try:
        results = call_many(state.lookup(depends.function), flat)
    except (ShortcutUsed, StudentError):
        return failures, ""
    at = 0
    for (case, got), some in zip(failing, calls):
        part, at = results[at:at + len(some)], at + len(some)
        if case.raises:
            if all(isinstance(r, StudentError) and _error_kind(r) == case.raises for r in part):
                return failures, ""          # the dependency raises: the function should too
            continue
        if isinstance(got, StudentError):    # raised: excused only where the dependency did
            if not any(isinstance(r, StudentError) and _error_kind(r) == _error_kind(got)
                       for r in part):
                return failures, ""
            continue
        if any(isinstance(r, StudentError) for r in part):
            return failures, ""
        if not same_answer(got, depends.combine(case, part), case):
            return failures, ""
    kept = {g: ([] if g in depends.groups else f) for g, f in failures.items()}
    return kept, (f"{name} is right given your {depends.function}: what it gets wrong comes "
                  f"from {depends.function}, so fix {depends.function} first.")
