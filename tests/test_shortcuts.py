"""The library-shortcut policy judged from a submission's source (``convgrade.shortcuts``).

Fairness first: the instructor's solutions and every correct answer of the catalogues get no
finding, honest mistakes are not called shortcuts, and every catalogued library shortcut gets
one. Then a table of attacks, each with the function it must count against, the kind of
finding and what the message must name; honest notebook habits that must pass; and the
bounds: the same verdict twice, deep or long cells judged in well under a second. Every
expectation is written by hand; nothing here starts a kernel.
"""
from __future__ import annotations

import ast
import functools
import sys
import textwrap
import time
from dataclasses import dataclass, field

import nbformat
import pytest

from conftest import ROOT
from convgrade import catalogue, policy
from convgrade.course import Course
from convgrade.restore import grade_id
from convgrade.shortcuts import Finding, SourcePolicy
from convgrade.students import solution_answers

ASSIGNMENTS = Course(ROOT).assignment_ids()


@functools.lru_cache(maxsize=None)
def solution(assignment):
    """``(answers, order)``: the instructor's answers and the order of the answer cells."""
    nb = nbformat.read(Course(ROOT).source_notebook(assignment), 4)
    answers = solution_answers(nb)
    return answers, tuple(grade_id(c) for c in nb.cells if grade_id(c) in answers)


def judged(assignment, replaced=None) -> SourcePolicy:
    """The verdict on ``assignment``'s solution notebook with some answers replaced."""
    answers, order = solution(assignment)
    answers = {**answers, **(replaced or {})}
    return SourcePolicy.from_cells([(i, answers[g]) for i, g in enumerate(order)], order)


def catalogued(table: str) -> list:
    """Every entry of ``WRONG`` or ``CORRECT`` of every catalogue, as test parameters."""
    out = []
    for assignment in ASSIGNMENTS:
        cat = catalogue.load(assignment)
        for function, variants in getattr(cat, table).items():
            for name, entry in variants.items():
                code, message = entry if table == "WRONG" else (entry, None)
                out.append(pytest.param(assignment, function, code, message,
                                        id=f"{assignment}-{function}-{name}"))
    return out


def misconception_of(assignment, function, code):
    """The misconception key a catalogued wrong answer declares (None: not declared)."""
    entries = catalogue.load(assignment).WRONG[function].values()
    return next((getattr(e, "misconception", None) for e in entries if tuple(e)[0] == code), None)


CORRECT = catalogued("CORRECT")
WRONG = catalogued("WRONG")
SHORTCUT = "library convolution"       # every catalogue's SHORTCUT message


def messages(found) -> list:
    return [f.message() for f in found]


# -- fairness and the catalogues --------------------------------------------------------------

def test_every_assignment_is_checked():
    assert len(ASSIGNMENTS) == 7
    assert all(catalogue.load(a).SHORTCUT == SHORTCUT for a in ASSIGNMENTS)
    shortcuts = {p.values[0] for p in WRONG if p.values[3] == SHORTCUT}
    assert {p.values[0] for p in CORRECT} & shortcuts == set(ASSIGNMENTS)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_solution_gets_no_finding(assignment):
    verdict = judged(assignment)
    for function in solution(assignment)[1]:
        assert verdict.findings(function) == [], messages(verdict.findings(function))


@pytest.mark.parametrize("assignment, function, code, message", CORRECT)
def test_a_correct_answer_gets_no_finding(assignment, function, code, message):
    found = judged(assignment, {function: code}).findings(function)
    assert found == [], messages(found)


@pytest.mark.parametrize("assignment, function, code, message", WRONG)
def test_a_catalogued_shortcut_is_found_and_an_honest_mistake_is_not(assignment, function, code,
                                                                     message):
    found = judged(assignment, {function: code}).findings(function)
    if message == SHORTCUT:
        assert any(f.kind == "library" for f in found), f"no finding for {function}"
    elif misconception_of(assignment, function, code) == catalogue.LIBRARY:   # rule 4
        assert any(f.kind == "method" and message in f.message() for f in found), messages(found)
    else:
        assert found == [], messages(found)


