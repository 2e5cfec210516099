"""Hidden inputs cannot be recorded in one submission and answered from a table in the next.

Unit tests pin down the parts (the course secret, the submission fingerprint, the seed of a
check, seeded draws); the pipeline tests grade notebooks through ``grade_notebook`` and the
``convgrade grade`` command: a regrade is identical, a one-character change gives new inputs,
a table of leaked inputs scores what a wrong function scores, and a course without a secret
says that its inputs are predictable.
"""
from __future__ import annotations

import ast
import copy
import json
import hashlib
import hmac
import multiprocessing
import os
import shutil
import stat
import subprocess
import sys
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import numpy as np
import pytest
from hypothesis import strategies as st

import convref
from conftest import ROOT, WRONG_CORR2D, release_nb, source_nb, write
from convgrade import cases, catalogue, hidden_inputs, policy
from convgrade.check import conv_layer as check
from convgrade.verdict import CheckFailed
from convgrade.course import Course
from convgrade.hidden_inputs import check_seed, course_secret, fingerprint, student_cells
from convgrade.restore import restore
from convgrade.students import fill, solution_answers

SECRET_FILE = Path(hidden_inputs.RUN_FOLDER, hidden_inputs.SECRET_FILE)


@pytest.fixture
def no_env_secret(monkeypatch):
    monkeypatch.delenv(hidden_inputs.SECRET_ENV, raising=False)


# -- the course secret ------------------------------------------------------------------------

def test_secret_file_is_made_once_with_mode_0600(tmp_path, no_env_secret):
    first = course_secret(tmp_path)
    path = tmp_path / SECRET_FILE
    assert first is not None and len(first) == policy.SECRET_BYTES
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes() == first
    assert course_secret(tmp_path) == first                 # read back, not made again
    assert sorted(p.name for p in path.parent.iterdir()) == [hidden_inputs.SECRET_FILE]
    assert course_secret(tmp_path / "no" / "such" / "course") is None


def test_two_courses_get_different_secrets(tmp_path, no_env_secret):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert course_secret(tmp_path / "a") != course_secret(tmp_path / "b")


def test_environment_secret_wins_and_no_file_is_made(tmp_path, monkeypatch):
    monkeypatch.setenv(hidden_inputs.SECRET_ENV, "from the CI's secret store")
    assert course_secret(tmp_path) == b"from the CI's secret store"
    assert not (tmp_path / hidden_inputs.RUN_FOLDER).exists()


def test_a_course_that_cannot_hold_a_secret_has_none(tmp_path, no_env_secret):
    (tmp_path / hidden_inputs.RUN_FOLDER).write_text("a file where the folder should be")
    assert course_secret(tmp_path) is None


def _race(root, barrier, results):
    barrier.wait()
    results.put(course_secret(root))


def test_graders_racing_to_make_the_secret_end_with_one(tmp_path, no_env_secret):
    context = multiprocessing.get_context("fork")
    racers = 8
    barrier, results = context.Barrier(racers), context.Queue()
    processes = [context.Process(target=_race, args=(tmp_path, barrier, results))
                 for _ in range(racers)]
    for process in processes:
        process.start()
    seen = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    assert len(set(seen)) == 1 and seen[0] is not None
    assert (tmp_path / SECRET_FILE).read_bytes() == seen[0]
    assert sorted(p.name for p in (tmp_path / hidden_inputs.RUN_FOLDER).iterdir()) == \
        [hidden_inputs.SECRET_FILE]                              # no draft left behind


def test_the_course_secret_is_never_committed():
    ignored = subprocess.run(["git", "check-ignore", "-q", str(SECRET_FILE)], cwd=ROOT)
    assert ignored.returncode == 0


# -- the fingerprint and the seeds ------------------------------------------------------------

def _submission(extra_answer="", outputs=False, metadata=False):
    """conv_layer's solution as a student hands it in, optionally with outputs and edited
    metadata (which must not count), or with something added to corr2d's answer."""
    answers = solution_answers(source_nb())
    answers["corr2d"] += extra_answer
    nb = fill(release_nb(), answers)
    for index, cell in enumerate(nb.cells):
        if outputs and cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"run {index}\n")]
            cell.execution_count = index + 1
        if metadata:
            cell.metadata["tags"] = ["edited"]
            cell.metadata["collapsed"] = True
            cell["id"] = f"renamed-{index}"
    if metadata:
        nb.metadata["kernelspec"] = {"name": "other", "display_name": "Other"}
    return nb


def _restored_fingerprint(nb, files=None):
    restored, _ = restore(nb, source_nb())
    return fingerprint(student_cells(restored), files or {})


