"""Kernel-side half of the grading protocol; its source text is run in the student's kernel.

The grader never trusts what the kernel says about pass or fail. This code only (1) calls
a student function on inputs the grader sent and returns the raw results as ``.npy`` bytes or
JSON, and (2) notes which library convolutions were entered during that call (SPEC's
shortcut policy). Everything is judged in the grader process. It is executed as text, so it
must not import convgrade; it defines a single name, ``__convgrade__``, in the user namespace.
"""


def _install(user_ns):
    import base64
    import importlib.abc
    import io
    import json
    import sys

    import numpy as np
    from IPython.display import publish_display_data

    mime = "application/vnd.convgrade.results+json"
    state = {"active": False, "hits": []}
    wrapped = set()

    def tripwire(label, real):
        def guard(*args, **kwargs):
            if state["active"]:
                state["hits"].append(label)
            return real(*args, **kwargs)
        guard.__name__, guard.__doc__ = getattr(real, "__name__", label), getattr(real, "__doc__", None)
        guard.__convgrade_tripwire__ = True
        return guard

    # The C functions behind the library convolutions, caught by a profiler during graded
    # calls however they were reached (a stashed reference, a closure, the garbage collector).
    c_functions = {}
    set_profile, get_profile = sys.setprofile, sys.getprofile

    def register_c_functions(prefixes):
        for name, module in list(sys.modules.items()):
            if module is None or not name.startswith(prefixes) or \
                    not str(getattr(module, "__file__", "")).endswith((".so", ".pyd")):
                continue
            for attr, value in list(vars(module).items()):
                if type(value).__name__ == "builtin_function_or_method" and \
                        any(w in attr.lower() for w in ("conv", "corr", "filt")):
                    c_functions[id(value)] = f"{name}.{attr}"

    def monitor(frame, event, arg):
        if event == "c_call" and id(arg) in c_functions:
            state["hits"].append(c_functions[id(arg)])

    def audit(event, args):
        if event in ("sys.setprofile", "sys.settrace") and state["active"] and not state["own"]:
            state["hits"].append(f"{event} (switching off the grader's monitor)")

    state["own"] = False
    sys.addaudithook(audit)

    def wrap_module(module, names):
        for name in names:
            real = getattr(module, name, None)
            if callable(real) and not getattr(real, "__convgrade_tripwire__", False):
                setattr(module, name, tripwire(f"{module.__name__}.{name}", real))

    forbidden = {
        "numpy": ["convolve", "correlate"],
        "numpy._core.numeric": ["convolve", "correlate"],
        "numpy._core.multiarray": ["correlate", "correlate2"],
        "numpy._core._multiarray_umath": ["correlate", "correlate2"],
        "numpy.core.multiarray": ["correlate", "correlate2"],
        "scipy.signal": None, "scipy.ndimage": None,
        "torch": ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d"],
        "torch.nn.functional": ["conv1d", "conv2d", "conv3d", "conv_transpose1d",
                                "conv_transpose2d", "conv_transpose3d", "unfold"],
    }

    def guard_module(module):
        names = forbidden.get(module.__name__, [])
        if names is None:       # every convolution/filter in the module
            names = [n for n in dir(module) if not n.startswith("_")
                     and any(w in n.lower() for w in ("conv", "corr", "filt"))]
        wrap_module(module, names)
        wrapped.add(module.__name__)
        register_c_functions(("numpy._core", "scipy.signal", "scipy.ndimage", "torch"))

    class GuardOnImport(importlib.abc.MetaPathFinder):
        """Wrap the forbidden functions of a module the moment it is first imported."""

        def find_spec(self, fullname, path, target=None):
            if fullname not in forbidden or fullname in wrapped:
                return None
            for finder in sys.meta_path:
                if finder is self or not hasattr(finder, "find_spec"):
                    continue
                spec = finder.find_spec(fullname, path, target)
                if spec is not None and spec.loader is not None:
                    exec_module = spec.loader.exec_module

                    def exec_and_guard(module, exec_module=exec_module):
                        exec_module(module)
                        guard_module(module)

                    spec.loader.exec_module = exec_and_guard
                    return spec
            return None

    for name in forbidden:
        if name in sys.modules:
            guard_module(sys.modules[name])
    sys.meta_path.insert(0, GuardOnImport())

    limit = {"items": 5_000_000}

    def encode(value):
        """Plain data only: numbers, strings, containers, numeric arrays as .npy, sympy
        expressions as trees. Anything else is reported, not converted."""
        if value is None or isinstance(value, (bool, str)):
            return {"json": value if not isinstance(value, str) else value[:10_000]}
        if isinstance(value, int):
            return {"json": int(value)}
        if isinstance(value, float):
            return {"json": float(value)}
        if isinstance(value, (list, tuple, set, frozenset)):
            kind = {list: "list", tuple: "tuple"}.get(type(value), "set")
            return {kind: [encode(v) for v in list(value)[:100_000]]}
        if isinstance(value, dict):
            return {"dict": {str(k): encode(v) for k, v in list(value.items())[:10_000]}}
        if type(value).__module__.startswith("sympy"):
            return {"sym": sym_tree(value)}
        array = np.asarray(value)
        if array.size > limit["items"]:
            raise ValueError(f"returned an array of {array.size} numbers, far more than asked for")
        if array.dtype == object and array.size <= 100_000:
            return {"objarray": list(array.shape), "items": [encode(v) for v in array.ravel()]}
        if array.dtype.kind not in "biuf":
            raise ValueError(f"returned {type(value).__name__} of dtype {array.dtype}, "
                             "not an array of real numbers")
        buffer = io.BytesIO()
        np.save(buffer, np.array(array, order="C"), allow_pickle=False)   # keeps 0-d as 0-d
        return {"npy": base64.b64encode(buffer.getvalue()).decode("ascii")}

    ASSUME = ("integer", "real", "positive", "nonnegative")

    def sym_tree(expr):
        import sympy
        if isinstance(expr, sympy.Symbol):
            return ["S", expr.name] + sorted(k for k in ASSUME
                                          if expr.assumptions0.get(k))
        if isinstance(expr, sympy.Integer):
            return ["I", str(int(expr))]
        if isinstance(expr, sympy.Rational):
            return ["Q", str(expr.p), str(expr.q)]
        if isinstance(expr, sympy.Float):
            return ["F", str(expr)]
        ops = {sympy.Add: "+", sympy.Mul: "*", sympy.Pow: "^"}
        if type(expr) in ops:
            return [ops[type(expr)]] + [sym_tree(a) for a in expr.args]
        if isinstance(expr, sympy.Indexed):
            return ["X", str(expr.base.label)] + [sym_tree(i) for i in expr.indices]
        if isinstance(expr, sympy.Sum):
            return ["Σ", sym_tree(expr.function)] + [[sym_tree(v) for v in lim] for lim in expr.limits]
        if isinstance(expr, sympy.core.function.AppliedUndef):
            return ["A", expr.func.__name__] + [sym_tree(a) for a in expr.args]
        raise ValueError(f"returned a sympy {type(expr).__name__}; only symbols, numbers, +, *, powers, f(x), x[i] and Sum can be graded")

    def from_tree(tree):
        import sympy
        head = tree[0]
        if head == "S":
            return sympy.Symbol(tree[1], **{k: True for k in tree[2:] if k in ASSUME})
        if head == "I":
            return sympy.Integer(int(tree[1]))
        if head == "Q":
            return sympy.Rational(int(tree[1]), int(tree[2]))
        if head == "F":
            return sympy.Float(tree[1])
        if head == "X":
            return sympy.IndexedBase(tree[1])[tuple(from_tree(t) for t in tree[2:])]
        if head == "A":
            return sympy.Function(tree[1])(*[from_tree(t) for t in tree[2:]])
        if head == "Σ":
            return sympy.Sum(from_tree(tree[1]), *[tuple(from_tree(t) for t in lim) for lim in tree[2:]])
        args = [from_tree(t) for t in tree[1:]]
        return {"+": sympy.Add, "*": sympy.Mul, "^": sympy.Pow}[head](*args)

    def decode(item):
        if "npy" in item:
            return np.load(io.BytesIO(base64.b64decode(item["npy"])), allow_pickle=False)
        if "objarray" in item:
            out = np.empty(len(item["items"]), dtype=object)
            out[:] = [decode(v) for v in item["items"]]
            return out.reshape(item["objarray"])
        if "sym" in item:
            return from_tree(item["sym"])
        for kind, make in (("tuple", tuple), ("list", list), ("set", set)):
            if kind in item:
                return make(decode(v) for v in item[kind])
        if "dict" in item:
            return {k: decode(v) for k, v in item["dict"].items()}
        return item["json"]

    class Protocol:
        def call(self, name, request):
            """Run ``name(*args, **kwargs)`` for every case of the JSON ``request``; publish the
            raw results."""
            cases = json.loads(request)
            results = []
            function = user_ns.get(name)
            for case in cases:
                if not callable(function):
                    results.append({"error": f"{name} is not defined (did its cell run?)"})
                    continue
                args = [decode(a) for a in case["args"]]
                kwargs = {k: decode(v) for k, v in case["kwargs"].items()}
                state["hits"], state["active"] = [], True
                state["own"] = True
                set_profile(monitor)
                state["own"] = False
                if get_profile() is not monitor:
                    state["hits"].append("sys.setprofile (replaced by the notebook)")
                try:
                    returned = function(*args, **kwargs)
                except Exception as error:      # the student's exception is data for the grader
                    out = {"error": f"{type(error).__name__}: {str(error)[:300]}"}
                else:
                    try:
                        out = {"value": encode(returned)}
                    except (ValueError, RecursionError) as error:
                        out = {"error": f"the result cannot be graded: {str(error)[:300]}"}
                finally:
                    state["own"] = True
                    set_profile(None)
                    state["own"] = False
                    state["active"] = False
                out["shortcuts"] = sorted(set(state["hits"]))
                results.append(out)
            publish_display_data({mime: results})

    user_ns["__convgrade__"] = Protocol()


_install(get_ipython().user_ns)  # noqa: F821  (run inside IPython)
del _install
