"""Cheating and faulty submissions through the real pipeline: none gains a point.

Every exploit rides on the same honest-but-wrong submission (``corr2d`` flips the kernel;
the solution's ``conv2d`` calls it), so "gained nothing" means: no test cell scores more than
it does for that submission, and the verdict says why. The grader runs with short limits here
so hangs cost seconds, not minutes.
"""
from __future__ import annotations

import copy
import json
import os
import shutil
import socket
import subprocess
import textwrap
import threading
import uuid
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT, WRONG_CORR2D, grade_many, release_nb, scores, source_nb
from convgrade.students import CHEAT, fill, solution_answers, tamper

# the exploits that hang wait out these limits (production: 60 s per cell and per call, a
# kernel that ignores an interrupt is stopped 10 s later)
LIMITS = {"timeout": 2, "call_timeout": 2, "interrupt_grace": 2, "memory_limit": 1536 * 2**20,
          "notebook_timeout": 240}
MARK = uuid.uuid4().hex[:12]          # names the processes exploits leave behind

WRONG = WRONG_CORR2D


# a row-by-row correlation through the real np.correlate, dug out of the grader's wrapper
BYPASS = textwrap.dedent("""
    _real = next(c.cell_contents for c in np.correlate.__closure__ if callable(c.cell_contents))
    def corr2d(X, K):
        kh, kw = K.shape
        out = np.zeros((X.shape[0] - kh + 1, X.shape[1] - kw + 1))
        for i in range(out.shape[0]):
            for a in range(kh):
                out[i] += _real(X[i + a], K[a], "valid")
        return out
    """)


def with_cell(code, where="corr2d"):
    """The honest-but-wrong submission with ``code`` prepended to an answer cell."""
    answers = {**solution_answers(source_nb()), "corr2d": WRONG}
    answers[where] = code + "\n" + answers[where]
    return fill(release_nb(), answers)


def wrapping(body):
    """corr2d replaced by ``body`` (which may fall back to the wrong answer ``_wrong``)."""
    answers = {**solution_answers(source_nb()), "corr2d": WRONG.replace("def corr2d", "def _wrong") + body}
    return fill(release_nb(), answers)


# -- the sandbox: each attack unlocks the right answer only if it reaches what it must not ----
#
# An extra cell (not an answer cell, so the grader's reading of the source has nothing to
# object to) tries to reach something outside the jail and leaves a flag file in the kernel's
# home when it succeeds; ``corr2d`` answers right when the flag is there, wrong otherwise.
# "Gains nothing" then means: the attack did not succeed.

PLANTED = f"convgrade-planted-{MARK}"
TOKEN = f"token-{MARK}"
UNLOCKABLE = (solution_answers(source_nb())["corr2d"].replace("def corr2d", "def _right")
              + "\n\n" + WRONG.replace("def corr2d", "def _wrong") + textwrap.dedent("""

    import os


    def corr2d(X, K):
        return _right(X, K) if os.path.exists(os.path.expanduser("~/unlocked")) else _wrong(X, K)
    """))


def unlocks_if(attack):
    """The honest-but-wrong submission plus an extra cell running ``attack``, whose last
    expression-statement assigns ``_reached`` (true when the attack got through)."""
    nb = fill(release_nb(), {**solution_answers(source_nb()), "corr2d": UNLOCKABLE})
    cell = textwrap.dedent(attack) + textwrap.dedent("""
        if _reached:
            open(os.path.expanduser("~/unlocked"), "w").close()
        """)
    first = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "corr2d")
    nb.cells.insert(first, nbformat.v4.new_code_cell("import os\n" + cell))
    return nb


def _reads(path):
    return unlocks_if(f"""
        try:
            _reached = bool(open({str(path)!r}).read())
        except OSError:
            _reached = os.path.exists({str(path)!r})
        """)


