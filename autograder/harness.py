"""Kernel-side half of the grading protocol; its source text is run in the student's kernel.

The grader never trusts what the kernel says about pass or fail. This code only (1) calls
a student function on inputs the grader sent and returns the raw results as ``.npy`` bytes or
JSON, and (2) notes which library convolutions were entered during that call (SPEC's
shortcut policy). Everything is judged in the grader process. It is executed as text, so it
must not import convgrade; it defines a single name, ``__convgrade__``, in the user namespace.
"""


def _install(user_ns):
    import base64
    import functools
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
        @functools.wraps(real)
        def guard(*args, **kwargs):
            if state["active"]:
                state["hits"].append(label)
            return real(*args, **kwargs)
        guard.__convgrade_tripwire__ = True
        return guard

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

    def encode(value):
        if isinstance(value, (bool, int, float)) or value is None:
            return {"json": value}
        if isinstance(value, (tuple, list)) and all(isinstance(v, (bool, int, float)) for v in value):
            return {"json": list(value)}
        array = np.asarray(value)
        if array.size > 5_000_000:
            return {"error": f"returned an array of {array.size} numbers, far more than asked for"}
        if array.dtype.kind not in "biuf":
            return {"error": f"returned {type(value).__name__} of dtype {array.dtype}, "
                             "not an array of real numbers"}
        buffer = io.BytesIO()
        np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
        return {"npy": base64.b64encode(buffer.getvalue()).decode("ascii")}

    def decode(item):
        if "npy" in item:
            return np.load(io.BytesIO(base64.b64decode(item["npy"])), allow_pickle=False)
        if "tuple" in item:
            return tuple(decode(v) for v in item["tuple"])
        if "list" in item:
            return [decode(v) for v in item["list"]]
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
                try:
                    out = encode(function(*args, **kwargs))
                except Exception as error:      # the student's exception is data for the grader
                    out = {"error": f"{type(error).__name__}: {str(error)[:300]}"}
                finally:
                    state["active"] = False
                out["shortcuts"] = sorted(set(state["hits"]))
                results.append(out)
            publish_display_data({mime: results})

    user_ns["__convgrade__"] = Protocol()


_install(get_ipython().user_ns)  # noqa: F821  (run inside IPython)
del _install