def test_the_instructors_imports_are_known():
    """Students' cells use what the instructor's own cells import (``np``, ``plt`` ...)."""
    for assignment in ASSIGNMENTS:
        nb = nbformat.read(Course(ROOT).source_notebook(assignment), 4)
        for cell in nb.cells:
            md = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code" or md.get("solution") or md.get("grade"):
                continue
            for node in ast.walk(ast.parse(cell.source)):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    for a in node.names:
                        full = f"{node.module}.{a.name}" if isinstance(node, ast.ImportFrom) \
                            else a.name
                        assert policy.NOTEBOOK_IMPORTS.get(a.asname or a.name) == full, full


# -- attacks ----------------------------------------------------------------------------------

HONEST = {
    "corr2d": """
        def corr2d(X, K):
            X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
            (H, W), (kh, kw) = X.shape, K.shape
            Y = np.zeros((H - kh + 1, W - kw + 1))
            for i in range(Y.shape[0]):
                for j in range(Y.shape[1]):
                    Y[i, j] = (X[i:i + kh, j:j + kw] * K).sum()
            return Y
        """,
    "conv1d_full": """
        def conv1d_full(f, g):
            f, g = np.asarray(f, dtype=float), np.asarray(g, dtype=float)
            out = np.zeros(len(f) + len(g) - 1)
            for i, a in enumerate(f):
                out[i:i + len(g)] += a * g
            return out
        """,
    "reindex": """
        def reindex(W):
            return np.asarray(W)[::-1]
        """,
    "output_size": """
        def output_size(n, k, padding=0, stride=1, dilation=1):
            return (n + 2 * padding - dilation * (k - 1) - 1) // stride + 1
        """,
}
GRADED = tuple(HONEST)
BYSTANDER = "reindex"                   # honest, in its own cell, not exempt
EXEMPT = "output_size"                  # the policy lets it use library convolutions


@dataclass(frozen=True)
class Notebook:
    """The honest answers with some replaced and extra cells after them."""
    answers: dict = field(default_factory=dict)
    extra: tuple = ()

    def cells(self) -> list:
        sources = [{**HONEST, **self.answers}[g] for g in GRADED] + list(self.extra)
        return [(i, textwrap.dedent(s)) for i, s in enumerate(sources)]

    def verdict(self) -> SourcePolicy:
        return SourcePolicy.from_cells(self.cells(), GRADED)


@dataclass(frozen=True)
class Attack:
    name: str
    notebook: Notebook
    function: str          # the graded function the attack counts against
    kind: str              # the kind of finding it must give
    names: str             # what that finding's message must name


def corr2d(body: str, top: str = "") -> dict:
    """A corr2d answer cell: ``top`` at top level, then ``def corr2d`` with ``body``."""
    lines = textwrap.indent(textwrap.dedent(body).strip(), "    ")
    return {"corr2d": textwrap.dedent(top).strip() + f"\n\ndef corr2d(X, K):\n{lines}\n"}


def extra(*cells) -> tuple:
    return tuple(textwrap.dedent(c) for c in cells)