SANDBOX_EXPLOITS = {
    "reads_course_copy_in_opt": _reads(f"/opt/{PLANTED}/solutions/conv_layer/conv_layer.ipynb"),
    "reads_var_tmp": _reads(f"/var/tmp/{PLANTED}"),
    "reads_dev_shm": _reads(f"/dev/shm/{PLANTED}"),
    "reads_run": _reads(f"/run/{PLANTED}"),
    "reads_home": _reads(f"/home/{PLANTED}"),
    "reads_the_course_through_proc_1_root": _reads(f"/proc/1/root{ROOT}/solutions/conv_layer/conv_layer.ipynb"),
    "reads_the_graders_environment": unlocks_if(f"""
        _reached = any({TOKEN!r} in v for v in os.environ.values())
        """),
    "reads_other_kernels_connection_files": unlocks_if("""
        import glob
        _reached = len(glob.glob("/tmp/*/*/connection.json") + glob.glob("/tmp/*/*/*/connection.json")) > 1
        """),
    "connects_to_the_hosts_loopback": unlocks_if("""
        import socket
        try:
            with socket.create_connection(("127.0.0.1", PORT), timeout=2) as _s:
                _reached = _s.recv(10) == b"unlocked"
        except OSError:
            _reached = False
        """),
    "sees_the_graders_processes": unlocks_if("""
        _reached = False
        for _pid in (p for p in os.listdir("/proc") if p.isdigit()):
            try:
                _reached |= "pytest" in open(f"/proc/{_pid}/cmdline").read()
            except OSError:
                pass
        """),
    "becomes_root": unlocks_if("""
        try:
            os.setuid(0)
            _reached = True
        except OSError:
            _reached = False
        """),
    "nested_user_namespace": unlocks_if("""
        import subprocess
        _reached = subprocess.run(["unshare", "--user", "--map-root-user", "true"],
                                  capture_output=True).returncode == 0
        """),
    "writes_into_the_python_installation": unlocks_if("""
        import numpy
        try:
            open(os.path.join(os.path.dirname(numpy.__file__), "planted.py"), "w").close()
            _reached = True
        except OSError:
            _reached = False
        """),
    "holds_every_port_it_can": unlocks_if("""
        import socket
        _held = []
        for _port in range(20000, 20400):
            try:
                _held.append(socket.create_server(("127.0.0.1", _port)))
            except OSError:
                pass
        _reached = False
        """),
    "signals_every_process_it_can": unlocks_if("""
        import signal
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
        _reached = False
        """),
    "fills_its_folders": unlocks_if("""
        _reached = False
        for _folder in ("/tmp", os.path.expanduser("~")):
            try:
                with open(os.path.join(_folder, "fill"), "wb") as _f:
                    while True:
                        _f.write(b"0" * 2**20)
            except OSError:
                pass
            try:
                for _i in range(100_000):
                    open(os.path.join(_folder, f"n{_i}"), "w").close()
            except OSError:
                pass
        for _i in range(1000):
            try:
                os.remove(os.path.join(os.path.expanduser("~"), f"n{_i}"))
            except OSError:
                pass
        """),
}


def with_extra(code, before="corr2d"):
    """The honest-but-wrong submission with an extra cell (the student's own) holding ``code``,
    placed before the answer cell ``before`` (None: at the end)."""
    nb = fill(release_nb(), {**solution_answers(source_nb()), "corr2d": WRONG})
    cell = nbformat.v4.new_code_cell(textwrap.dedent(code))
    where = next((i for i, c in enumerate(nb.cells)
                  if c.metadata.get("nbgrader", {}).get("grade_id") == before), len(nb.cells))
    nb.cells.insert(where, cell)
    return nb


# -- verdicts the kernel cannot steer: the shortcut rule is read from the source, what comes back
# is decoded under bounds, and nothing the kernel sends can break the grader --------------------

RIGHT_ROWS = textwrap.dedent("""
    def corr2d(X, K):
        kh, kw = K.shape
        out = np.zeros((X.shape[0] - kh + 1, X.shape[1] - kw + 1))
        for i in range(out.shape[0]):
            for a in range(kh):
                out[i] += ROWS(X[i + a], K[a])
        return out
    """)

