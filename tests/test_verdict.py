"""The verdict engine: one misconception rule, credit groups, verdicts as data, a mistake
charged once.

The engine is exercised on plain Python functions (``call_many``'s local path), whose right
answers come from numpy and small hand-made tables; the verdict's way into nbgrader's
gradebook is checked with nbgrader's own ``determine_grade``; charging a mistake once is
checked through the real ``convgrade grade``.
"""
from __future__ import annotations

import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_output

from conftest import WRONG_CORR2D, release_nb, run_grade, scores, source_nb, write
from convgrade.execute import read_verdict, verdict_outputs, write_verdict
from convgrade.students import fill, solution_answers
from convgrade.verdict import (ERRORS, FLOAT_COUNT, NUMPY_NUMBER, SHORTCUT, TRUNCATED, UNANSWERED, VALUES,
                               Alternatives, Case, CheckFailed, Judgement, GroupResult,
                               Misconception, Verdict, evaluate, judge, judging, must_raise,
                               same_number, truncated)

DOUBLED = Misconception("doubled", "every value is doubled")
NEGATED = Misconception("negated", "the sign is flipped")
SHIFTED = Misconception("shifted", "off by one")


def _cases(wrong_on=lambda k, x: {DOUBLED: 2 * x, NEGATED: -x}):
    xs = [np.arange(1.0, 4.0) + k for k in range(4)]
    return [Case((x,), x.copy(), f"case {k}", wrong=wrong_on(k, x)) for k, x in enumerate(xs)]


def _fails(function, cases, weights=None, **options) -> Judgement:
    with pytest.raises(CheckFailed) as failed:
        judge(function, "f", cases, weights or {VALUES: 1}, **options)
    return failed.value.judgement


# -- the misconception rule ----------------------------------------------------------------------

def test_a_misconception_that_explains_every_failing_case_is_named():
    judgement = _fails(lambda x: 2 * x, _cases())
    assert judgement.misconception == "doubled"
    assert "every value is doubled" in judgement.message


def test_misconception_answers_given_as_a_function_are_computed_for_failing_cases_only():
    computed = []

    def later(k, x):
        def answers():
            computed.append(k)
            return {DOUBLED: 2 * x, NEGATED: -x}
        return answers

    judge(lambda x: x, "f", _cases(later), {VALUES: 1})
    assert computed == []                   # a right answer never pays for the wrong ones
    judgement = _fails(lambda x: 2 * x if x[0] >= 3 else x, _cases(later))
    assert sorted(set(computed)) == [2, 3]  # the two cases that failed, and only they
    assert judgement.misconception == "doubled"


def test_two_mistakes_that_each_explain_some_cases_are_not_confused():
    answers = {0: 2, 1: -1}                 # doubled on one case, negated on another

    def student(x):
        k = int(x[0]) - 1
        return answers.get(k, 1) * x

    judgement = _fails(student, _cases())
    assert judgement.misconception is None
    assert "the values differ" in judgement.message


def test_a_misconception_is_judged_only_on_the_cases_it_applies_to():
    # DOUBLED applies to cases 0 and 1 only; the student doubles everywhere and is also
    # wrong on cases 2 and 3, where nothing applies: DOUBLED explains every case it applies to
    cases = _cases(lambda k, x: {DOUBLED: 2 * x if k < 2 else None})
    judgement = _fails(lambda x: 2 * x, cases)
    assert judgement.misconception == "doubled"


def test_the_misconception_explaining_most_failing_cases_is_named():
    # SHIFTED explains only case 0, DOUBLED explains all four: DOUBLED wins although SHIFTED
    # is declared first and never contradicted
    cases = _cases(lambda k, x: {SHIFTED: 2 * x if k == 0 else None, DOUBLED: 2 * x})
    assert _fails(lambda x: 2 * x, cases).misconception == "doubled"


def test_alternatives_are_one_misconception_with_several_answers():
    cases = _cases(lambda k, x: {NEGATED: Alternatives((-x, x[::-1]))})
    judgement = _fails(lambda x: -x if x[0] < 3 else x[::-1], cases)
    assert judgement.misconception == "negated"