ATTACKS = [
    Attack("alias_from_import", Notebook(corr2d(
        "return c(X, K, mode='valid')", "from scipy.signal import correlate2d as c")),
        "corr2d", "library", "scipy.signal.correlate2d"),
    Attack("import_scipy_signal_as", Notebook(corr2d(
        "return ss.correlate2d(X, K, mode='valid')", "import scipy.signal as ss")),
        "corr2d", "library", "scipy.signal.correlate2d"),
    Attack("getattr_constant", Notebook(corr2d(
        "return np.stack([getattr(np, 'correlate')(x, K[0], 'valid') for x in X])")),
        "corr2d", "library", "numpy.correlate"),
    Attack("getattr_computed_in_its_cell", Notebook(corr2d(
        "f = getattr(np, 'cor' + 'relate')\nreturn np.stack([f(x, K[0], 'valid') for x in X])")),
        "corr2d", "dynamic", "getattr"),
    Attack("importlib_in_the_function", Notebook(corr2d(
        "sig = importlib.import_module('scipy.signal')\nreturn sig.correlate2d(X, K, 'valid')",
        "import importlib")),
        "corr2d", "library", "corr2d reaches scipy.signal.correlate2d through importlib"),
    Attack("importlib_global_in_another_cell", Notebook(corr2d(
        "return sig.correlate2d(X, K, 'valid')"),
        extra("import importlib\nsig = importlib.import_module('scipy.' + 'signal')\n")),
        "corr2d", "dynamic", "importlib.import_module through the global sig"),
    Attack("dunder_import", Notebook(corr2d(
        "return __import__('scipy.signal').signal.correlate2d(X, K, 'valid')")),
        "corr2d", "library", "scipy.signal"),
    Attack("exec_defines_the_function", Notebook(extra=extra(
        "exec('def corr2d(X, K):\\n    import scipy.signal\\n    return 0')\n")),
        "corr2d", "tampering", "exec"),
    Attack("eval_lambda", Notebook(extra=extra("corr2d = eval('lambda X, K: X')\n")),
        "corr2d", "tampering", "eval"),
    Attack("compile_then_exec", Notebook(extra=extra(
        "code = compile('corr2d = None', 'cell', 'exec')\n")),
        "corr2d", "tampering", "compile"),
    Attack("globals_assignment", Notebook(extra=extra(
        "from scipy import signal\nglobals()['corr2d'] = signal.correlate2d\n")),
        "corr2d", "tampering", "globals"),
    Attack("redefined_in_a_later_cell", Notebook(extra=extra(
        "from scipy import signal\n\ndef corr2d(X, K):\n"
        "    return signal.correlate2d(X, K, 'valid')\n")),
        "corr2d", "library", "scipy.signal.correlate2d (cell 4, line 4)"),
    Attack("lambda_bound_to_the_name", Notebook(extra=extra(
        "from scipy import signal as s\ncorr2d = lambda X, K: s.correlate2d(X, K, 'valid')\n")),
        "corr2d", "library", "scipy.signal.correlate2d (cell 4, line 2)"),
    Attack("helper_chain_of_depth_3", Notebook(corr2d("return _a(X, K)", """
        def _a(X, K):
            return _b(X, K)
        def _b(X, K):
            return _c(X, K)
        def _c(X, K):
            return np.stack([np.correlate(x, K[0], 'valid') for x in X])
        """)), "corr2d", "library",
        "numpy.correlate through the helper _a, the helper _b and the helper _c"),
    Attack("class_with_call", Notebook(extra=extra("""
        from scipy import signal
        class _Conv:
            def __call__(self, X, K):
                return signal.correlate2d(X, K, 'valid')
        corr2d = _Conv()
        """)), "corr2d", "library", "scipy.signal.correlate2d through the helper _Conv"),
    Attack("functools_partial", Notebook({"conv1d_full": """
        import functools
        _full = functools.partial(np.convolve, mode="full")
        def conv1d_full(f, g):
            return _full(f, g)
        """}), "conv1d_full", "library", "numpy.convolve through the global _full"),
    Attack("default_argument_stash", Notebook({"corr2d": """
        def corr2d(X, K, f=np.correlate):
            return np.stack([f(x, K[0], 'valid') for x in X])
        """}), "corr2d", "library", "numpy.correlate (cell 0, line 2)"),
    Attack("real_function_kept_at_top_level", Notebook(corr2d(
        "return np.stack([_real(x, K[0], 'valid') for x in X])", "_real = np.convolve")),
        "corr2d", "library", "numpy.convolve through the global _real"),
    Attack("einsum_monkeypatched", Notebook(extra=extra("np.einsum = np.convolve\n")),
        "corr2d", "tampering", "numpy.einsum (assigned to)"),
    Attack("allclose_patched", Notebook(extra=extra("np.allclose = lambda *a, **k: True\n")),
        "conv1d_full", "tampering", "numpy.allclose (assigned to)"),
    Attack("testing_patched_through_an_alias", Notebook(extra=extra(
        "t = np.testing\nt.assert_allclose = lambda *a, **k: None\n")),
        "corr2d", "tampering", "numpy.testing.assert_allclose (assigned to)"),
    Attack("profiler_switched_off", Notebook(extra=extra("import sys\nsys.setprofile(None)\n")),
        "corr2d", "tampering", "sys.setprofile"),
    Attack("fake_numpy_in_sys_modules", Notebook(extra=extra(
        "import sys, types\nfake = types.ModuleType('numpy')\nsys.modules['numpy'] = fake\n")),
        "corr2d", "tampering", "sys.modules"),
    Attack("closure_dug_out", Notebook(extra=extra(
        "_real = np.correlate.__closure__[0].cell_contents\n")),
        "corr2d", "tampering", "__closure__"),
    Attack("thread_in_its_cell", Notebook(corr2d(
        "return np.zeros((1, 1))", "import threading\nthreading.Thread(target=print).start()")),
        "corr2d", "dynamic", "threading.Thread"),
    Attack("subprocess_in_its_cell", Notebook(corr2d(
        "return np.zeros((1, 1))", "import subprocess\nsubprocess.run(['true'])")),
        "corr2d", "dynamic", "subprocess"),
    Attack("ctypes", Notebook(extra=extra("import ctypes\nctypes.CDLL(None)\n")), "corr2d",
           "tampering", "ctypes.CDLL"),
    Attack("garbage_collector", Notebook(extra=extra(
        "import gc\nrefs = gc.get_referrers(np.correlate)\n")),
        "conv1d_full", "tampering", "gc.get_referrers"),
    Attack("private_numpy_core", Notebook(corr2d(
        "return np.stack([np._core.multiarray.correlate(x, K[0]) for x in X])")),
        "corr2d", "library", "numpy._core.multiarray.correlate"),
    Attack("from_numpy_core_multiarray", Notebook(corr2d(
        "return np.stack([correlate(x, K[0]) for x in X])",
        "from numpy.core.multiarray import correlate")),
        "corr2d", "library", "numpy.core.multiarray.correlate"),
    Attack("scipy_sigtools", Notebook(corr2d(
        "return _sigtools._correlateND(X, K, np.zeros((1, 1)), 0)",
        "from scipy.signal import _sigtools")),
        "corr2d", "library", "scipy.signal._sigtools._correlateND"),
    Attack("star_import", Notebook(corr2d(
        "return correlate2d(X, K, 'valid')", "from scipy.signal import *")),
        "corr2d", "library", "scipy.signal.correlate2d through a star import"),
    Attack("ipython_kernel", Notebook(extra=extra("k = get_ipython().kernel\n")),
        "corr2d", "tampering", "get_ipython().kernel"),
    Attack("input_transformer", Notebook(extra=extra(
        "get_ipython().input_transformers_cleanup.append(lambda lines: lines)\n")),
        "corr2d", "tampering", "get_ipython().input_transformers_cleanup"),
    Attack("shell_events_through_a_name", Notebook(extra=extra(
        "ip = get_ipython()\nip.events.register('pre_run_cell', print)\n")),
        "conv1d_full", "tampering", "get_ipython().events (cell 4, line 2)"),
    Attack("shell_handed_on", Notebook(extra=extra("shells = [get_ipython()]\n")),
        "corr2d", "tampering", "get_ipython() itself"),
    Attack("magic_on_computed_code", Notebook(extra=extra(
        "get_ipython().run_line_magic('time', 'corr2d = ' + 'None')\n")),
        "corr2d", "tampering", "get_ipython().run_line_magic on computed code"),
    Attack("pickled_global", Notebook(corr2d(
        "return _f(X, K)", "import pickle\n_f = pickle.loads(b'...')")),
        "corr2d", "dynamic", "pickle.loads through the global _f"),
    Attack("attrgetter_in_its_cell", Notebook({"conv1d_full": """
        import operator
        def conv1d_full(f, g):
            return operator.attrgetter("conv" + "olve")(np)(f, g)
        """}), "conv1d_full", "dynamic", "operator.attrgetter"),
    Attack("polymul", Notebook({"conv1d_full": "def conv1d_full(f, g):\n"
                                               "    return np.polymul(f, g)\n"}),
        "conv1d_full", "library", "numpy.polymul"),
    Attack("import_inside_the_function", Notebook(corr2d(
        "import scipy.signal as s2\nreturn s2.correlate2d(X, K, 'valid')")),
        "corr2d", "library", "scipy.signal.correlate2d (cell 0, line 5)"),
    Attack("global_reassigned_in_a_helper", Notebook(extra=extra("""
        from scipy import signal
        def _install():
            global corr2d
            corr2d = lambda X, K: signal.correlate2d(X, K, 'valid')
        _install()
        """)), "corr2d", "library", "scipy.signal.correlate2d (cell 4, line 5)"),
    Attack("module_alias_in_a_global", Notebook(corr2d(
        "return np.stack([m.correlate(x, K[0]) for x in X])", "m = np")),
        "corr2d", "library", "numpy.correlate through the global m"),
    Attack("container_filled_later", Notebook(corr2d(
        "return np.stack([_ops[0](x, K[0]) for x in X])"),
        extra("_ops = []\n", "_ops.append(np.correlate)\n")),
        "corr2d", "library", "numpy.correlate through the global _ops (cell 5, line 1)"),
    Attack("name_local_to_a_nested_function_only", Notebook(corr2d("""
        def inner():
            _real = None
        return np.stack([_real(x, K[0]) for x in X])
        """, "_real = np.correlate")), "corr2d", "library", "numpy.correlate"),
    Attack("decorator_swaps_the_function", Notebook({"corr2d": """
        def _swap(f):
            return lambda X, K: np.stack([np.correlate(x, K[0]) for x in X])
        @_swap
        def corr2d(X, K):
            return X
        """}), "corr2d", "library", "numpy.correlate through the helper _swap"),
    Attack("time_magic_runs_hidden_code", Notebook(extra=extra(
        "from scipy import signal as s\n%time corr2d = s.correlate2d\n")),
        "corr2d", "library", "scipy.signal.correlate2d (cell 4, line 2)"),
    Attack("cell_magic_body", Notebook(extra=extra(
        "%%capture\nfrom scipy import signal as s\ncorr2d = s.correlate2d\n")),
        "corr2d", "library", "scipy.signal.correlate2d (cell 4, line 3)"),
    Attack("ipython_prompt_hides_a_binding", Notebook(extra=extra(
        "from scipy import signal as s\nIn [1]: corr2d = s.correlate2d\n")),
        "corr2d", "library", "scipy.signal.correlate2d"),
    Attack("imported_inside_try", Notebook(extra=extra(
        "try:\n    from scipy.signal import correlate2d as corr2d\nexcept ImportError:\n    pass\n")),
        "corr2d", "library", "scipy.signal.correlate2d (cell 4, line 2)"),
    Attack("match_capture", Notebook(extra=extra(
        "from scipy import signal as s\nmatch s.correlate2d:\n    case corr2d:\n        pass\n")),
        "corr2d", "library", "scipy.signal.correlate2d"),
    Attack("setattr_with_a_computed_name", Notebook(extra=extra(
        "setattr(np, 'ein' + 'sum', np.convolve)\n")),
        "corr2d", "tampering", "numpy (an attribute assigned to)"),
    Attack("object_setattr", Notebook(extra=extra(
        "object.__setattr__(np, 'allclose', lambda *a: True)\n")),
        "corr2d", "tampering", "__setattr__"),
    Attack("builtins_dict", Notebook(extra=extra("__builtins__.__dict__['len'] = None\n")),
        "corr2d", "tampering", "__builtins__"),
]


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.name)
def test_an_attack_counts_against_the_right_function(attack):
    verdict = attack.notebook.verdict()
    found = verdict.findings(attack.function)
    assert any(f.kind == attack.kind and attack.names in f.message() for f in found), \
        messages(found)
    bystander = verdict.findings(BYSTANDER)
    if attack.kind == "tampering":        # it could change any graded call
        assert any(f.kind == "tampering" for f in bystander)
    else:                                 # only the function that reaches it
        assert [f for f in bystander if f.kind != "tampering"] == [], messages(bystander)
    assert verdict.findings(EXEMPT) == []