def test_fingerprint_ignores_outputs_metadata_and_ids():
    plain = _restored_fingerprint(_submission())
    assert _restored_fingerprint(_submission(outputs=True, metadata=True)) == plain
    assert _restored_fingerprint(_submission()) == plain


def test_fingerprint_sees_answers_extra_cells_and_data_files():
    plain = _restored_fingerprint(_submission())
    commented = _restored_fingerprint(_submission(extra_answer="\n# checked by hand\n"))
    extra = _submission()
    extra.cells.append(nbformat.v4.new_markdown_cell("my notes"))
    data = _restored_fingerprint(_submission(), {"weights.npy": b"\x93NUMPY 1"})
    other_data = _restored_fingerprint(_submission(), {"weights.npy": b"\x93NUMPY 2"})
    renamed = _restored_fingerprint(_submission(), {"weights2.npy": b"\x93NUMPY 1"})
    found = {plain, commented, _restored_fingerprint(extra), data, other_data, renamed}
    assert len(found) == 6


def test_fingerprint_encoding_is_canonical():
    assert fingerprint(["ab"], {}) != fingerprint(["a", "b"], {})
    assert fingerprint(["a", ""], {}) != fingerprint(["a"], {})
    assert fingerprint([], {"a": b"b"}) != fingerprint(["a", "b"], {})
    assert fingerprint([], {"a": b"bc"}) != fingerprint([], {"ab": b"c"})
    assert fingerprint([], {"a": b"1", "b": b"2"}) == fingerprint([], {"b": b"2", "a": b"1"})
    assert len(fingerprint([], {})) == 64 and int(fingerprint([], {}), 16) >= 0


def test_only_student_cells_count():
    restored, _ = restore(_submission(), source_nb())
    answers = [c.source for c in restored.cells
               if c.get("metadata", {}).get("nbgrader", {}).get("solution")]
    cells = student_cells(restored)
    assert set(answers) <= set(cells)
    hidden_tests = [c.source for c in restored.cells if "BEGIN HIDDEN TESTS" in c.source]
    assert hidden_tests and not set(hidden_tests) & set(cells)


def test_check_seed_depends_on_secret_fingerprint_and_check():
    one, two = fingerprint(["a"], {}), fingerprint(["b"], {})
    seeds = {check_seed(b"k1", one, "test_corr2d"), check_seed(b"k2", one, "test_corr2d"),
             check_seed(b"k1", two, "test_corr2d"), check_seed(b"k1", one, "test_conv2d"),
             check_seed(None, one, "test_corr2d")}
    assert len(seeds) == 5
    assert check_seed(b"k1", one, "test_corr2d") == check_seed(b"k1", one, "test_corr2d")
    assert all(0 <= s < 2**64 for s in seeds)
    expected = hmac.new(b"k1", f"{one}\0test_corr2d".encode(), hashlib.sha256).digest()[:8]
    assert check_seed(b"k1", one, "test_corr2d") == int.from_bytes(expected, "big")
    # without a secret anyone can compute it: that is what "predictable" means
    public = hashlib.sha256(f"{one}\0test_corr2d".encode()).digest()[:8]
    assert check_seed(None, one, "test_corr2d") == int.from_bytes(public, "big")


def test_draws_follow_the_seed():
    shapes = st.tuples(cases.dims(1, 9), cases.dims(1, 9), cases.seeds)
    outside = cases.draw(shapes, 10)
    assert cases.draw(shapes, 10) == outside                   # no seed: seed 0, always
    with cases.seeded(0):
        assert cases.draw(shapes, 10) == outside
    with cases.seeded(7):
        first, second = cases.draw(shapes, 10), cases.draw(shapes, 10)
        values = cases.rng_array(3, (4,))
        assert np.array_equal(cases.rng_array(3, (4,)), values)
        assert not np.array_equal(cases.rng_array(4, (4,)), values)
    assert first != second                                     # each draw has its own cases
    with cases.seeded(7):
        assert cases.draw(shapes, 10) == first                # the same seed, the same cases
        assert np.array_equal(cases.rng_array(3, (4,)), values)
    with cases.seeded(8):
        assert cases.draw(shapes, 10) != first
        assert not np.array_equal(cases.rng_array(3, (4,)), values)
    assert cases.current_seed() == 0


DRAWS = """
import sys
from hypothesis import strategies as st
from convgrade import cases
shapes = st.tuples(cases.dims(1, 12), cases.dims(1, 12), cases.seeds)
def draws():
    with cases.seeded(10):
        return [cases.draw(shapes, 40) for _ in range(3)]
before = draws()
import lots_of_constants                        # a local module, full of integers
print(before == draws())
"""