def test_a_case_that_raised_never_contradicts_a_misconception():
    def student(x):
        if x[0] == 1:
            raise IndexError("boom")
        return 2 * x
    assert _fails(student, _cases()).misconception == "doubled"


def test_wrong_places_and_wrong_shapes_get_their_own_reason():
    assert "wrong places" in _fails(lambda x: x[::-1], _cases(lambda k, x: {})).message
    assert "output shape (2,)" in _fails(lambda x: x[:2], _cases(lambda k, x: {})).message
    hint = Misconception("short", "one entry short")
    judgement = _fails(lambda x: x[:2], _cases(lambda k, x: {}), shape_hint=lambda case, shape: hint)
    assert judgement.misconception == "short"


# -- groups, raising, types, blanks --------------------------------------------------------------

def _grouped_cases():
    cases = [Case((x,), x.copy(), "a float vector", wrong=truncated(x))
             for x in (np.array([0.5, 1.5]), np.array([2.25]))]
    cases += [Case((np.array([1, 2, 3]),), np.array([1.0, 2.0, 3.0]), "an int vector",
                   group="integers")]
    cases.append(must_raise((np.zeros(0),), "an empty vector", "there is nothing to return"))
    return cases


WEIGHTS = {VALUES: 2, "integers": 1, ERRORS: 1}


def _careful(x):
    x = np.asarray(x)
    if x.size == 0:
        raise ValueError("empty")
    return x.astype(float)


def test_a_right_answer_passes_every_group():
    judgement = judge(_careful, "f", _grouped_cases(), WEIGHTS)
    assert judgement.passed and judgement.fraction == 1
    assert "passed (values, integers, ValueError)" in judgement.message


def test_forgetting_the_value_error_costs_that_group_only():
    judgement = _fails(lambda x: np.asarray(x, dtype=float), _grouped_cases(), WEIGHTS)
    assert [g.name for g in judgement.groups if not g.passed] == [ERRORS]
    assert judgement.fraction == pytest.approx(3 / 4)
    assert judgement.misconception == "missing_value_error"
    assert "must raise ValueError on an empty vector" in judgement.message
    assert "it returned a result" in judgement.message
    assert "Credit kept for: values, integers" in judgement.message


def test_raising_the_wrong_error_is_named_as_such():
    def student(x):
        if np.size(x) == 0:
            raise IndexError("empty")
        return np.asarray(x, dtype=float)
    assert "it raised IndexError" in _fails(student, _grouped_cases(), WEIGHTS).message


def test_truncating_to_integers_is_named_in_its_group():
    def student(x):
        x = np.asarray(x)
        if x.size == 0:
            raise ValueError("empty")
        return np.trunc(x)
    judgement = _fails(student, _grouped_cases(), WEIGHTS)
    assert [g.name for g in judgement.groups if not g.passed] == [VALUES]
    assert judgement.misconception == TRUNCATED.key


def test_a_blank_answer_is_not_answered_yet_and_shows_no_exception_text():
    def blank(x):
        raise NotImplementedError()
    judgement = _fails(blank, _grouped_cases(), WEIGHTS)
    assert judgement.fraction == 0 and judgement.misconception == UNANSWERED.key
    assert judgement.message == ("f is not answered yet: replace `raise NotImplementedError()` "
                                 "with your code.")


def test_a_numpy_integer_or_a_float_where_an_int_is_asked_is_named():
    cases = [Case((n,), 10**n, f"n={n}") for n in (1, 2, 3)]
    judgement = _fails(lambda n: np.int64(10**n), cases)
    assert judgement.misconception == NUMPY_NUMBER.key
    assert _fails(lambda n: float(10**n), cases).misconception == FLOAT_COUNT.key
    assert _fails(lambda n: 10**n + 1, cases).misconception is None
    assert judge(lambda n: 10**n, "f", cases, {VALUES: 1}).passed
    # a group that judges the value alone accepts any type of the right number
    by_value = [Case((n,), 10**n, f"n={n}", same=same_number) for n in (1, 2, 3)]
    assert judge(lambda n: np.int64(10**n), "f", by_value, {VALUES: 1}).passed
    assert not evaluate(lambda n: 10**n + 1, "f", by_value, {VALUES: 1}).passed