def test_enough_attacks():
    assert len(ATTACKS) >= 30
    assert {a.kind for a in ATTACKS} == {"library", "dynamic", "tampering"}


# -- honest habits ----------------------------------------------------------------------------

HABITS = {
    "matplotlib_magic": Notebook(extra=extra("%matplotlib inline\n")),
    "magic_written_out": Notebook(extra=extra(
        "get_ipython().run_line_magic('matplotlib', 'inline')\n")),
    "shell_escape": Notebook(extra=extra("!ls\nfiles = !ls\n")),
    "timing": Notebook(extra=extra("%timeit -n 3 corr2d(np.ones((4, 4)), np.ones((2, 2)))\n",
                             "%%time\nY = corr2d(np.ones((4, 4)), np.ones((2, 2)))\n")),
    "shell_by_name": Notebook(extra=extra(
        "ip = get_ipython()\nip.run_line_magic('matplotlib', 'inline')\n")),
    "display": Notebook(extra=extra(
        "from IPython.display import display, Markdown\ndisplay(Markdown('**done**'))\n")),
    "figure_size": Notebook(extra=extra(
        "plt.rcParams['figure.figsize'] = (4, 3)\n",
        "import matplotlib\nmatplotlib.rcParams['lines.linewidth'] = 2\n")),
    "print_options": Notebook(extra=extra("np.set_printoptions(precision=3)\nnp.random.seed(0)\n")),
    "recursion_limit": Notebook(extra=extra("import sys\nsys.setrecursionlimit(5000)\n")),
    "compare_with_numpy": Notebook(extra=extra(
        "x, w = np.arange(5.0), np.ones(2)\n"
        "print(np.allclose(conv1d_full(x, w), np.convolve(x, w, 'full')))\n",
        "from scipy import signal\nX, K = np.ones((4, 4)), np.ones((2, 2))\n"
        "print(np.allclose(corr2d(X, K), signal.correlate2d(X, K, 'valid')))\n"
        "plt.imshow(signal.convolve2d(X, K))\n")),
    "exempt_function_uses_scipy": Notebook({"output_size": """
        from scipy import signal
        def output_size(n, k, padding=0, stride=1, dilation=1):
            return len(signal.correlate(np.ones(n + 2 * padding), np.ones(k), 'valid'))
        """}),
    "cdist": Notebook({"reindex": """
        from scipy.spatial.distance import cdist
        def reindex(W):
            return cdist(np.asarray(W, dtype=float), np.asarray(W, dtype=float))
        """}),
    "builtins_shadowed": Notebook(extra=extra("id = 7\nlist = [1]\nsorted = None\ntype = 'max'\n")),
    "constant_getattr_and_own_objects": Notebook(corr2d("""
        kh, kw = getattr(K, "shape")
        layer = Layer(K)
        return layer(X)
        """, """
        class Layer:
            def __init__(self, K):
                self.K = np.asarray(K, dtype=float)
            def __call__(self, X):
                kh, kw = self.K.shape
                windows = sliding_window_view(np.asarray(X, dtype=float), (kh, kw))
                return np.einsum("ijab,ab->ij", windows, self.K)
        """)),
    "locals_named_like_globals": Notebook(corr2d(
        "signal = np.asarray(X, dtype=float)\nref = signal[:1, :1]\nreturn ref"), extra(
        "from scipy import signal\nref = signal.correlate2d(np.ones((3, 3)), np.ones((2, 2)))\n")),
    "syntax_error_elsewhere": Notebook(extra=extra("def broken(:\n    pass\n", "x = (1,\n")),
    "ordinary_numpy": Notebook(corr2d("""
        rows = [functools.reduce(np.add, (X[a:a + X.shape[0] - K.shape[0] + 1,
                                            b:b + X.shape[1] - K.shape[1] + 1] * K[a, b]
                                          for a, b in itertools.product(*map(range, K.shape))))]
        spectrum = np.fft.fft2(np.asarray(X, dtype=np.float32))
        return rows[0] + 0 * math.prod(K.shape) + 0 * spectrum.real.sum()
        """, "import functools, itertools, math\nfrom numpy.lib.stride_tricks import as_strided")),
    "arrays_reshaped_in_place": Notebook(extra=extra("A = np.zeros(9)\nA.shape = (3, 3)\n")),
    "star_import_of_numpy": Notebook(corr2d(
        "return zeros((1, 1)) + sum(X) * 0", "from numpy import *")),
}


