"""Run a student's kernel where it can do no harm and see nothing it should not.

The grader starts every kernel through this module's launcher (``python -m
convgrade.sandbox SPEC -- KERNEL COMMAND``), which, before it executes the kernel:

* puts it in new mount and PID namespaces (util-linux ``unshare``): the course, the class
  folder, the grader's packages, other temporary folders and home folders are covered with
  empty file systems; only the Python installation (read-only) and a private working folder
  remain; every process the kernel starts dies with it;
* drops root to an unprivileged user of its own (or, in a user namespace, every capability),
  so the covers cannot be lifted, nothing outside the working folder can be written, and the
  process limit of one kernel never starves another;
* sets resource limits: memory, CPU time, processes, file size, no core dumps.

Where a mechanism is unavailable (no ``unshare``, no user namespaces) the kernel still runs,
with a warning that says what is missing: :func:`isolation` reports it before grading starts.
"""
from __future__ import annotations

import functools
import itertools
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

from .hidden_inputs import SECRET_ENV

FIRST_UID = 200_000            # kernels run as uids from here on: one per kernel, so the
UID_RANGE = 800_000            # process limit of one submission never starves another's
_launches = itertools.count()


@dataclass
class Limits:
    """Per-kernel limits; the defaults are ``convgrade.policy``'s."""
    memory_bytes: int = 2 * 2**30
    cpu_seconds: int = 600
    processes: int = 64
    file_bytes: int = 64 * 2**20

    def describe_memory(self) -> str:
        return f"{self.memory_bytes / 2**30:g} GiB"


@dataclass
class Spec:
    """What the launcher needs: limits, folders to hide, folders to keep, the working folder."""
    limits: Limits = field(default_factory=Limits)
    hide: list = field(default_factory=list)
    keep_readonly: list = field(default_factory=list)
    work: str = ""
    namespaces: str = "none"          # "root", "user" or "none"
    uid: int = FIRST_UID


@functools.lru_cache(maxsize=None)
def isolation() -> tuple:
    """``(mode, warning)``: which namespaces this machine lets the grader create."""
    if sys.platform != "linux" or not shutil.which("unshare"):
        return "none", "no util-linux unshare: student code is not isolated from your files"
    probe = ["unshare", "--mount", "--pid", "--fork", "--kill-child", "--mount-proc", "true"]
    if os.geteuid() == 0 and subprocess.run(probe, capture_output=True).returncode == 0:
        return "root", ""
    user = ["unshare", "--user", "--map-root-user", *probe[1:]]
    if subprocess.run(user, capture_output=True).returncode == 0:
        return "user", ""
    return "none", ("cannot create mount/PID namespaces here (not root, user namespaces "
                    "disabled): student code runs as your user and can read your files")


@functools.lru_cache(maxsize=None)
def matplotlib_cache() -> str:
    """A matplotlib config folder with its font list built, copied into each kernel's work
    folder so no kernel spends a second rebuilding it."""
    folder = Path(tempfile.gettempdir()) / f"convgrade-matplotlib-{os.getuid()}"
    folder.mkdir(exist_ok=True)
    if not any(folder.glob("fontlist-*.json")):
        subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"],
                       env=dict(os.environ, MPLCONFIGDIR=str(folder)), capture_output=True)
    return str(folder)


def prepare_work(work) -> None:
    """Seed a kernel's work folder with what makes start-up quick."""
    shutil.copytree(matplotlib_cache(), Path(work) / ".matplotlib", dirs_exist_ok=True)


def grader_paths() -> list:
    """Everything a kernel must not see: the packages with the checks and the reference."""
    import convgrade
    import convref
    paths = [Path(convgrade.__file__).parent, Path(convref.__file__).parent]
    checkout = paths[0].parent
    if (checkout / "solutions").is_dir():       # an editable install: hide the whole course
        paths.append(checkout)
    return [str(p) for p in paths]


def default_hide(course_root=None, class_dir=None) -> list:
    hide = [tempfile.gettempdir(), "/root", "/home", os.path.expanduser("~"), *grader_paths()]
    hide += [str(p) for p in (course_root, class_dir) if p]
    return sorted({os.path.realpath(p) for p in hide if p and os.path.isdir(p)})


def default_keep() -> list:
    keep = {sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable))}
    return sorted(os.path.realpath(p) for p in keep)


