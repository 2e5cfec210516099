"""The toolkit hidden checks are written with: fresh cases, comparison, diagnosis.

A check function (one per test cell, in ``convgrade.check.<assignment>``) draws cases with
:func:`draw` and builds their numbers with :func:`rng_array` or :func:`fresh_rng`, runs the
student's function on all of them in one batch, compares with the reference at a tolerance
scaled to the size of the terms being summed, and raises :class:`CheckFailed` with a message
a student can act on. Messages describe a failing case by its shapes, never by its values,
and never show check code.

Where the cases come from: every input a check builds derives from the seed of the check
being run (:func:`seeded`). The grader sets a seed per submission and test cell
(``convgrade.hidden_inputs``), so the inputs one submission saw say nothing about the inputs
of the next, and a table of recorded answers is worth nothing. Outside :func:`seeded` the
seed is 0: a check called directly (a unit test, the instructor's source notebook) sees the
same cases on every run.
"""
from __future__ import annotations

import contextlib
import hashlib
from contextvars import ContextVar
from dataclasses import dataclass

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.errors import FailedHealthCheck
from hypothesis import strategies as st
from hypothesis.internal.conjecture import providers

from .remote import ShortcutUsed, StudentError, call_many

#: Tolerance relative to the sum of |terms| of each output, which any float32 sum meets, and
#: relative to the largest such sum in the output, which a float32 FFT meets: it spreads the
#: rounding error of the whole array over every output, the small ones included.
RTOL = 2e-5


from .verdict import CheckFailed  # noqa: E402,F401 - one exception for old and new checks


# -- where the cases come from ----------------------------------------------------------------

@dataclass
class Seeding:
    """The seed of the check being run, and how many draws it has made so far (so that
    successive draws of one check get cases of their own)."""
    seed: int
    draws: int = 0


_SEEDING: ContextVar[Seeding | None] = ContextVar("convgrade_check_seeding", default=None)


@contextlib.contextmanager
def seeded(check_seed: int):
    """Run a check with ``check_seed``: every :func:`draw`, :func:`fresh_rng` and
    :func:`rng_array` inside derives its cases from it."""
    token = _SEEDING.set(Seeding(int(check_seed)))
    try:
        yield
    finally:
        _SEEDING.reset(token)


def current_seed() -> int:
    """The seed of the check being run; 0 outside :func:`seeded`."""
    seeding = _SEEDING.get()
    return 0 if seeding is None else seeding.seed


def _digest(*parts) -> int:
    """64 bits of SHA-256 over ``parts`` (separated, so that no two lists of parts collide)."""
    text = "\0".join(str(part) for part in parts)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def draw(strategy, count: int) -> list:
    """``count`` examples of ``strategy`` for the check being run: the same for the same seed
    on every run and machine, others for another seed (no example database, no deadline, no
    shrinking). Within :func:`seeded`, each draw of a check gets a sub-seed of its own;
    outside it, every draw is the first draw of seed 0."""
    seeding = _SEEDING.get()
    if seeding is None:
        base, index = 0, 0
    else:
        base, index = seeding.seed, seeding.draws
        seeding.draws += 1
    return _examples(strategy, count, _digest("draw", base, index, count))


class _SourceBlindProvider(providers.HypothesisProvider):
    """hypothesis' own provider, minus the constants it slips into examples: some of those it
    mines from the source of every local module the process has imported, so the examples of
    one seed would depend on what the process did before (which checks, catalogues or tests
    it loaded). A regrade must see the same cases in any process."""

    def _maybe_draw_constant(self, choice_type, constraints, *, p=0.05):
        return None


@contextlib.contextmanager
def _source_blind():
    """hypothesis' default backend is :class:`_SourceBlindProvider` inside."""
    before = providers.AVAILABLE_PROVIDERS["hypothesis"]
    providers.AVAILABLE_PROVIDERS["hypothesis"] = _SourceBlindProvider
    try:
        yield
    finally:
        providers.AVAILABLE_PROVIDERS["hypothesis"] = before