@pytest.mark.parametrize("notebook", HABITS.values(), ids=HABITS)
def test_an_honest_habit_gives_no_finding(notebook):
    verdict = notebook.verdict()
    for function in GRADED:
        assert verdict.findings(function) == [], messages(verdict.findings(function))


# -- findings and their messages --------------------------------------------------------------

def test_a_message_names_what_where_and_why():
    finding = Finding("corr2d", "scipy.signal", "through importlib", "library", 5, 3)
    assert finding.message() == ("corr2d reaches scipy.signal through importlib (cell 5, line 3): "
                                 "library convolutions are not allowed here")
    used = Finding("conv1d", "exec", "", "tampering", 2, 7).message()
    assert used.startswith("conv1d uses exec (cell 2, line 7): exec, eval")


def test_findings_are_ordered_by_cell_line_and_what():
    found = Notebook(corr2d("return np.correlate(X, K) + _real(X)", "_real = np.convolve"),
                     extra("import ctypes\nctypes.CDLL(None)\n", "np.allclose = None\n")).verdict().findings("corr2d")
    assert [(f.cell, f.line, f.reached) for f in found] == [
        (0, 1, "numpy.convolve"),
        (0, 4, "numpy.convolve"),
        (0, 4, "numpy.correlate"),
        (4, 2, "ctypes.CDLL"),
        (5, 1, "numpy.allclose (assigned to)"),
    ]