def test_draws_do_not_depend_on_what_the_process_imported(tmp_path):
    """hypothesis mixes in constants mined from the local modules a process has imported;
    the grader's draws must not, or a regrade would depend on what was graded before."""
    (tmp_path / "lots_of_constants.py").write_text(
        "VALUES = [" + ", ".join(str(n) for n in range(1, 3000, 7)) + "]\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", DRAWS], capture_output=True, text=True, env=env,
                          timeout=300)
    assert proc.stdout.strip() == "True", proc.stdout + proc.stderr


def test_a_table_of_inputs_passes_only_under_the_seed_it_was_recorded_with():
    """The control for the pipeline's table attack: a check on its own is only as safe as its
    seed. A table recorded under one seed passes under that seed and fails under another."""
    seen = []

    def recorder(X, K):
        seen.append((X.copy(), K.copy()))
        return convref.correlate(X, K)

    with cases.seeded(1234):
        check.test_corr2d(recorder)
    table = [(X, K, convref.correlate(X, K)) for X, K in seen            # (kernels that fit:
             if K.shape[0] <= X.shape[0] and K.shape[1] <= X.shape[1]]  # the rest must raise)

    def from_table(X, K):
        if K.shape[0] > X.shape[0] or K.shape[1] > X.shape[1]:
            raise ValueError("the kernel does not fit")
        for x, k, answer in table:
            if x.shape == X.shape and k.shape == K.shape and np.array_equal(x, X) \
                    and np.array_equal(k, K):
                return answer
        return np.zeros((X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1))

    with cases.seeded(1234):
        check.test_corr2d(from_table)
    with cases.seeded(1235), pytest.raises(CheckFailed, match="values differ"):
        check.test_corr2d(from_table)


def test_predictable_inputs_are_announced_once_per_process(monkeypatch):
    monkeypatch.setattr(hidden_inputs, "_warned", False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        hidden_inputs.warn_predictable()
        hidden_inputs.warn_predictable()
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1 and hidden_inputs.PREDICTABLE in messages[0]


# -- every check holds for any seed ----------------------------------------------------------

def _answer_namespace(assignment, code):
    """``code`` run where an answer cell runs: after numpy, sympy and the notebook's given
    functions."""
    namespace = {}
    exec("import numpy as np\nimport sympy as sp", namespace)
    for cell in source_nb(assignment).cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id", "").startswith("given_"):
            exec(cell.source, namespace)
    exec(code, namespace)
    return namespace


def _catalogue_misses(assignment, seed) -> list:
    """Catalogue entries whose check does not do what the catalogue says under ``seed``."""
    cat = catalogue.load(assignment)
    module = __import__(f"convgrade.check.{assignment}", fromlist=["check"])
    solution = "\n".join(solution_answers(source_nb(assignment)).values())
    entries = [(fn, name, entry.code, entry.message) for fn, name, entry in catalogue.mistakes(cat)
               if entry.misconception != catalogue.LIBRARY]     # shortcuts show only in the kernel
    entries += [(fn, name, code, None) for fn, table in cat.CORRECT.items()
                for name, code in table.items()]
    entries += [(fn, "solution", solution, None) for fn in cat.WRONG]
    misses = []
    for function, name, code, message in entries:
        student = _answer_namespace(assignment, solution + "\n" + code)[function]   # as in a notebook
        try:
            with cases.seeded(seed), np.errstate(all="ignore"):
                getattr(module, f"test_{function}")(student)
            verdict = None
        except CheckFailed as failure:
            verdict = str(failure)
        if (verdict is None) != (message is None) or (message and message not in verdict):
            misses.append(f"{function}={name}: {verdict}")
    return misses


@pytest.mark.parametrize("seed", [20260906, 2**63 + 12345])
@pytest.mark.parametrize("assignment", Course(ROOT).assignment_ids())
def test_every_catalogue_entry_behaves_under_fresh_inputs(assignment, seed):
    """In process, with the check seeded as the grader seeds it: each catalogued mistake fails
    with its message, each correct variant and the solution pass (library shortcuts show only
    in the kernel: the pipeline tests and ``convgrade validate`` cover those)."""
    assert _catalogue_misses(assignment, seed) == []


# -- through the pipeline ---------------------------------------------------------------------

# corr2d raises on its first input, with the input itself in the message: a student reads the
# hidden input off the feedback
LEAK = """import numpy as np
def corr2d(X, K):
    raise ValueError(repr([np.asarray(X).tolist(), np.asarray(K).tolist()]))
"""


def _grade_job(job):
    from convgrade.course import Course
    from convgrade.grade import grade_notebook
    path, root, standby = job
    results, _ = grade_notebook(path, "conv_layer", Course(root), standby=standby)
    return results


def grade_all(paths, root=ROOT):
    """Grade ``paths`` on two processes; each starts its next kernel (from its warm image)
    while it finishes a notebook, when it has a next one."""
    from convgrade.workers import starts_next_kernel
    jobs = [(str(p), str(root), standby) for p, standby in zip(paths, starts_next_kernel(len(paths), 2))]
    with ProcessPoolExecutor(max_workers=2) as pool:
        return list(pool.map(_grade_job, jobs))


def verdicts(results) -> dict:
    return {t["name"]: t["output"] for t in results["tests"]}


def leaked_input(verdict: str):
    """What a student reads off the verdict of LEAK: the first hidden (X, K)."""
    text = verdict.split("ValueError: ", 1)[1]
    X, K = ast.literal_eval(text[:text.index("]]]") + 3])          # the first case's sentence
    return np.array(X), np.array(K)


def with_answer(code, nb=None):
    return fill(nb or release_nb(), {**solution_answers(source_nb()), "corr2d": code})


@pytest.fixture(scope="module")
def leaks(tmp_path_factory):
    """LEAK graded twice, once with a comment added, once with an extra cell, once with
    outputs, metadata and cell ids changed."""
    folder = tmp_path_factory.mktemp("leaks")
    leak = with_answer(LEAK)
    extra_cell = copy.deepcopy(leak)
    extra_cell.cells.append(nbformat.v4.new_markdown_cell("I tried my best."))
    cosmetic = copy.deepcopy(leak)
    for index, cell in enumerate(cosmetic.cells):
        cell["id"] = f"mine-{index}"
        cell.metadata["tags"] = ["seen"]
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="ran\n")]
    notebooks = {"leak": leak, "commented": with_answer(LEAK + "# a comment\n"),
                 "extra cell": extra_cell, "cosmetic": cosmetic}
    paths = {name: write(nb, folder / f"{name.replace(' ', '-')}.ipynb")
             for name, nb in notebooks.items()}
    paths["again"] = paths["leak"]                          # the same file, graded again
    return dict(zip(paths, grade_all(list(paths.values()))))