VERDICT_EXPLOITS = {
    "private_scipy_module": (wrapping(RIGHT_ROWS.replace("ROWS(", "_sigtools._correlateND(")
                                      .replace("def corr2d", "from scipy.signal import _sigtools\ndef corr2d")),
                             "library convolution"),
    "c_function_called_from_a_thread": (wrapping("import threading\n" + RIGHT_ROWS.replace(
        "ROWS(X[i + a], K[a])", "_threaded(X[i + a], K[a])") + textwrap.dedent("""
        def _threaded(x, k):
            box = []
            worker = threading.Thread(target=lambda: box.append(np.correlate(x, k, "valid")))
            worker.start()
            worker.join()
            return box[0]
        """)), "library convolution"),
    "functools_partial": (wrapping("import functools\n_rows = functools.partial(np.correlate, mode='valid')\n"
                                   + RIGHT_ROWS.replace("ROWS(", "_rows(")), "library convolution"),
    "stash_at_top_level": (wrapping("_stash = [np.correlate]\n" + RIGHT_ROWS.replace(
        "ROWS(X[i + a], K[a])", "_stash[0](X[i + a], K[a], 'valid')")), "library convolution"),
    "clears_the_monitor_through_gc": (with_extra("""
        import gc
        for _o in gc.get_objects():
            if type(_o).__name__ == "Monitor":
                _o.seen = set()
        """), "not allowed in a notebook the grader checks"),
    "blanks_the_display_publisher": (with_extra(
        "get_ipython().display_pub.publish = lambda *a, **k: None\n"),
        "not allowed in a notebook the grader checks"),
    "shadows_sorted_and_uses_a_library": (wrapping(
        "sorted = lambda *a, **k: []\nid = 7\n" + RIGHT_ROWS.replace(
            "ROWS(X[i + a], K[a])", "np.correlate(X[i + a], K[a], 'valid')")), "library convolution"),
    "dynamic_import_in_another_cell": (with_extra(
        "import importlib\nsig = importlib.import_module('scipy.' + 'signal')\n",
        before="conv2d"), None),
    "exec_redefines_corr2d": (with_extra("""
        exec("from scipy.signal import correlate2d\\ndef corr2d(X, K):\\n    return correlate2d(X, K, 'valid')")
        """, before="local_layer"), "not allowed in a notebook the grader checks"),
    "redefines_corr2d_in_a_later_cell": (with_extra("""
        from scipy import signal
        corr2d = lambda X, K: signal.correlate2d(X, K, "valid")
        """, before="local_layer"), "library convolution"),
    "monkeypatches_numpy": (with_extra("np.einsum = np.correlate\n"),
                            "not allowed in a notebook the grader checks"),
    "replaces_the_kernels_harness": (with_extra("""
        import convgrade_kernel.harness as _h
        _h.answer = lambda namespace, call, monitor: None
        """), "not allowed in a notebook the grader checks"),
    "forges_a_stream_message_without_a_name": (with_extra("""
        _k = get_ipython().kernel
        _k.session.send(_k.iopub_socket, "stream", {"text": "forged"}, parent=_k.get_parent("shell"))
        """), None),
    "forges_messages_of_every_shape": (with_extra("""
        _k = get_ipython().kernel
        for _content in ({}, {"name": 5, "text": None}, {"data": "x"}, {"execution_state": 3}, []):
            for _kind in ("stream", "display_data", "execute_result", "error", "status", "comm_msg", "clear_output"):
                try:
                    _k.session.send(_k.iopub_socket, _kind, _content, parent=_k.get_parent("shell"))
                except Exception:
                    pass
        """), None),
    "returns_a_view_of_a_trillion_zeros": (wrapping(
        "def corr2d(X, K):\n    return np.broadcast_to(0.0, (10**6, 10**6))\n"), "too large"),
    "returns_a_list_nested_3000_deep": (wrapping(textwrap.dedent("""
        def corr2d(X, K):
            out = []
            for _ in range(3000):
                out = [out]
            return out
        """)), "nested"),
    # built once, so every case hands the grader 160 MB at once and costs the kernel nothing
    "returns_eight_20_mb_lists": (wrapping(textwrap.dedent("""
        _lists = [[0.5] * 2_500_000 for _ in range(8)]
        def corr2d(X, K):
            return _lists
        """)), "too large"),
    "returns_an_exponent_tower": (wrapping(textwrap.dedent("""
        import sympy
        def corr2d(X, K):
            return np.full((X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1),
                           sympy.Pow(3, sympy.Pow(3, 10**6, evaluate=False), evaluate=False), dtype=object)
        """)), None),
    "floods_the_grader_with_messages": (wrapping(textwrap.dedent("""
        from IPython.display import display
        def corr2d(X, K):
            for i in range(30_000):
                display(i)
            return _wrong(X, K)
        """)), None),
    "encoding_raises_system_exit": (wrapping(textwrap.dedent("""
        class Exiter:
            def __array__(self, dtype=None, copy=None):
                raise SystemExit(0)
        def corr2d(X, K):
            return Exiter()
        """)), None),
    "encoding_hangs": (wrapping(textwrap.dedent("""
        class Sleeper:
            def __array__(self, dtype=None, copy=None):
                while True:
                    pass
        def corr2d(X, K):
            return Sleeper()
        """)), None),
    "prints_the_hidden_inputs": (wrapping(textwrap.dedent(f"""
        def corr2d(X, K):
            print("LEAKED-{MARK}", X.tolist())
            return _wrong(X, K)
        """)), None),
}