class SandboxedKernelManager(AsyncKernelManager):
    """Starts the kernel through the launcher, with its connection file in the work folder."""

    spec: Spec = None

    async def _async_pre_start_kernel(self, **kw):
        work = kw.get("cwd") or os.getcwd()
        self.connection_file = os.path.join(work, ".kernel-connection.json")
        return await super()._async_pre_start_kernel(**kw)

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        spec = self.spec or Spec()
        spec.work = os.path.realpath(os.path.dirname(self.connection_file))
        spec.uid = FIRST_UID + (os.getpid() * 1009 + next(_launches)) % UID_RANGE
        return [sys.executable, "-m", "convgrade.sandbox", "--outer", json.dumps(asdict(spec)),
                "--", *cmd]


UNSHARE = {"root": ["unshare", "--mount", "--pid", "--fork", "--kill-child", "--mount-proc"],
           "user": ["unshare", "--user", "--map-root-user", "--mount", "--pid", "--fork",
                    "--kill-child", "--mount-proc"]}


def die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (kept across exec, lost on setuid)."""
    try:
        import ctypes
        import signal
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)        # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


# -- the launcher: runs inside the new namespaces, then becomes the kernel -------------------

def _mount(*args):
    subprocess.run(["mount", *args], check=True, capture_output=True)


def _inside(path, folder) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def hide_and_keep(hide, keep_readonly, work):
    """Cover each hidden folder with an empty tmpfs, then bring back the kept ones."""
    hide = [h for h in hide if not any(_inside(h, o) and h != o for o in hide)]
    keep_readonly = [k for k in keep_readonly
                     if not any(_inside(k, o) and k != o for o in keep_readonly)]
    keep = [(p, True) for p in keep_readonly] + [(work, False)]
    stash = tempfile.mkdtemp(prefix="convgrade-stash-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    _mount("-t", "tmpfs", "-o", "size=1m", "tmpfs", stash)
    saved = []
    for index, (path, readonly) in enumerate(keep):
        if any(_inside(path, h) for h in hide):
            target = os.path.join(stash, str(index))
            os.mkdir(target)
            _mount("--rbind", path, target)
            saved.append((path, target, readonly))
        else:
            _mount("--rbind", path, path)          # a mount point of its own, to make read-only
    for folder in sorted(hide, key=len):
        _mount("-t", "tmpfs", "-o", "size=16m,mode=755", "tmpfs", folder)
    for path, target, _ in saved:
        os.makedirs(path, exist_ok=True)
        _mount("--rbind", target, path)
    for path, readonly in keep:
        if readonly:
            _mount("-o", "remount,bind,ro", path)
    subprocess.run(["umount", "-l", stash], capture_output=True)


def apply_limits(limits: Limits):
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if os.geteuid() != 0:
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))


def launch(spec: Spec, cmd: list):
    work = spec.work
    env = dict(os.environ, HOME=work, IPYTHONDIR=os.path.join(work, ".ipython"),
               MPLCONFIGDIR=os.path.join(work, ".matplotlib"), MPLBACKEND="agg",
               OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PYTHONDONTWRITEBYTECODE="1", TMPDIR=work)
    env.pop("CONVGRADE_COURSE", None)
    env.pop(SECRET_ENV, None)             # the key to the hidden inputs stays with the grader
    if spec.namespaces in ("root", "user"):
        hide_and_keep(spec.hide, spec.keep_readonly, work)
    if spec.namespaces == "root":
        for root, dirs, files in os.walk(work):
            for name in dirs + files:
                os.lchown(os.path.join(root, name), spec.uid, spec.uid)
        os.chown(work, spec.uid, spec.uid)
        os.setgroups([])
        os.setgid(spec.uid)
        os.setuid(spec.uid)
        die_with_parent()
        apply_limits(spec.limits)
        os.execvpe(cmd[0], cmd, env)
    apply_limits(spec.limits)
    if spec.namespaces == "user" and shutil.which("setpriv"):
        # root inside a user namespace: drop every capability so the covers stay on
        cmd = ["setpriv", "--inh-caps=-all", "--bounding-set=-all", "--", *cmd]
    if spec.namespaces == "none":
        os.setsid()
    os.execvpe(cmd[0], cmd, env)


def main(argv):
    """``--outer SPEC -- CMD``: outside the namespaces, tie the sandbox's life to the grader's
    and enter the namespaces; ``SPEC -- CMD``: inside them, set up and become the kernel."""
    outer = argv[0] == "--outer"
    if outer:
        argv = argv[1:]
    raw, cmd = argv[0], argv[2:]
    data = json.loads(raw)
    spec = Spec(**{**data, "limits": Limits(**data["limits"])})
    if outer:
        die_with_parent()
        if spec.namespaces in UNSHARE:
            inner = [*UNSHARE[spec.namespaces], sys.executable, "-m", "convgrade.sandbox", raw, "--", *cmd]
            os.execvp(inner[0], inner)
    launch(spec, cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