def test_a_regrade_is_identical(leaks):
    def strip(results):
        return {k: v for k, v in results.items() if k != "execution_time"}
    assert strip(leaks["again"]) == strip(leaks["leak"])
    assert strip(leaks["cosmetic"]) == strip(leaks["leak"])     # outputs and metadata do not count


def test_the_leak_shows_the_hidden_input(leaks):
    verdict = verdicts(leaks["leak"])["test_corr2d"]
    assert verdict.startswith("corr2d raised on a 3x3 image with a 2x2 kernel: ValueError: ")
    X, K = leaked_input(verdict)
    assert X.shape == (3, 3) and K.shape == (2, 2)


def test_any_change_to_the_student_part_gives_new_inputs(leaks):
    leaked = verdicts(leaks["leak"])["test_corr2d"]
    for name in ("commented", "extra cell"):
        other = verdicts(leaks[name])["test_corr2d"]
        assert other.startswith("corr2d raised on a 3x3 image with a 2x2 kernel: ValueError: ")
        assert other != leaked, name
        assert not np.array_equal(leaked_input(other)[0], leaked_input(leaked)[0])
    # every other check of the notebook moved too
    assert verdicts(leaks["commented"])["test_conv2d"] != verdicts(leaks["leak"])["test_conv2d"]


def test_a_table_of_leaked_inputs_scores_like_a_wrong_function(leaks, tmp_path):
    X, K = leaked_input(verdicts(leaks["leak"])["test_corr2d"])
    answer = convref.correlate(X, K)                          # worked out offline
    table = f"""import numpy as np
_TABLE = [(np.array({X.tolist()!r}), np.array({K.tolist()!r}), np.array({answer.tolist()!r}))]
def corr2d(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    for x, k, answer in _TABLE:
        if x.shape == X.shape and k.shape == K.shape and np.array_equal(x, X) and np.array_equal(k, K):
            return answer.copy()
    return np.zeros((X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1))
"""
    wrong = with_answer(WRONG_CORR2D)
    table_results, wrong_results = grade_all([write(with_answer(table), tmp_path / "table.ipynb"),
                                              write(wrong, tmp_path / "wrong.ipynb")])
    got = {t["name"]: t for t in table_results["tests"]}["test_corr2d"]
    assert got["score"] == 0 < got["max_score"]
    assert got["score"] == {t["name"]: t["score"] for t in wrong_results["tests"]}["test_corr2d"]
    # the very case it had recorded came back with other numbers
    assert got["output"].startswith("corr2d is wrong on a 3x3 image with a 2x2 kernel")