def test_the_same_notebook_gives_the_same_findings():
    notebook = Notebook(corr2d("return ss.correlate2d(X, K) + _f(X)", "import scipy.signal as ss"),
                        extra("import pickle\n_f = pickle.loads(b'')\n", "import gc\n"))
    first, second = notebook.verdict(), notebook.verdict()
    for function in GRADED:
        assert first.findings(function) == second.findings(function) == first.findings(function)
    assert first.findings("corr2d")


# -- bounds -----------------------------------------------------------------------------------

DEEP = "corr2d = np.correlate if " + " + ".join(["1"] * 5000) + " else None\n"
LONG = "".join(f"x{i} = x{i - 1} + 1\n" for i in range(1, 20_000))   # corr2d reaches x19999


def judged_in_time(notebook):
    """The findings for every graded function, after checking the verdict took well under a
    second of processor time: under one, or a few times what Python takes to parse the same
    cells when the machine is too busy for that."""
    start = time.process_time()
    for _, source in notebook.cells():
        try:
            ast.parse(source)
        except (SyntaxError, RecursionError):
            pass
    parsing = time.process_time() - start
    start = time.process_time()
    verdict = notebook.verdict()
    found = {function: verdict.findings(function) for function in GRADED}
    assert time.process_time() - start < max(1.0, 8 * parsing)
    return found


