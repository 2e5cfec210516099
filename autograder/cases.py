"""Where a hidden check's cases come from: drawn fresh for each submission, the same on every
regrade.

Every input a check builds derives from the seed of the check being run (:func:`seeded`). The
grader sets a seed per submission and test cell (``convgrade.hidden_inputs``), so the inputs
one submission saw say nothing about the inputs of the next, and a table of recorded answers
is worth nothing. Outside :func:`seeded` the seed is 0: a check called directly (a unit test,
the instructor's source notebook) sees the same cases on every run. Shapes come from
hypothesis (:func:`draw`), numbers from numpy (:func:`rng_array`, :func:`int_array`).
"""
from __future__ import annotations

import contextlib
import copy
import hashlib
from contextvars import ContextVar
from dataclasses import dataclass

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.errors import FailedHealthCheck
from hypothesis.internal.conjecture import providers


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
    sub_seed = _digest("draw", base, index, count)
    key = (repr(strategy), count, sub_seed)
    if key not in _DRAWN:
        if len(_DRAWN) >= DRAWS_KEPT:
            _DRAWN.clear()
        _DRAWN[key] = _examples(strategy, count, sub_seed)
    return copy.deepcopy(_DRAWN[key])


#: Draws kept for reuse in one process: a check run again under the same seed (the catalogue
#: tests, an instructor's notebook) gets the same examples without asking hypothesis again.
#: Keyed by the seed, so a new submission's seed never meets another's draws.
DRAWS_KEPT = 512
_DRAWN: dict = {}


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


def int_array(label, shape, low=-4, high=5) -> np.ndarray:
    """Small integers of numpy's default integer type for a shape (``low`` to ``high - 1``):
    the integer inputs every numeric function must handle without truncating its answer."""
    return fresh_rng(("int", label)).integers(low, high, size=shape)


def shapes_of(*arrays) -> str:
    """``"3x4 and 2x2"``: how feedback describes a case, by its shapes, never its values."""
    return " and ".join("x".join(map(str, np.shape(a))) for a in arrays)