def edit_cells(edit):
    nb = fill(release_nb(), {**solution_answers(source_nb()), "corr2d": WRONG})
    edit(nb)
    return nb


def _cell(nb, gid):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == gid)


def _delete(nb, gid):
    nb.cells.remove(_cell(nb, gid))


def _duplicate_answer(nb):
    first = _cell(nb, "corr2d")
    nb.cells.insert(nb.cells.index(first) + 1, copy.deepcopy(first))
    nb.cells[nb.cells.index(first) + 1].source = solution_answers(source_nb())["corr2d"]


def _flip_flags(nb):
    md = _cell(nb, "corr2d").metadata.nbgrader
    md.update(grade=True, points=500, locked=True)
    _cell(nb, "test_corr2d").metadata.nbgrader.update(solution=True, grade=False)


def _fake_outputs(nb):
    cell = _cell(nb, "test_corr2d")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="passed\n")]
    cell.execution_count = 1


def _kernelspec(nb):
    nb.metadata["kernelspec"] = {"name": "bash", "display_name": "Bash", "language": "bash"}


EXPLOITS = {
    "patched_allclose": (with_cell(CHEAT), None),
    "fake_numpy_in_sys_modules": (with_cell(textwrap.dedent("""
        import sys, types, numpy as _np
        fake = types.ModuleType("numpy"); fake.__dict__.update(_np.__dict__)
        fake.allclose = lambda *a, **k: True
        fake.testing = types.SimpleNamespace(assert_allclose=lambda *a, **k: None,
                                             assert_array_equal=lambda *a, **k: None)
        sys.modules["numpy"] = fake
        """)), None),
    "lying_ndarray_subclass": (wrapping(textwrap.dedent("""
        class Liar(np.ndarray):
            def __eq__(self, other): return np.ones(np.shape(self), bool)
            def __array_ufunc__(self, *args, **kwargs): return True
            def __sub__(self, other): return np.zeros(np.shape(self))
            def __abs__(self): return np.zeros(np.shape(self))
        def corr2d(X, K):
            return _wrong(X, K).view(Liar)
        """)), None),
    "lying_plain_object": (wrapping(textwrap.dedent("""
        class Anything:
            shape = property(lambda self: self._shape)
            def __init__(self, shape): self._shape = shape
            def __eq__(self, other): return True
            def __array__(self, dtype=None, copy=None): return np.zeros(self._shape)
        def corr2d(X, K):
            return Anything(_wrong(X, K).shape)
        """)), None),
    "input_transformer_passes_everything": (with_cell(
        "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])\n",
        where="dense_param_count"), "not allowed in a notebook the grader checks"),
    "patched_run_cell": (with_cell(textwrap.dedent("""
        _ip = get_ipython()
        async def _nothing(*args, **kwargs):
            from IPython.core.interactiveshell import ExecutionResult, ExecutionInfo
            return ExecutionResult(ExecutionInfo('', False, False, False, None))
        _ip.run_cell_async = _nothing
        """), where="corr2d"), None),
    "fake_grader_protocol": (with_cell(textwrap.dedent("""
        class _Fake:
            def call(self, name, request):
                import json
                from IPython.display import publish_display_data
                n = len(json.loads(request))
                publish_display_data({"application/vnd.convgrade.results+json":
                                      [{"value": {"json": 0}, "shortcuts": []}] * n})
        __convgrade__ = _Fake()
        """), where="conv_layer"), None),
    "imports_the_reference": (wrapping(textwrap.dedent("""
        def corr2d(X, K):
            try:
                import convref
                return convref.correlate(X, K)
            except ImportError:
                return _wrong(X, K)
        """)), None),
    "imports_the_checks": (wrapping(textwrap.dedent("""
        def corr2d(X, K):
            try:
                from convgrade.check import conv_layer
                return None
            except ImportError:
                return _wrong(X, K)
        """)), None),
    "reads_the_solution_notebook": (wrapping(textwrap.dedent(f"""
        import json, os
        def corr2d(X, K):
            path = os.path.join({str(ROOT)!r}, "solutions", "conv_layer", "conv_layer.ipynb")
            try:
                cells = json.load(open(path))["cells"]
            except OSError:
                return _wrong(X, K)
            code = next("".join(c["source"]) for c in cells
                        if c["metadata"].get("nbgrader", {{}}).get("grade_id") == "corr2d")
            space = {{}}
            exec(code, space)
            return space["corr2d"](X, K)
        """)), None),
    "reads_the_grader_package": (wrapping(textwrap.dedent(f"""
        import os
        def corr2d(X, K):
            if os.path.exists(os.path.join({str(ROOT)!r}, "reference", "layer.py")):
                raise RuntimeError("the reference is readable")
            return _wrong(X, K)
        """)), None),
    "hard_exit": (with_cell("import os\nos._exit(0)\n", where="corr2d"), "kernel died"),
    "sys_exit_in_cell": (with_cell("raise SystemExit(0)\n", where="corr2d"), None),
    "hangs_at_top_level": (with_cell("while True:\n    pass\n", where="corr2d"), None),
    "hang_ignoring_interrupts": (with_cell(
        "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass\n",
        where="conv_layer"), "ignored the interrupt"),
    "hangs_when_graded": (wrapping(textwrap.dedent("""
        def corr2d(X, K):
            while True:
                pass
        """)), "did not finish"),
    "system_exit_when_graded": (wrapping("def corr2d(X, K):\n    raise SystemExit(1)\n"), None),
    "allocates_6_gib": (wrapping(textwrap.dedent("""
        def corr2d(X, K):
            np.ones(6 * 2**30 // 8)
            return _wrong(X, K)
        """)), "memory limit"),
    "background_process_outlives_grading": (with_cell(textwrap.dedent(f"""
        import os, subprocess, sys
        _sleeper = [sys.executable, "-c", "import time; time.sleep(3000)", "{MARK}"]
        subprocess.Popen(_sleeper, start_new_session=True)
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.execv(sys.executable, _sleeper)
            os._exit(0)
        """)), None),
    "many_processes": (with_cell(textwrap.dedent("""
        import subprocess
        _procs = []
        try:
            for _ in range(400):
                _procs.append(subprocess.Popen(["sleep", "3002"]))
        except OSError:
            pass
        """)), None),
    "floods_output": (with_cell("print('x' * 50_000_000)\n"), None),
    "writes_a_huge_file": (with_cell(textwrap.dedent("""
        try:
            with open("big.bin", "wb") as f:
                for _ in range(200):
                    f.write(b"0" * 2**20)
        except OSError:
            pass
        """)), None),
    "emptied_tests_and_inflated_points": (tamper(fill(release_nb(), {**solution_answers(source_nb()), "corr2d": WRONG})), None),
    "deleted_test_cell": (edit_cells(lambda nb: _delete(nb, "test_corr2d")), None),
    "duplicated_answer_cell": (edit_cells(_duplicate_answer), None),
    "flipped_grade_flags": (edit_cells(_flip_flags), None),
    "prefilled_outputs": (edit_cells(_fake_outputs), None),
    "other_kernelspec": (edit_cells(_kernelspec), None),
    "tripwire_closure_bypass": (wrapping(BYPASS), "library convolution"),
    "profiler_switched_off": (wrapping(textwrap.dedent("""
        import sys
        def corr2d(X, K):
            sys.setprofile(None)
            return _wrong(X, K)
        """)), "library convolution"),
    "setprofile_replaced": (wrapping("import sys\nsys.setprofile = lambda f: None\n" + BYPASS),
                            "library convolution"),
    **{name: (nb, None) for name, nb in SANDBOX_EXPLOITS.items()},
    **VERDICT_EXPLOITS,
}