def test_an_error_can_name_its_mistake():
    cases = _cases(lambda k, x: {})
    bad_index = Misconception("bad_index", "an index runs past the end")

    def student(x):
        raise IndexError("index 3 is out of bounds")
    judgement = _fails(student, cases, raised=lambda case, error: bad_index
                       if str(error).startswith("IndexError") else None)
    assert judgement.misconception == "bad_index" and "past the end" in judgement.message


def test_floats_are_compared_with_a_tolerance_and_bools_are_not_numbers():
    cases = [Case((x,), x / 3, "x") for x in (1.0, 2.0)]
    assert judge(lambda x: np.float32(x / 3), "f", cases, {VALUES: 1}).passed
    assert "expected a number, got bool" in _fails(lambda x: True, cases).message


def test_a_case_in_an_undeclared_group_is_a_grader_error():
    with pytest.raises(ValueError, match="undeclared groups"):
        evaluate(_careful, "f", _grouped_cases(), {VALUES: 1})


# -- the verdict as data ---------------------------------------------------------------------------

def test_a_verdict_scales_the_cell_points_by_the_weights_passed():
    groups = (GroupResult("values", 2, True), GroupResult("integers", 1, False, "m", "k"),
              GroupResult("ValueError", 1, True))
    verdict = Verdict.of(Judgement("f", groups), 4)
    assert verdict.score == 3 and verdict.max_score == 4 and verdict.misconception == "k"
    assert Verdict.from_json(verdict.to_json()) == verdict
    for broken in (None, [], {"score": "x"}, {"score": 1, "max_score": 2}, "verdict"):
        assert Verdict.from_json(broken) is None


@pytest.mark.parametrize("score", [0.0, 1.5, 3.0])
def test_nbgraders_own_scoring_reads_the_verdicts_score(score):
    from nbgrader.utils import determine_grade
    cell = new_code_cell("check()", metadata={"nbgrader": {
        "grade": True, "solution": False, "points": 3, "grade_id": "t", "locked": True}})
    # what the kernel sent: a result claiming 99, an error, and stderr, all made harmless
    planted = [new_output("execute_result", data={"text/plain": "99"}, execution_count=1),
               new_output("stream", name="stderr", text="warning\n"),
               new_output("error", ename="AssertionError", evalue="", traceback=[])]
    verdict = Verdict(score, 3.0, "message")
    cell.outputs = verdict_outputs(planted, verdict)
    write_verdict(cell, verdict)
    assert determine_grade(cell) == (score, 3.0)
    assert read_verdict(cell) == verdict


# -- charge each mistake once, through the real pipeline ---------------------------------------------

CONV2D_ON_CORR2D = "import numpy as np\ndef conv2d(X, K):\n    return corr2d(X, np.asarray(K)[::-1, ::-1])\n"
CONV2D_TRANSPOSED_ON_CORR2D = "import numpy as np\ndef conv2d(X, K):\n    return corr2d(X, np.asarray(K).T)\n"
ZERO_CORR2D = ("import numpy as np\ndef corr2d(X, K):\n"
               "    X, K = np.asarray(X), np.asarray(K)\n"
               "    if K.shape[0] > X.shape[0] or K.shape[1] > X.shape[1]:\n"
               "        raise ValueError('does not fit')\n"
               "    return np.zeros((X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1))\n")


@pytest.fixture(scope="module")
def dependency_results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("charge-once")
    solution = solution_answers(source_nb())
    points = {c.metadata.nbgrader.grade_id: c.metadata.nbgrader.points
              for c in source_nb().cells if c.metadata.get("nbgrader", {}).get("points")}
    students = {"right_conv2d_wrong_corr2d": {"corr2d": WRONG_CORR2D, "conv2d": CONV2D_ON_CORR2D},
                "both_wrong": {"corr2d": WRONG_CORR2D, "conv2d": CONV2D_TRANSPOSED_ON_CORR2D},
                "zero_corr2d": {"corr2d": ZERO_CORR2D, "conv2d": CONV2D_ON_CORR2D}}
    out = {}
    for name, answers in students.items():
        path = write(fill(release_nb(), {**solution, **answers}), folder / f"{name}.ipynb")
        code, results, output = run_grade(path, folder)
        assert code == 0 and results, output
        out[name] = results
    return out, points