def test_a_deeply_nested_cell_is_judged_in_well_under_a_second():
    """Too deep for this interpreter to read: every convolution is held back."""
    found = judged_in_time(Notebook(extra=extra(DEEP)))
    assert [f.reached for f in found["corr2d"]] == ["code that cannot be read"]
    assert found[EXEMPT] == []


def test_a_deeply_nested_cell_that_parses_is_read_without_recursion():
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(20_000)        # a kernel may raise its own limit and run such a cell
    try:
        found = judged_in_time(Notebook(extra=extra(DEEP)))
    finally:
        sys.setrecursionlimit(limit)
    assert [(f.reached, f.kind) for f in found["corr2d"]] == [("numpy.correlate", "library")]


def test_a_long_cell_is_judged_in_well_under_a_second():
    found = judged_in_time(Notebook(corr2d("return np.correlate(X, K) + x19999", "x0 = 0"),
                                    extra(LONG)))
    assert [(f.cell, f.line, f.reached) for f in found["corr2d"]] == [(0, 4, "numpy.correlate")]


def test_a_name_bound_in_too_many_ways_is_held_against_every_convolution():
    doubling = "".join(f"a{i + 1} = a{i}\na{i + 1} = a{i}.x{i}\n" for i in range(12))
    found = Notebook(extra=extra("a0 = np\n" + doubling)).verdict().findings(BYSTANDER)
    assert any("bound in too many ways" in f.reached and f.kind == "tampering" for f in found)


# -- where tampering counts -------------------------------------------------------------------

def test_tampering_inside_a_function_counts_against_what_reaches_it():
    """Code in a function body runs only when the function is called: its tampering counts
    against the graded functions that reach it, not against the whole notebook (so one
    catalogued mistake never costs another function its points)."""
    verdict = Notebook(corr2d("sys.setprofile(None)\nreturn np.zeros((1, 1))", "import sys"),
                       extra=extra("def conv2d(X, K):\n    return corr2d(X, K[::-1, ::-1])\n")).verdict()
    assert any(f.kind == "tampering" and "sys.setprofile" in f.message()
               for f in verdict.findings("corr2d")), messages(verdict.findings("corr2d"))
    assert any("sys.setprofile" in f.message() for f in verdict.findings("conv2d"))
    assert verdict.findings(BYSTANDER) == []