@pytest.fixture(scope="module")
def planted():
    """What the sandbox exploits reach for: a copy of the course under /opt, files in
    /var/tmp, /dev/shm, /run and /home, a token in the grader's environment, a server on the
    machine's loopback."""
    copy_dir = Path("/opt") / PLANTED / "solutions" / "conv_layer"
    copy_dir.mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / "conv_layer" / "conv_layer.ipynb", copy_dir)
    files = [Path(p) / PLANTED for p in ("/var/tmp", "/dev/shm", "/run", "/home")]
    for path in files:
        path.write_text("the answers")
    server = socket.create_server(("127.0.0.1", 0))
    threading.Thread(target=lambda: [c.sendall(b"unlocked") or c.close()
                                     for c, _ in iter(server.accept, None)], daemon=True).start()
    os.environ["CONVGRADE_EXPLOIT_TOKEN"] = TOKEN
    yield server.getsockname()[1]
    os.environ.pop("CONVGRADE_EXPLOIT_TOKEN")
    server.close()
    shutil.rmtree(Path("/opt") / PLANTED)
    for path in files:
        path.unlink()


@pytest.fixture(scope="module")
def graded(tmp_path_factory, planted):
    folder = tmp_path_factory.mktemp("exploits")
    for cell in EXPLOITS["connects_to_the_hosts_loopback"][0].cells:
        cell.source = cell.source.replace("PORT", str(planted))
    notebooks = {"honest_wrong": fill(release_nb(), {**solution_answers(source_nb()), "corr2d": WRONG}),
                 **{name: nb for name, (nb, _) in EXPLOITS.items()}}
    # the exploits that wait out time limits start first, four at a time: mostly waiting,
    # they overlap, and the batch ends with the quick ones
    names = sorted(notebooks, key=lambda name: name not in WAIT_OUT_LIMITS)
    paths = []
    for name in names:
        path = folder / f"{name}.ipynb"
        nbformat.write(notebooks[name], path)
        paths.append(path)
    return dict(zip(names, grade_many(paths, jobs=4, **LIMITS)))