def test_a_right_conv2d_on_a_wrong_corr2d_keeps_its_points(dependency_results):
    results, points = dependency_results
    got = scores(results["right_conv2d_wrong_corr2d"])
    assert got["test_conv2d"] == points["test_conv2d"]
    assert got["test_corr2d"] < points["test_corr2d"]
    conv2d = next(t for t in results["right_conv2d_wrong_corr2d"]["tests"] if t["name"] == "test_conv2d")
    assert "fix corr2d first" in conv2d["output"]


def test_a_conv2d_with_its_own_mistake_is_still_charged(dependency_results):
    # conv2d transposes the kernel instead of flipping it: what it gets wrong is not the
    # student's corr2d of the flipped kernel, so conv2d is charged
    results, points = dependency_results
    assert scores(results["both_wrong"])["test_conv2d"] < points["test_conv2d"]


def test_an_unrecognised_wrong_dependency_excuses_nothing(dependency_results):
    # a corr2d returning zeros makes "conv2d = corr2d of the flipped kernel" trivially true:
    # the grader cannot tell a right conv2d from a wrong one there, so it charges conv2d
    results, points = dependency_results
    got = scores(results["zero_corr2d"])
    assert got["test_conv2d"] < points["test_conv2d"]
    assert got["test_corr2d"] < points["test_corr2d"]


def test_judging_records_each_functions_judgement_for_later_cells():
    with judging() as state:
        with pytest.raises(CheckFailed):
            judge(lambda x: 2 * x, "g", _cases(), {VALUES: 1})
    assert state.judged["g"].misconception == "doubled" and state.last is state.judged["g"]
    assert SHORTCUT.key == "library_shortcut"


def test_a_failure_the_check_did_not_record_still_scores_zero():
    """A CheckFailed carrying a judgement that no ``finish`` recorded (review finding: such a
    cell once got full marks) is scored from its own judgement."""
    from types import SimpleNamespace
    from convgrade.execute import ExecuteWithChecks
    executor = ExecuteWithChecks()
    executor._dead, executor.judged = None, {}
    executor.seeds = SimpleNamespace(for_check=lambda gid: 0)
    hidden = ("from convgrade.verdict import CheckFailed, Judgement, GroupResult\n"
              "raise CheckFailed('no', Judgement('f', (GroupResult('values', 1, False, 'no'),)))\n")
    verdict = executor._judge(hidden, "test_f", 3.0)
    assert verdict.score == 0 and verdict.message == "no."


def test_a_function_that_cannot_be_called_loses_every_group_and_is_recorded():
    from convgrade.remote import ShortcutUsed
    from convgrade.verdict import call_checked

    class Shortcut:
        def __call__(self, *args):
            raise AssertionError("never called")

    import convgrade.verdict as engine
    with judging() as state, pytest.raises(CheckFailed):
        original = engine.call_many
        engine.call_many = lambda *a, **k: (_ for _ in ()).throw(ShortcutUsed(["numpy.convolve"]))
        try:
            call_checked(Shortcut(), "f", [((1,), {})], weights={VALUES: 2, ERRORS: 1})
        finally:
            engine.call_many = original
    assert state.last.fraction == 0 and state.last.misconception == SHORTCUT.key
    assert [g.name for g in state.last.groups] == [VALUES, ERRORS]


def test_a_shortcut_seen_at_run_time_is_named_by_its_public_function():
    """The kernel's monitor sees numpy's private C function; the student reads the function
    they called (messages name only public functions)."""
    from convgrade import policy, wire
    from convgrade.remote import KernelFunction, ShortcutUsed

    def reply(method, name, cases):
        return wire.Reply(id=1, outcomes=[wire.Outcome(value=1.0)] * len(cases),
                          shortcuts=list(policy.CONVOLUTION_C_FUNCTIONS))
    from types import SimpleNamespace
    function = KernelFunction("corr2d", SimpleNamespace(call=None), reply)
    with pytest.raises(ShortcutUsed) as used:
        function.many([((1,), {})])
    assert "numpy.correlate" in used.value.message and "_core" not in used.value.message