def test_tampering_in_a_function_the_notebook_calls_counts_against_everything():
    verdict = Notebook(extra=extra(
        "import sys\n\ndef _quiet():\n    sys.setprofile(None)\n\n_quiet()\n")).verdict()
    assert any(f.kind == "tampering" and "sys.setprofile" in f.message()
               for f in verdict.findings(BYSTANDER)), messages(verdict.findings(BYSTANDER))


def test_tampering_in_a_function_nothing_calls_counts_against_nothing():
    verdict = Notebook(extra=extra(
        "import sys\n\ndef _unused():\n    sys.setprofile(None)\n")).verdict()
    assert verdict.findings(BYSTANDER) == [] and verdict.findings("corr2d") == []


def test_tampering_in_a_class_body_runs_when_the_cell_runs():
    verdict = Notebook(extra=extra(
        "import numpy\n\nclass Patch:\n    numpy.allclose = staticmethod(lambda *a, **k: True)\n")).verdict()
    assert any(f.kind == "tampering" for f in verdict.findings(BYSTANDER))


def test_importing_a_tampering_module_alone_counts_against_nothing():
    verdict = Notebook(extra=extra("import importlib\nimport gc\nimport ctypes\n")).verdict()
    assert verdict.findings(BYSTANDER) == [] and verdict.findings("corr2d") == []


# -- ready-made methods (rule 4) ---------------------------------------------------------------

CHANGE_INDEX_CELLS = {
    "method_call": ("def change_of_index(S, i, b):\n"
                    "    return S.change_index(S.variables[0], i - S.variables[0], b)\n", 2),
    "getattr_constant": ("def change_of_index(S, i, b):\n"
                         "    a = S.variables[0]\n"
                         "    return getattr(S, 'change_index')(a, i - a, b)\n", 3),
    "through_the_class": ("def change_of_index(S, i, b):\n"
                          "    a = S.variables[0]\n"
                          "    return sp.Sum.change_index(S, a, i - a, b)\n", 3),
    "in_a_helper": ("def _rename(S, i, b):\n"
                    "    a = S.variables[0]\n"
                    "    return S.change_index(a, i - a, b)\n\n\n"
                    "def change_of_index(S, i, b):\n"
                    "    return _rename(S, i, b)\n", 3),
    "kept_in_a_global": ("_change = sp.Sum.change_index\n\n\n"
                         "def change_of_index(S, i, b):\n"
                         "    a = S.variables[0]\n"
                         "    return _change(S, a, i - a, b)\n", 1),
}


def change_index_verdict(code) -> list:
    return judged("commutativity", {"change_of_index": code}).findings("change_of_index")


@pytest.mark.parametrize("form", sorted(CHANGE_INDEX_CELLS))
def test_sympys_change_index_counts_against_change_of_index(form):
    code, line = CHANGE_INDEX_CELLS[form]
    found = [f for f in change_index_verdict(code) if f.kind == "method"]
    assert [(f.reached, f.line) for f in found] == [("change_index", line)], messages(found)
    assert found[0].message().startswith("change_of_index calls the ready-made method "
                                         "change_index")
    assert "write this step yourself" in found[0].message()
    if form in ("in_a_helper", "kept_in_a_global"):
        assert " through the " in found[0].message()


def test_a_computed_name_for_change_index_is_a_dynamic_feature():
    code = ("def change_of_index(S, i, b):\n"
            "    a = S.variables[0]\n"
            "    return getattr(S, 'change_' + 'index')(a, i - a, b)\n")
    assert any(f.kind == "dynamic" and f.reached == "getattr" for f in change_index_verdict(code))


def test_a_ready_made_method_counts_only_against_its_function():
    """Another graded function may use the name, and a function of the student's own called
    change_index is not sympy's method."""
    answers = {"conv1d_full": "def conv1d_full(f, g):\n"
                              "    return f.change_index if False else f\n",
               "change_of_index": "def change_index(S, i, b):\n"
                                  "    a, lo, hi = S.limits[0]\n"
                                  "    term = S.function.subs(a, i - b)\n"
                                  "    return sp.Sum(term, (b, i - hi, i - lo))\n"
                                  "\n\ndef change_of_index(S, i, b):\n"
                                  "    return change_index(S, i, b)\n"}
    verdict = judged("commutativity", answers)
    assert verdict.findings("conv1d_full") == []
    assert verdict.findings("change_of_index") == []
    assert policy.FORBIDDEN_METHODS == {"change_of_index": ("change_index",)}