def course_copy(folder: Path) -> Path:
    """A course holding conv_layer only, in ``folder``."""
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    for part in ("solutions", "assignments"):
        shutil.copytree(ROOT / part / "conv_layer", folder / part / "conv_layer")
    return folder


SPY = """import os
import numpy as np
def corr2d(X, K):
    raise ValueError("the kernel sees " + repr(os.environ.get("CONVGRADE_SECRET")))
"""


def test_an_environment_secret_makes_no_file_and_stays_out_of_the_kernel(tmp_path, monkeypatch):
    course = course_copy(tmp_path / "course")
    monkeypatch.setenv(hidden_inputs.SECRET_ENV, "kept in the CI's secret store")
    wrong, spy = grade_all([write(with_answer(WRONG_CORR2D), tmp_path / "wrong.ipynb"),
                            write(with_answer(SPY), tmp_path / "spy.ipynb")], course)
    assert not (course / hidden_inputs.RUN_FOLDER).exists()
    assert hidden_inputs.PREDICTABLE not in wrong["output"]
    assert "flipped" in verdicts(wrong)["test_corr2d"]
    assert verdicts(spy)["test_corr2d"].startswith(
        "corr2d raised on a 3x3 image with a 2x2 kernel: ValueError: the kernel sees None.")


def _grade_read_only(course: Path, notebook: Path, out: Path, env: dict):
    """``convgrade grade`` with the course folder read-only: as root, through a read-only bind
    mount in a mount namespace of its own (root writes through file modes); otherwise by
    taking away the write bits."""
    command = [sys.executable, "-m", "convgrade.cli", "--course", str(course), "grade",
               str(notebook), "--json", str(out)]
    if os.geteuid() == 0:
        script = ('mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" "$0" && exec "$@"')
        command = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script,
                   str(course), *command]
    else:
        for place in [course, *course.rglob("*")]:
            if place.is_dir():
                place.chmod(0o555)
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)


def test_a_read_only_course_is_graded_with_a_note(tmp_path):
    course = course_copy(tmp_path / "course")
    notebook = write(fill(release_nb(), solution_answers(source_nb())), tmp_path / "solution.ipynb")
    env = {k: v for k, v in os.environ.items() if k != hidden_inputs.SECRET_ENV}
    proc = _grade_read_only(course, notebook, tmp_path / "results.json", env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads((tmp_path / "results.json").read_text())
    assert hidden_inputs.PREDICTABLE in results["output"]
    assert proc.stderr.count(hidden_inputs.PREDICTABLE) == 1
    assert not (course / hidden_inputs.RUN_FOLDER).exists()
    auto = [t for t in results["tests"] if "status" in t]
    assert auto and all(t["score"] == t["max_score"] for t in auto)    # graded all the same


def test_nbgrader_autograde_keeps_the_secret_with_the_course(tmp_path, monkeypatch):
    """A class run kept outside the course (nbgrader's root is the class folder, its source
    directory the course's solutions): the secret is the course's, not the class folder's."""
    from convgrade.classroom import class_config, grade_class
    from nbgrader.api import Gradebook
    monkeypatch.delenv(hidden_inputs.SECRET_ENV, raising=False)
    course = Course(course_copy(tmp_path / "course"))
    class_dir = tmp_path / "class"
    folder = class_dir / "submitted" / "alice" / "conv_layer"
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", class_dir)
    write(fill(release_nb(), solution_answers(source_nb())), folder / "conv_layer.ipynb")
    assert grade_class(course, class_dir, ["conv_layer"], jobs=1) == {}
    assert (course.root / SECRET_FILE).is_file()
    assert not (class_dir / SECRET_FILE).exists()
    with Gradebook(class_config(course, class_dir).CourseDirectory.db_url) as gradebook:
        alice = gradebook.find_submission("conv_layer", "alice")
        assert alice.score == 20 and alice.max_score == 22


def test_draws_kept_for_reuse_never_cross_seeds_or_share_lists():
    """cases.draw keeps recent draws: another seed still gets its own examples, and what a
    check does to the examples it got does not reach the next draw."""
    lists = st.lists(cases.dims(1, 9), min_size=3, max_size=3)
    with cases.seeded(41):
        first = cases.draw(lists, 6)
    with cases.seeded(42):
        other = cases.draw(lists, 6)
    first[0].append("changed by a check")
    with cases.seeded(41):
        again = cases.draw(lists, 6)
    assert other != again and "changed by a check" not in again[0]
    assert again[1:] == first[1:] and again[0] == first[0][:-1]
