"""The kernel's half of the grading protocol: an IPython extension, loaded when the kernel
starts and before any student code runs.

The grader opens a Jupyter comm with target ``convgrade``; its opening message carries the
decoding bounds and the names of the library convolutions to watch. Every later message is a
``wire.Call``: look the function up by name in the user namespace (the only thing ever looked
up there), call it once per case, pack each result within the bounds as soon as it returns
(so the kernel holds one raw result at a time), and answer with the reply. The harness
decides nothing: the grader judges every value and decides the shortcut rule from the
submission's source; what the monitor here sees at run time is only a second signal.

Comms bypass the user namespace, IPython's input transformers and the history, so a student's
globals (``id = 7``, ``sorted = None``) cannot disturb the harness, and what a function prints
during a graded call goes nowhere the grader reads. Outside the sandbox this file is
``convgrade.harness``; inside it, ``convgrade_kernel.harness`` beside its ``wire``.
"""
import builtins
import os
import signal
import sys
import threading

from . import wire

TARGET = "convgrade"

_setprofile = sys.setprofile
_modules = sys.modules
_getattr, _isinstance, _str, _type, _BaseException = (builtins.getattr, builtins.isinstance,
                                                      builtins.str, builtins.type,
                                                      builtins.BaseException)


def load_ipython_extension(shell):
    """Register the comm target with the kernel (IPython calls this at start-up), and import
    what every notebook of the course imports first, while no submission is waiting yet."""
    home = os.getcwd()
    shell.kernel.comm_manager.register_target(
        TARGET, lambda comm, message: _open(shell, home, comm, message))
    try:
        import matplotlib.pyplot  # noqa: F401
    except Exception:  # noqa: BLE001 - a notebook that needs it will say so itself
        pass


def _open(shell, home, comm, message):
    """The grader's connection: the settings, then the submission's files into ``home``."""
    settings = message["content"]["data"]
    bounds = wire.Bounds.from_json(settings["bounds"])
    monitor = Monitor(settings["convolutions"], settings["c_functions"])
    buffers = message.get("buffers") or []
    for name, index in settings.get("files", []):
        parts = name.split("/")
        if name.startswith("/") or ".." in parts or not all(parts):
            continue
        path = os.path.join(home, *parts)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(buffers[index])

    def on_call(msg):
        call = wire.unpack_call(msg["content"]["data"], msg.get("buffers") or [], bounds)
        writer = wire.ReplyWriter(call.id, bounds)
        shortcuts = answer(shell.user_ns, call, monitor, writer)
        data, buffers = writer.message(shortcuts)
        comm.send(data, buffers=buffers)

    comm.on_msg(on_call)
    comm.send({"ready": True})


def answer(namespace, call, monitor, writer) -> list:
    """Run ``call`` against the function of that name in ``namespace``, adding each case's
    outcome to ``writer`` (a ``wire.ReplyWriter``); the library convolutions seen."""
    function = namespace.get(call.function)
    monitor.seen.clear()
    # an interrupt from the grader must stop the function, also when the kernel dispatches
    # this message beside a cell it is still finishing (it then installs no handler itself)
    interruptible = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.default_int_handler) if interruptible else None
    try:
        _run_cases(function, call, monitor, writer)
    finally:
        if interruptible:
            signal.signal(signal.SIGINT, previous)
    return sorted(monitor.seen)


def _run_cases(function, call, monitor, writer):
    """Each case: call the function under the monitor, then pack its result at once (packing
    runs the student's objects too: ``__len__``, ``__iter__`` ...)."""
    for args, kwargs in call.cases:
        if not callable(function):
            writer.add(wire.Outcome(error_type="NameError",
                                    error_message=f"{call.function} is not defined (did its cell run?)"))
            continue
        monitor.start()
        try:
            value = function(*args, **kwargs)
        except KeyboardInterrupt:            # the grader gave up on this call: stop the batch
            _interrupted(call, writer)
            return
        except _BaseException as error:      # the student's exception is data for the grader
            writer.add(wire.Outcome(error_type=_type(error).__name__,
                                    error_message=_str(error)[:300]))
            continue
        finally:
            monitor.stop()
        try:
            writer.add(wire.Outcome(value=value))
        except KeyboardInterrupt:
            _interrupted(call, writer)
            return
        except _BaseException as error:
            writer.add(wire.Outcome(error_type="ResultNotGradable",
                                    error_message=f"the result cannot be graded: {_type(error).__name__}"))
        del value


def _interrupted(call, writer):
    """The cases not answered yet: each interrupted."""
    while len(writer.outcomes) < len(call.cases):
        writer.add(wire.Outcome(error_type="KeyboardInterrupt", error_message="interrupted by the grader"))


class Monitor:
    """Notes which library convolutions a graded call enters, by the frames and C functions a
    profiler sees: a module of ``convolutions`` (``scipy.signal``) by its frames' module name,
    a single function (``numpy.convolve``) by its code, the C functions behind them by name."""

    def __init__(self, convolutions, c_functions):
        self.convolutions = list(convolutions)
        self.c_functions = set(c_functions)
        self.seen = set()
        self.codes = {}

    def start(self):
        for name in self.convolutions:            # functions of modules imported by now
            module, _, attr = name.rpartition(".")
            found = _modules.get(module)
            target = _getattr(found, attr, None) if found is not None else None
            code = _getattr(_getattr(target, "__wrapped__", target), "__code__", None)
            if code is not None:
                self.codes[code] = name
        _setprofile(self.profile)

    def stop(self):
        _setprofile(None)

    def profile(self, frame, event, arg):
        if event == "call":
            name = self.codes.get(frame.f_code)
            if name is None:
                module = frame.f_globals.get("__name__", "")
                if _isinstance(module, _str):
                    name = next((c for c in self.convolutions
                                 if module == c or module.startswith(c + ".")), None)
            if name is not None:
                self.seen.add(name)
        elif event == "c_call":
            qualified = f"{_getattr(arg, '__module__', None)}.{_getattr(arg, '__name__', None)}"
            if qualified in self.c_functions:
                self.seen.add(qualified)