def _examples(strategy, count: int, sub_seed: int) -> list:
    """The simplest example of ``strategy`` (hypothesis' first) and ``count - 1`` random
    ones, drawn as one list: one test case for hypothesis' engine instead of ``count``, a
    fraction of the time. One at a time instead when the strategy filters (a list is
    rejected as soon as one of its examples is) or its examples are too large to draw
    together (hypothesis' own checks on the size of the data, which do not depend on timing,
    so the same seed always takes the same way)."""
    rest = count - 1
    if rest > 0 and ".filter(" not in repr(strategy):
        try:
            found = _run(st.lists(strategy, min_size=rest, max_size=rest), 2, sub_seed,
                         check=(HealthCheck.data_too_large, HealthCheck.large_base_example))
        except FailedHealthCheck:
            found = []
        if len(found) == 2 and len(found[1]) == rest:
            return [found[0][0], *found[1]]
    return _run(strategy, count, sub_seed)


def _run(strategy, count: int, sub_seed: int, check=()) -> list:
    """Up to ``count`` examples of ``strategy`` from hypothesis seeded with ``sub_seed``, with
    hypothesis' health checks ``check`` on (all others off)."""
    found = []

    @hypothesis_seed(sub_seed)
    @settings(derandomize=False, database=None, deadline=None, max_examples=count,
              phases=[Phase.generate], backend="hypothesis",
              suppress_health_check=[h for h in HealthCheck if h not in check])
    @given(strategy)
    def collect(example):
        found.append(example)

    with _source_blind():
        collect()
    return found


def fresh_rng(label) -> np.random.Generator:
    """A numpy generator for the check being run, derived from its seed and ``label`` (an int
    >= 0, such as a drawn seed or a fixed case's number, or a string naming what it builds):
    the same label gives the same numbers within one check run, and new ones for a new seed.
    A fixed case keeps its shape and structure this way while its numbers stay unpredictable."""
    if isinstance(label, (int, np.integer)) and not isinstance(label, bool) and label >= 0:
        words = [current_seed(), 0, int(label)]
    else:
        words = [current_seed(), 1, _digest("label", repr(label))]
    return np.random.default_rng(words)


def rng_array(label, shape, dtype=np.float64):
    """Well-spread values for a shape: hypothesis picks shapes, :func:`fresh_rng` the numbers."""
    return fresh_rng(label).standard_normal(shape).astype(dtype)


seeds = st.integers(min_value=0, max_value=2**32 - 1)


def dims(low=1, high=7):
    return st.integers(min_value=low, max_value=high)


class Case:
    """One call of a student function: its arguments, the expected answer, and how to
    describe it (shapes only) in feedback."""

    def __init__(self, args, expected, about, kwargs=None, magnitude=None, wrong=None):
        self.args = tuple(args)
        self.kwargs = dict(kwargs or {})
        self.expected = expected
        self.about = about
        self.magnitude = magnitude
        self.wrong = wrong or {}     # misconception message -> the answer it would give


def shapes_of(*arrays) -> str:
    return " and ".join("x".join(map(str, np.shape(a))) for a in arrays)


SHORTCUT = ("{name} calls {calls}, a library convolution. This task asks you to write the sum "
            "yourself (numpy slicing, einsum, tensordot, stride tricks and numpy.fft are all fine).")


def call_checked(function, name: str, calls, shortcut: str = SHORTCUT, symbolic=False) -> list:
    """``call_many`` for checks that judge results themselves: a library shortcut or a
    function that cannot be run at all becomes a :class:`CheckFailed` with the usual message;
    single results may still be :class:`StudentError`. ``shortcut`` is the message for a
    library convolution, formatted with ``name`` and ``calls``."""
    try:
        return call_many(function, calls, symbolic)
    except ShortcutUsed as used:
        raise CheckFailed(used.message or shortcut.format(name=name, calls=", ".join(used.calls))) from None
    except StudentError as error:
        raise CheckFailed(f"{name} could not be run: {error}") from None