WAIT_OUT_LIMITS = ("hang_ignoring_interrupts", "floods_the_grader_with_messages", "hangs_when_graded",
                   "returns_an_exponent_tower", "encoding_hangs", "hangs_at_top_level")


def test_enough_exploits():
    assert len(EXPLOITS) >= 25
    assert len(SANDBOX_EXPLOITS) >= 15
    assert len(VERDICT_EXPLOITS) >= 20


def test_what_a_function_prints_during_a_hidden_call_goes_nowhere(graded):
    results = graded["prints_the_hidden_inputs"]
    assert f"LEAKED-{MARK}" not in json.dumps(results)


def test_every_exploit_ends_in_a_verdict_for_every_test_cell(graded):
    """However the kernel misbehaves, each test cell gets a verdict and the notebook a score."""
    expected = set(scores(graded["honest_wrong"]))
    for name in EXPLOITS:
        assert set(scores(graded[name])) == expected, name
        assert all(t["output"] for t in graded[name]["tests"]), name


def test_an_unlocked_attack_would_have_gained(tmp_path):
    """The sandbox exploits are not vacuous: the same submission with its flag planted by the
    notebook itself gets corr2d's points."""
    nb = unlocks_if("_reached = True")
    path = tmp_path / "unlocked.ipynb"
    nbformat.write(nb, path)
    (results,) = grade_many([path], jobs=1, **LIMITS)
    assert scores(results)["test_corr2d"] == 3


