"""A warm kernel image: one process that has imported what a kernel imports, and forks each
new kernel into a jail bubblewrap has already built for it.

A kernel's start is mostly imports (ipykernel, IPython, numpy, matplotlib: about 0.6 CPU-s).
This process pays them once. For each kernel the grader builds the jail exactly as for a
kernel started from nothing (``sandbox.jail_command``: its own root, namespaces, home, uid
and limits), with a placeholder in it instead of the kernel, and sends the jail's first pid.
The process then forks a helper that joins every namespace of that jail (``setns`` on its
pidfd: user, mount, network, IPC, UTS, cgroup, and PID for its children) and forks the
kernel there, which closes every inherited descriptor, drops to the jail's uid exactly as
the launcher does (``DROP_PRIVILEGES``, sent at start), takes the kernel's environment and
runs ipykernel. The helper waits for the kernel and then ends the jail.

Nothing of a submission ever reaches this process: it forks before any kernel exists, so
each kernel is a fresh process in a fresh jail. It sees the same Python files as a kernel
(same paths), so what a kernel imports later resolves as in a cold start. Outside the grader
this file is ``convgrade.zygote``; the image runs it as ``convgrade_kernel.zygote``.

Run as ``python -I -B -m convgrade_kernel.zygote DROP_PRIVILEGES FD``; FD is a socket to
the grader: one JSON line per kernel (``{"pid": ..., "spec": ...}``) in, one JSON line
(``{"started": true}`` or ``{"error": ...}``) out.
"""
import ctypes
import gc
import json
import os
import signal
import socket
import sys

# setns(2) flags: the jail's every namespace, joined at once through its pidfd
NAMESPACES = (0x10000000 | 0x00020000 | 0x40000000 | 0x08000000 | 0x04000000 | 0x02000000
              | 0x20000000)     # user, mount, network, IPC, UTS, cgroup, PID
PR_SET_DUMPABLE = 4
KERNEL_IMPORTS = ("numpy", "matplotlib.pyplot", "ipykernel.kernelapp")


def main() -> None:
    drop, channel = sys.argv[1], socket.socket(fileno=int(sys.argv[2]))
    import importlib
    for name in KERNEL_IMPORTS + (f"{__package__}.harness",):
        importlib.import_module(name)
    if len(os.listdir("/proc/self/task")) != 1:     # forking with threads (native ones too) is unsafe
        channel.sendall(b'{"error": "threads were started while importing"}\n')
        return
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)       # helpers are reaped by the system
    gc.freeze()          # kernels' collections leave the imported objects alone (and shared)
    channel.sendall(b'{"ready": true}\n')
    for line in channel.makefile("rb"):
        request = json.loads(line)
        if os.fork() == 0:
            _helper(request, drop, channel)


def _helper(request: dict, drop: str, channel: socket.socket) -> None:
    """Join the jail of ``request["pid"]``, fork the kernel there, report, wait, end the jail."""
    libc = ctypes.CDLL(None, use_errno=True)
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        jail = os.pidfd_open(request["pid"])
        if libc.setns(jail, NAMESPACES) != 0:
            raise OSError(ctypes.get_errno(), "setns into the kernel's jail failed")
        kernel = os.fork()
        if kernel == 0:
            _kernel(request["spec"], drop, libc)
    except BaseException as error:  # noqa: BLE001 - whatever failed, the grader hears of it
        try:
            channel.sendall(json.dumps({"error": f"{type(error).__name__}: {error}"}).encode() + b"\n")
        finally:
            os._exit(1)
    try:
        channel.sendall(b'{"started": true}\n')
        os.close(channel.detach())          # this helper holds nothing of the grader's
        os.waitpid(kernel, 0)
        signal.pidfd_send_signal(jail, signal.SIGKILL)      # the jail ends with its kernel
    except OSError:
        pass                                                # it ended first
    finally:
        os._exit(0)


def _kernel(spec: dict, drop: str, libc) -> None:
    """In the jail: nothing of this process's descriptors, the jail's uid and limits, the
    kernel's environment, then ipykernel. Never returns."""
    code = 1
    try:
        os.setsid()
        null = os.open("/dev/null", os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))
        import resource
        exec(drop, {"os": os, "resource": resource, "libc": libc, "spec": spec, "sys": sys})
        libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)    # as after an exec: /proc/self is its own
        os.umask(0o022)
        os.chdir(spec["home"])
        os.environ.clear()
        os.environ.update(spec["env"])
        import numpy
        numpy.random.seed()                         # a fresh global generator per kernel
        from ipykernel import kernelapp
        sys.argv = ["ipykernel_launcher", *spec["argv"]]
        kernelapp.launch_new_instance(argv=spec["argv"])
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
    finally:
        os._exit(code)


if __name__ == "__main__":
    main()