def run_cases(function, name: str, cases, shape_hint=None, *, inspect=None, overall=None,
              diagnose=None) -> int:
    """Call ``function`` on every case in one batch; raise CheckFailed if any answer is wrong.

    A known misconception is named only when it explains every wrong answer it applies to,
    so two mistakes that agree on one case are not confused. ``shape_hint(case, got_shape)``
    may return a targeted message for a wrong output shape. Returns the number of cases.

    Optional diagnoses, tried in this order: ``overall(cases, results)`` may name a mistake
    that shows across all cases at once (it returns the text after "is wrong on ");
    ``inspect(case, got)`` one that a single answer shows by itself (NaN, a number for a map);
    ``diagnose(case, got)`` one for a wrong answer, named only if it is the same for every
    wrong answer.
    """
    results = call_checked(function, name, [(c.args, c.kwargs) for c in cases])
    found = overall(cases, results) if overall else None
    if found:
        raise CheckFailed(f"{name} is wrong on {found}")
    failures, diagnoses = [], []
    for case, got in zip(cases, results):
        if isinstance(got, StudentError):
            if failures:        # wrong before it crashed: the wrong answers say more
                break
            raise CheckFailed(f"{name} raised on {case.about}: {got}")
        found = inspect(case, got) if inspect else None
        if found:
            raise CheckFailed(f"{name} is wrong on {case.about}: {found}")
        reason, known = verdict(got, case, shape_hint)
        if reason:
            failures.append((case, reason, known))
            if diagnose:
                diagnoses.append(diagnose(case, got))
    if not failures:
        return len(cases)
    case, reason, known = failures[0]
    if diagnose and diagnoses[0] and all(d == diagnoses[0] for d in diagnoses):
        raise CheckFailed(f"{name} is wrong on {case.about}: {diagnoses[0]}")
    for message in known:                 # named only if no other wrong answer contradicts it
        applies = [k for c, _, k in failures if message.strip() in
                   {w.strip() for w, a in c.wrong.items() if a is not None}]
        if all(message in k for k in applies):
            raise CheckFailed(f"{name} is wrong on {case.about}: {message.strip()}")
    if known:
        reason = "the values differ from the correct answer"
    raise CheckFailed(f"{name} is wrong on {case.about}: {reason}")


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


def _same_number(got, want) -> bool:
    if isinstance(want, int) and not isinstance(want, bool):
        return got == want
    return abs(got - want) <= 1e-9 * max(1.0, abs(want))


def verdict(got, case: Case, shape_hint=None):
    """``(None, ())`` when ``got`` is right, else ``(reason, known misconceptions it matches)``."""
    want = case.expected
    if np.isscalar(want) or isinstance(want, (int, float)):
        if isinstance(got, np.ndarray) and got.size == 1 and got.dtype.kind in "biuf":
            got = float(got.reshape(-1)[0])
        if isinstance(got, bool) and not isinstance(want, (bool, np.bool_)):
            return "expected a number, got a bool", ()
        if not isinstance(got, (int, float)):
            return f"expected a number, got {type(got).__name__}", ()
        if _same_number(got, want):
            return None, ()
        known = [m for m, answer in case.wrong.items()
                 if answer is not None and _same_number(got, answer)]
        return (known[0] if known else f"{got} is not the right value"), tuple(known)
    if not isinstance(got, np.ndarray):
        return f"expected an array of shape {np.shape(want)}, got {type(got).__name__}", ()
    if got.dtype == object and np.asarray(want).dtype != object:
        # never evaluated here: a symbolic value can be made to take forever to compute
        return "expected an array of numbers, got one of other objects (symbolic values?)", ()
    got_shape = np.shape(got)
    known = tuple(m for m, answer in case.wrong.items()
                  if answer is not None and np.shape(answer) == got_shape
                  and close(got, answer, case.magnitude))
    if got_shape != np.shape(want):
        hint = shape_hint(case, got_shape) if shape_hint else None
        return (known[0] if known else hint or
                f"output shape {got_shape}, expected {np.shape(want)}"), known
    if close(got, want, case.magnitude):
        return None, ()
    if known:
        return known[0], known
    if close(np.sort(got, axis=None), np.sort(np.asarray(want), axis=None)):
        return "the right values in the wrong places (check the order of your output axes)", ()
    return "the values differ from the correct answer", ()


def judge(got, case: Case, shape_hint=None):
    """``None`` when ``got`` is right, else a short reason (a known misconception if it fits)."""
    return verdict(got, case, shape_hint)[0]