def test_honest_wrong_baseline(graded):
    honest = scores(graded["honest_wrong"])
    # corr2d is wrong; conv2d, the solution's, is right given it and is charged nothing
    assert honest["test_corr2d"] == 0 and honest["test_conv2d"] == 2
    assert honest["test_conv_layer"] == 3


@pytest.mark.parametrize("name", list(EXPLOITS))
def test_exploit_gains_nothing(graded, name):
    honest = scores(graded["honest_wrong"])
    results = graded[name]
    got = scores(results)
    assert set(got) == set(honest)
    assert results["max_score"] == graded["honest_wrong"]["max_score"]
    gained = {test: (got[test], honest[test]) for test in got if got[test] > honest[test]}
    assert not gained, f"{name} gained points: {gained}"
    assert got["test_corr2d"] == 0
    why = EXPLOITS[name][1]
    if why:
        text = " ".join(t["output"] for t in results["tests"]) + results.get("output", "")
        assert why in text, text[:2000]


def test_nothing_outlives_grading(graded):
    for pattern in (MARK, "sleep 3002"):
        left = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout.split()
        assert left == [], f"processes left behind: {left}"


def test_limits_are_named_in_the_verdict(graded):
    memory = graded["allocates_6_gib"]
    verdict = {t["name"]: t["output"] for t in memory["tests"]}["test_corr2d"]
    assert "memory limit 1.5 GiB exceeded" in verdict
    hang = graded["hangs_at_top_level"]["output"]
    assert "time limit" in hang
    died = graded["hard_exit"]
    assert "kernel died in cell corr2d" in died["output"]


SHADOWS = """
id = 7
list = [1, 2, 3]
type = "max"
sorted = lambda *a, **k: []
len = 3
print = None
str = "text"
dict = {}
sum = 0.5
tuple = ()
isinstance = False
zip = "zip"
abs = -1
bool = "yes"
"""


def test_ordinary_globals_that_shadow_builtins_cost_nothing(tmp_path):
    """An honest notebook whose globals shadow builtins (every name the instructor's answers do
    not use themselves) and that rebinds ``np`` at the end keeps full marks."""
    nb = fill(release_nb(), solution_answers(source_nb()))
    first = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("solution"))
    nb.cells.insert(first, nbformat.v4.new_code_cell(SHADOWS))
    nb.cells.append(nbformat.v4.new_code_cell('np = "not numpy any more"\n'))
    path = tmp_path / "shadows.ipynb"
    nbformat.write(nb, path)
    (results,) = grade_many([path], jobs=1, **LIMITS)
    assert results["score"] == 20, [t["output"] for t in results["tests"] if t["score"] < t["max_score"]]
