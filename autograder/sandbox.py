"""Run a student's kernel in a jail built from an allowlist, with bubblewrap.

The kernel sees a fresh root holding only what it needs: the Python installation it runs on
and the packages ``policy.KERNEL_PACKAGES`` allows (with what they depend on), read-only; the
system folders of ``policy.KERNEL_SYSTEM_PATHS``, read-only; its own ``/proc``; a minimal
``/dev``; a private ``/tmp`` and a private home (``/home/student``, its work folder), both
small tmpfs that vanish with it; and one folder it shares with the grader, holding the
connection file and the ZMQ ``ipc`` sockets the two talk through. Nothing else exists for it:
not the course, not the class folder, not other kernels, not the grader's environment.

It has its own network (loopback only), IPC, UTS, PID and user namespaces and a session of
its own, dies with the grader, and runs as an unprivileged uid that no other running kernel
has, with no capabilities, no new privileges, no way to create user namespaces, and the
resource limits of ``policy``. Three steps get it there, each a few lines:

1. ``USERNS`` (the grader's first child) creates a user namespace that maps root and the
   kernel's uid to themselves and can create no further user namespaces, then becomes
   bubblewrap (bubblewrap run as real root would map the sandbox's uid to root outside);
2. bubblewrap builds the root and the namespaces and starts ``LAUNCHER``;
3. ``LAUNCHER`` caps the number of files in the writable folders, sets the resource limits,
   drops to the kernel's uid (which drops every capability) and becomes the kernel.

Kernel uids are handed out with a lock on the shared folder (``Slot``), so two graders never
share one; a folder whose grader was killed is swept by the next grader.

A process that grades many notebooks starts its kernels warm (``WarmImage``): the jail is
built exactly as above, around a placeholder, and the kernel is forked into it from a process
that imported ipykernel, numpy and matplotlib once (``convgrade.zygote``); the kernel joins
every namespace of the jail and drops to its uid with the launcher's own lines
(``DROP_PRIVILEGES``). Only the imports are shared, never a kernel: the image never runs a
submission.
"""
from __future__ import annotations

import atexit
import fcntl
import functools
import hashlib
import json
import os
import queue
import select
import shutil
import site
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager

from . import policy

HOME = "/home/student"                 # the kernel's work folder, cwd and home
#: What every kernel is started with: history in memory, and only its errors logged.
KERNEL_ARGUMENTS = ("--HistoryManager.hist_file=:memory:", "--IPKernelApp.log_level=ERROR")
PROTOCOL_PACKAGE = "convgrade_kernel"  # the kernel's half of the protocol, as the kernel imports it
PACKAGE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Limits:
    """Resources of one kernel; the defaults are ``convgrade.policy``'s."""
    memory_bytes: int = policy.MEMORY_LIMIT
    cpu_seconds: int = policy.CPU_LIMIT
    processes: int = policy.PROCESS_LIMIT
    file_bytes: int = policy.FILE_SIZE_LIMIT
    open_files: int = policy.OPEN_FILES_LIMIT
    file_count: int = policy.FILE_COUNT_LIMIT
    work_bytes: int = policy.WORK_FOLDER_BYTES
    tmp_bytes: int = policy.TMP_FOLDER_BYTES

    def describe_memory(self) -> str:
        return f"{self.memory_bytes / 2**30:g} GiB"

    def rlimits(self) -> dict:
        return {"RLIMIT_AS": self.memory_bytes, "RLIMIT_CPU": self.cpu_seconds,
                "RLIMIT_NPROC": self.processes, "RLIMIT_FSIZE": self.file_bytes,
                "RLIMIT_NOFILE": self.open_files, "RLIMIT_CORE": 0}


@dataclass(frozen=True)
class Jail:
    """What one kernel gets: its limits. ``sandboxed=False`` runs the kernel as a plain process
    (the instructor's explicit choice, recorded as "unsandboxed" in every result). The files of
    a submission are not part of it: they reach the kernel over the grader's connection, once
    the submission is known, so a kernel can be started before (``start_standby``)."""
    limits: Limits = field(default_factory=Limits)
    sandboxed: bool = True


class SandboxUnavailable(RuntimeError):
    """Grading for credit needs the sandbox and this machine cannot provide it (one line)."""


# -- availability -----------------------------------------------------------------------------

def missing() -> str:
    """What the sandbox plainly lacks here, in one line (no Linux, no bubblewrap, not root);
    "" otherwise. Cheap: no jail is built (``unavailable`` builds one)."""
    if not sys.platform.startswith("linux"):
        return "the sandbox needs Linux (bubblewrap)"
    if not shutil.which("bwrap"):
        return ("bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap; "
                "Fedora: dnf install bubblewrap)")
    if os.geteuid() != 0:
        return ("the sandbox gives every kernel a uid of its own, which needs root: run as "
                "root (e.g. sudo, a container, Gradescope, CI)")
    return ""


@functools.lru_cache(maxsize=None)
def unavailable() -> str:
    """Why kernels cannot be sandboxed here, in one line; "" when they can (a jail is built
    and run once per process to find out)."""
    reason = missing()
    if reason:
        return reason
    slot = Slot.allocate()
    try:
        command, fds = jail_command(slot, Limits(), {}, [python_layout().python, "-c", "pass"],
                                    with_packages=False)
        try:
            probe = subprocess.run(command, pass_fds=fds, capture_output=True, text=True, timeout=60)
        finally:
            for fd in fds:
                os.close(fd)
    finally:
        slot.release()
    if probe.returncode != 0:
        reason = (probe.stderr.strip().splitlines() or ["no reason given"])[-1]
        return f"bubblewrap cannot build the sandbox here: {reason}"
    return ""


# -- kernel uids and the folder shared with the grader ---------------------------------------

SLOTS = Path(tempfile.gettempdir()) / f"convgrade-kernels-{os.geteuid()}"


@dataclass
class Slot:
    """A kernel uid and the folder it shares with the grader, held with a lock on the folder
    for as long as the kernel runs: the lock is what makes the uid this kernel's alone."""
    uid: int
    folder: Path
    lock: int

    @classmethod
    def allocate(cls) -> "Slot":
        SLOTS.mkdir(mode=0o711, exist_ok=True)
        start = (os.getpid() * 7919 + time.monotonic_ns()) % policy.KERNEL_UID_COUNT
        for step in range(policy.KERNEL_UID_COUNT):
            uid = policy.KERNEL_FIRST_UID + (start + step) % policy.KERNEL_UID_COUNT
            folder = SLOTS / str(uid)
            lock = _lock_folder(folder)
            if lock is None:
                continue
            _empty(folder)
            os.chmod(folder, 0o700)
            return cls(uid, folder, lock)
        raise SandboxUnavailable("every kernel uid is in use")

    def release(self) -> None:
        """Remove the folder (sockets, connection file, key) and free the uid."""
        shutil.rmtree(self.folder, ignore_errors=True)
        os.close(self.lock)


def _lock_folder(folder: Path):
    """An exclusive lock on ``folder`` (created if missing), or None if another grader holds it."""
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        pass
    except OSError:
        return None
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if os.stat(folder, follow_symlinks=False).st_ino == os.fstat(fd).st_ino:
            return fd                    # still the folder at that name, not one removed meanwhile
    except OSError:
        pass
    os.close(fd)
    return None


def _empty(folder: Path) -> None:
    for item in folder.iterdir():
        if item.is_dir() and not item.is_symlink():
            shutil.rmtree(item, ignore_errors=True)
        else:
            item.unlink(missing_ok=True)


def sweep() -> int:
    """Clean up after graders that were killed: a kernel folder whose lock is free belongs to
    no running grader, so its kernel's processes (if one was caught starting up when its
    grader died) are killed and the folder removed. Returns how many were swept."""
    if not SLOTS.is_dir():
        return 0
    swept = 0
    for folder in SLOTS.iterdir():
        lock = _lock_folder(folder)
        if lock is not None:
            if folder.name.isdigit():
                _kill_uid(int(folder.name))
            shutil.rmtree(folder, ignore_errors=True)
            os.close(lock)
            swept += 1
    return swept


def _kill_uid(uid: int) -> None:
    """SIGKILL every process whose real uid is ``uid`` (a kernel uid: no one else's)."""
    if uid < policy.KERNEL_FIRST_UID:
        return
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    os.kill(int(entry.name), 9)
            except OSError:
                pass


# -- what the kernel runs on ------------------------------------------------------------------

@dataclass(frozen=True)
class PythonLayout:
    python: str            # the interpreter (a real file, not a venv's link)
    prefix: str            # the installation it belongs to, bound read-only
    site_dirs: tuple       # the installation's own site-packages folders, emptied in the jail
    packages: dict         # {name inside site_dirs[0]: host path} of the allowed packages


@functools.lru_cache(maxsize=None)
def python_layout() -> PythonLayout:
    python = os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)
    prefix = os.path.realpath(sys.base_prefix)
    site_dirs = tuple(dict.fromkeys(os.path.realpath(p) for p in site.getsitepackages([prefix])))
    return PythonLayout(python, prefix, site_dirs, kernel_packages())


def kernel_packages() -> dict:
    """``{top-level name: host path}`` of every distribution in ``policy.KERNEL_PACKAGES`` and
    what it needs (markers evaluated, no extras; ``policy.KERNEL_PACKAGES_LEFT_OUT`` left
    out), as installed for the grader."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    todo, found = list(policy.KERNEL_PACKAGES), {}
    while todo:
        name = canonicalize_name(todo.pop())
        if name in found or name in policy.KERNEL_PACKAGES_LEFT_OUT:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        found[name] = dist
        for text in dist.requires or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    entries = {}
    for dist in found.values():
        root = Path(dist.locate_file(""))
        # the top of every path in the RECORD (read as text: thousands of files per package)
        record = dist.read_text("RECORD") or ""
        for top in {line.split(",", 1)[0].split("/", 1)[0] for line in record.splitlines()}:
            if top and top not in ("..", "__pycache__") and not top.endswith(".pth"):
                entries[top] = str(root / top)
    return {name: path for name, path in sorted(entries.items()) if os.path.exists(path)}


# -- the jail -------------------------------------------------------------------------------

# Step 1, run by the grader as ``python -I -S -c USERNS UID CMD...``: a user namespace mapping
# root and UID to themselves, unable to create more; then bubblewrap inside it.
USERNS = r"""
import ctypes, os, sys
uid = int(sys.argv[1])
libc = ctypes.CDLL(None, use_errno=True)
ready, go = os.pipe(), os.pipe()
helper = os.fork()
if helper == 0:
    os.read(ready[0], 1)
    for name in ("uid_map", "gid_map"):
        with open(f"/proc/{os.getppid()}/{name}", "w") as handle:
            handle.write(f"0 0 1\n{uid} {uid} 1\n")
    os.write(go[1], b"x")
    os._exit(0)
if libc.unshare(0x10000000) != 0:
    sys.exit(f"convgrade: cannot create a user namespace (errno {ctypes.get_errno()})")
os.write(ready[1], b"x")
if os.read(go[0], 1) != b"x" or os.waitpid(helper, 0)[1] != 0:
    sys.exit("convgrade: the user namespace could not be mapped")
with open("/proc/sys/user/max_user_namespaces", "w") as handle:
    handle.write("0")
os.execvp(sys.argv[2], sys.argv[2:])
"""

# Step 3's last part, also run by a kernel forked from the warm image (``convgrade.zygote``):
# with ``spec`` (the settings below), ``libc``, ``os``, ``resource`` and ``sys`` at hand, the
# resource limits, then the kernel's uid, which leaves no capability.
DROP_PRIVILEGES = r"""
uid = spec["uid"]
for name, value in spec["rlimits"].items():
    resource.setrlimit(getattr(resource, name), (value, value))
cap = 0
while libc.prctl(24, cap, 0, 0, 0) == 0:         # PR_CAPBSET_DROP, every capability
    cap += 1
os.setgroups([])
os.setresgid(uid, uid, uid)
os.setresuid(uid, uid, uid)                      # from root to uid: no capability is left
if libc.prctl(38, 1, 0, 0, 0) != 0:              # PR_SET_NO_NEW_PRIVS (bubblewrap set it too)
    sys.exit("convgrade: cannot forbid new privileges")
"""

# Step 3, run by bubblewrap as ``python -I -S -c LAUNCHER SETTINGS KERNEL...``, SETTINGS being
# the JSON of the uid, the tmpfs sizes, the rlimits and the environment.
LAUNCHER = r"""
import ctypes, json, os, resource, sys
spec = json.loads(sys.argv[1])
libc = ctypes.CDLL(None, use_errno=True)
for path, size, files in spec["tmpfs"]:          # bubblewrap cannot cap a tmpfs's file count
    if libc.mount(b"tmpfs", path.encode(), b"tmpfs", 32 | 2 | 4,     # MS_REMOUNT|NOSUID|NODEV
                  f"size={size},nr_inodes={files}".encode()) != 0:
        sys.exit(f"convgrade: cannot limit {path} (errno {ctypes.get_errno()})")
for root, dirs, files in os.walk(spec["home"]):
    for name in dirs + files:
        os.lchown(os.path.join(root, name), spec["uid"], spec["uid"])
os.chown(spec["home"], spec["uid"], spec["uid"])
if spec.get("ready") is not None:    # the jail is built and KERNEL holds it open while the
    os.write(spec["ready"], b"r")    # warm image forks the kernel into it; the kernel drops to
    os.close(spec["ready"])          # the uid itself, so it cannot stop what holds its jail
    os.execve(sys.argv[2], sys.argv[2:], spec["env"])
""" + DROP_PRIVILEGES + r"""
os.execve(sys.argv[2], sys.argv[2:], spec["env"])
"""

PROTOCOL_INIT = b'"""The kernel\'s half of convgrade\'s grading protocol (harness.py, wire.py)."""\n'


def kernel_environment(home: str) -> dict:
    """The kernel's whole environment: nothing of the grader's."""
    return {"PATH": "/usr/bin:/bin", "HOME": home, "USER": "student", "LOGNAME": "student",
            "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TMPDIR": "/tmp",
            "MPLCONFIGDIR": f"{home}/.matplotlib", "MPLBACKEND": "agg",
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1"}


def _data_fd(content: bytes) -> int:
    fd = os.memfd_create("convgrade-file")
    view = memoryview(content)
    while view:
        view = view[os.write(fd, view):]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _parents(path: str) -> list:
    parts = Path(path).parts
    return [str(Path(*parts[:k])) for k in range(2, len(parts))]


def jail_command(slot: Slot, limits: Limits, files: dict, kernel: list,
                 with_packages: bool = True, env: dict = None, info_fd: int = None,
                 ready_fd: int = None) -> tuple:
    """``(command, fds)``: start ``kernel`` (argv, run as ``slot.uid``) in a fresh jail holding
    ``files`` (``{relative name: bytes}``) in its home; ``fds`` must be passed to the command
    and closed by the caller once it has started. ``info_fd``: where bubblewrap writes the
    JSON of the jail's first pid (``child-pid``); ``ready_fd``: where the launcher writes a
    byte once the jail is complete, just before it becomes ``kernel``."""
    layout = python_layout()
    fds, made = [], set()
    args = ["bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session",
            "--assert-userns-disabled", "--hostname", "sandbox", "--clearenv",
            "--cap-drop", "ALL", *[x for cap in ("CAP_SETUID", "CAP_SETGID", "CAP_CHOWN",
                                                 "CAP_SYS_ADMIN", "CAP_SETPCAP")
                                   for x in ("--cap-add", cap)]]

    def folders(path):                   # bubblewrap would create parents readable by root only
        for parent in _parents(path):
            if parent not in made:
                made.add(parent)
                args.extend(["--perms", "0755", "--dir", parent])

    for path in policy.KERNEL_SYSTEM_PATHS:
        real = os.path.realpath(path)
        if os.path.exists(real):
            folders(path)
            args.extend(["--ro-bind", real, path])
    for name in ("bin", "lib", "lib64", "sbin"):
        if os.path.islink(f"/{name}"):
            args.extend(["--symlink", os.readlink(f"/{name}"), f"/{name}"])
    folders(layout.prefix)
    args.extend(["--ro-bind", layout.prefix, layout.prefix])
    for site_dir in layout.site_dirs:
        if os.path.isdir(site_dir):
            folders(site_dir)
            args.extend(["--perms", "0755", "--tmpfs", site_dir])
    if with_packages:
        _package_args(layout, args, fds)
    folders(HOME)
    args.extend(["--proc", "/proc", "--dev", "/dev",
                 "--perms", "1777", "--size", str(limits.tmp_bytes), "--tmpfs", "/tmp",
                 "--perms", "0700", "--size", str(limits.work_bytes), "--tmpfs", HOME])
    made.add(HOME)
    for name, content in sorted(files.items()):
        destination = f"{HOME}/{name}"
        folders(destination)
        fds.append(_data_fd(content))
        args.extend(["--perms", "0644", "--file", str(fds[-1]), destination])
    folders(str(slot.folder))
    args.extend(["--bind", str(slot.folder), str(slot.folder), "--chdir", HOME])
    if info_fd is not None:
        args.extend(["--info-fd", str(info_fd)])
    spec = dict(jail_spec(slot, limits, env), ready=ready_fd)
    bwrap = shutil.which("bwrap") or "bwrap"
    command = [layout.python, "-I", "-S", "-c", USERNS, str(slot.uid), bwrap, *args[1:], "--",
               layout.python, "-I", "-S", "-c", LAUNCHER, json.dumps(spec), *kernel]
    return command, fds


def jail_spec(slot: Slot, limits: Limits, env: dict = None) -> dict:
    """What ``LAUNCHER`` (and a kernel forked from the warm image) is told: the uid, the
    tmpfs sizes, the rlimits and the environment."""
    return {"uid": slot.uid, "home": HOME, "rlimits": limits.rlimits(),
            "env": env or kernel_environment(HOME),
            "tmpfs": [[HOME, limits.work_bytes, limits.file_count],
                      ["/tmp", limits.tmp_bytes, limits.file_count]]}


def _package_args(layout: PythonLayout, args: list, fds: list, modules=("harness.py", "wire.py")):
    """Bubblewrap arguments that show the allowed packages, and the kernel's half of the
    protocol (``modules``), in the installation's first site folder (emptied before)."""
    target = layout.site_dirs[0]
    for name, source in layout.packages.items():
        args.extend(["--ro-bind", source, f"{target}/{name}"])
    protocol = f"{target}/{PROTOCOL_PACKAGE}"
    fds.append(_data_fd(PROTOCOL_INIT))
    args.extend(["--perms", "0755", "--dir", protocol,
                 "--perms", "0644", "--ro-bind-data", str(fds[-1]), f"{protocol}/__init__.py"])
    for module in modules:
        args.extend(["--ro-bind", str(PACKAGE_DIR / module), f"{protocol}/{module}"])


@functools.lru_cache(maxsize=None)
def matplotlib_cache() -> dict:
    """``{name in the kernel's home: bytes}``: matplotlib's font list as the jail sees it,
    built once in a jail and kept in the grader's cache folder, so that no kernel spends a
    second rebuilding it."""
    try:
        version = metadata.version("matplotlib")
    except metadata.PackageNotFoundError:
        return {}
    layout = python_layout()
    tag = hashlib.sha256(f"{version}|{layout.prefix}|{layout.site_dirs}".encode()).hexdigest()[:16]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "convgrade" / f"matplotlib-{tag}"
    found = sorted(cache.glob("fontlist-*.json")) if cache.is_dir() else []
    if not found:
        slot = Slot.allocate()
        try:
            os.chown(slot.folder, slot.uid, slot.uid)
            env = dict(kernel_environment(HOME), MPLCONFIGDIR=str(slot.folder))
            command, fds = jail_command(slot, Limits(), {}, [layout.python, "-I", "-B", "-c",
                                                              "import matplotlib.font_manager"],
                                        env=env)
            try:
                subprocess.run(command, pass_fds=fds, capture_output=True, timeout=300)
            finally:
                for fd in fds:
                    os.close(fd)
            built = sorted(slot.folder.glob("fontlist-*.json"))
            if built:
                cache.mkdir(parents=True, exist_ok=True)
                for item in built:
                    shutil.copyfile(item, cache / item.name)
            found = built
        finally:
            slot.release()
        found = sorted(cache.glob("fontlist-*.json")) if cache.is_dir() else []
    return {f".matplotlib/{item.name}": item.read_bytes() for item in found}


# -- the warm kernel image --------------------------------------------------------------------

class WarmImage:
    """The grader's handle on a ``convgrade.zygote`` process: an interpreter that has imported
    what a kernel imports, seeing the Python files at the paths a kernel sees them (the
    allowed packages in the installation's site folder, the kernel's home with matplotlib's
    font list), with the kernel's environment and nothing of the grader's. ``spawn`` starts a
    kernel in a jail already built for it (see ``SandboxedKernelManager``)."""

    def __init__(self):
        layout = python_layout()
        ours, theirs = socket.socketpair()
        fds = []
        args = ["--dev-bind", "/", "/", "--die-with-parent", "--cap-add", "ALL"]
        for site_dir in layout.site_dirs:
            if os.path.isdir(site_dir):
                args.extend(["--perms", "0755", "--tmpfs", site_dir])
        _package_args(layout, args, fds, ("harness.py", "wire.py", "zygote.py"))
        args.extend(["--perms", "0755", "--tmpfs", str(Path(HOME).parent),
                     "--perms", "0700", "--dir", HOME])
        for name, content in sorted(matplotlib_cache().items()):
            fds.append(_data_fd(content))
            args.extend(["--perms", "0755", "--dir", str(Path(HOME, name).parent),
                         "--perms", "0644", "--file", str(fds[-1]), f"{HOME}/{name}"])
        command = [shutil.which("bwrap") or "bwrap", *args, "--", layout.python, "-I", "-B",
                   "-m", f"{PROTOCOL_PACKAGE}.zygote", DROP_PRIVILEGES, str(theirs.fileno())]
        try:
            self.process = subprocess.Popen(command, pass_fds=[theirs.fileno(), *fds], cwd="/",
                                            env=kernel_environment(HOME), stdin=subprocess.DEVNULL,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        finally:
            theirs.close()
            for fd in fds:
                os.close(fd)
        self.channel, self.pid = ours, os.getpid()
        self.reader = ours.makefile("rb")
        if not self._answer().get("ready"):
            self.stop()
            raise RuntimeError("the warm kernel image did not start")

    def spawn(self, jail_pid: int, spec: dict) -> None:
        """Fork a kernel (``spec``: ``jail_spec`` plus the kernel's ``argv``) into the jail
        whose first process is ``jail_pid``; RuntimeError if it could not."""
        self.channel.sendall(json.dumps({"pid": jail_pid, "spec": spec}).encode() + b"\n")
        answer = self._answer()
        if not answer.get("started"):
            raise RuntimeError(answer.get("error") or "the warm kernel image did not answer")

    def _answer(self) -> dict:
        self.channel.settimeout(policy.KERNEL_START_TIMEOUT)
        try:
            line = self.reader.readline(policy.MESSAGE_BYTES)
            return json.loads(line) if line else {}
        except (OSError, ValueError):
            return {}

    def alive(self) -> bool:
        return self.pid == os.getpid() and self.process.poll() is None

    def stop(self) -> None:
        self.channel.close()
        if self.pid == os.getpid():
            self.process.kill()
            self.process.wait()


_warm_image = None


def warm_image(start: bool = False):
    """This process's warm kernel image, started now if ``start`` (a process that grades many
    notebooks); None if there is none or it failed (kernels then start from nothing)."""
    global _warm_image
    if _warm_image and not _warm_image.alive():     # it died, or a parent process started it
        _warm_image = None
    if _warm_image is None and start and not missing():
        try:
            _warm_image = WarmImage()
        except Exception:  # noqa: BLE001 - a cold start is slower, never wrong
            _warm_image = False
    return _warm_image or None


def discard_warm_image() -> None:
    """Stop this process's warm image for good (it failed once: kernels start from nothing)."""
    global _warm_image
    if _warm_image:
        _warm_image.stop()
    _warm_image = False


# -- the kernel manager -----------------------------------------------------------------------

def bound_sockets(context) -> None:
    """Options for every socket ``context`` makes from now on: a message from the kernel over
    ``policy.MESSAGE_BYTES`` is dropped unread (zmq's own check), and up to
    ``policy.MESSAGES_QUEUED`` messages wait while the grader is busy (at zmq's default of
    1000, a burst of output on a loaded machine overflows, and the message lost may be the
    one that says a cell has finished)."""
    context.setsockopt(zmq.MAXMSGSIZE, policy.MESSAGE_BYTES)
    context.setsockopt(zmq.RCVHWM, policy.MESSAGES_QUEUED)


class PromptKernelClient(AsyncKernelClient):
    """jupyter_client's client, ready as soon as the kernel has answered ``kernel_info`` on
    its shell channel and shown on IOPub that it is heard there. jupyter_client then also
    waits for 0.2 s of IOPub silence, to drop the messages of the kernel's start: a pause
    at the start of every notebook (a tenth of a class's grading time on 2 cores) for
    nothing here, since the grader reads only the messages that answer its own requests."""

    async def wait_for_ready(self, timeout=None):
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()          # answered in order: a late reply to an earlier one counts
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except queue.Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                try:
                    await self.iopub_channel.get_msg(timeout=0.2)    # IOPub is connected
                except queue.Empty:
                    pass
                else:
                    self._handle_kernel_info_reply(reply)
                    return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")


class SandboxedKernelManager(AsyncKernelManager):
    """A Jupyter kernel manager that starts every kernel in a jail of its own (``jail``),
    talking to it over ``ipc`` sockets in the folder the two share; interrupts travel as
    messages, since signals would only reach bubblewrap."""

    jail: Jail = None
    slot: Slot = None
    warm = None                          # the warm image this kernel is forked from, if any
    owner: int = None                    # the process that started it ahead (start_standby)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.client_factory = PromptKernelClient
        self.transport = "ipc"
        self.cache_ports = False
        bound_sockets(self.context)

    def client(self, **kwargs):
        """A client to the kernel whose sockets are bounded like the manager's (jupyter_client
        gives every client a zmq context of its own, created here and closed with it)."""
        kc = super().client(**kwargs)
        bound_sockets(kc.context)
        return kc

    @property
    def kernel_spec(self):
        spec = super().kernel_spec
        if spec is not None:
            spec.interrupt_mode = "message"
        return spec

    async def _async_pre_start_kernel(self, **kw):
        self.jail = self.jail or Jail()
        self.slot = Slot.allocate()
        self.ip = str(self.slot.folder / "k")
        self.connection_file = str(self.slot.folder / "connection.json")
        kw["cwd"] = str(self.slot.folder)
        kw.pop("env", None)
        try:
            cmd, kw = await super()._async_pre_start_kernel(**kw)
        except BaseException:
            self._release()
            raise
        if self.jail.sandboxed:
            os.chown(self.slot.folder, self.slot.uid, self.slot.uid)
            os.chown(self.connection_file, self.slot.uid, self.slot.uid)
        return cmd, kw

    def kernel_arguments(self, harness: str) -> list:
        """ipykernel's arguments: the connection file, the grader's harness (the module
        ``harness`` as the kernel imports it), ``KERNEL_ARGUMENTS``."""
        return ["-f", self.connection_file, f"--IPKernelApp.extensions={harness}",
                *KERNEL_ARGUMENTS]

    def format_kernel_cmd(self, extra_arguments=None):
        if self.jail.sandboxed:
            if self.warm is not False:
                self.warm = warm_image()
            if self.warm:                   # the jail, with a placeholder the kernel joins
                self._jail_info, info = os.pipe()
                self._jail_ready, ready = os.pipe()
                command, fds = jail_command(self.slot, self.jail.limits, matplotlib_cache(),
                                            ["/usr/bin/sleep", "infinity"], info_fd=info,
                                            ready_fd=ready)
                self._launch_fds = [*fds, info, ready]
                return command
            kernel = [python_layout().python, "-I", "-B", "-m", "ipykernel_launcher",
                      *self.kernel_arguments(f"{PROTOCOL_PACKAGE}.harness")]
            command, self._launch_fds = jail_command(self.slot, self.jail.limits,
                                                     matplotlib_cache(), kernel)
            return command
        home = self.slot.folder / "home"
        home.mkdir()
        for name, content in matplotlib_cache().items():
            (home / name).parent.mkdir(parents=True, exist_ok=True)
            (home / name).write_bytes(content)
        self._launch_fds = []
        return [sys.executable, "-s", "-B", "-m", "ipykernel_launcher",
                *self.kernel_arguments("convgrade.harness")]

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        fds = getattr(self, "_launch_fds", [])
        # what the kernel writes to its own stdout/stderr goes nowhere (it could be endless)
        kw.update(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if self.jail.sandboxed:
            kw.update(pass_fds=fds, cwd=str(self.slot.folder), env={"PATH": os.environ.get("PATH", "")})
        else:
            kw.update(cwd=str(self.slot.folder / "home"),
                      env=kernel_environment(str(self.slot.folder / "home")))
        try:
            info = await super()._async_launch_kernel(kernel_cmd, **kw)
        except BaseException:
            if self.jail.sandboxed and self.warm:
                os.close(self._jail_info)
                os.close(self._jail_ready)
            raise
        finally:
            for fd in fds:
                os.close(fd)
            self._launch_fds = []
        if self.jail.sandboxed and self.warm:
            try:
                self._join_warm()
            except Exception:  # noqa: BLE001 - this jail goes; the kernel starts from nothing
                await self.provisioner.kill()
                await self.provisioner.wait()
                discard_warm_image()
                self.warm = False
                return await self._async_launch_kernel(self.format_kernel_cmd(), **kw)
        return info

    def _join_warm(self) -> None:
        """Have the warm image fork this kernel into the jail just launched, once the jail
        is complete (its launcher says so)."""
        try:
            readable, _, _ = select.select([self._jail_ready], [], [], policy.KERNEL_START_TIMEOUT)
            if not readable or os.read(self._jail_ready, 1) != b"r":
                raise RuntimeError("the kernel's jail was not built")
            described = b""
            while b"}" not in described:
                chunk = os.read(self._jail_info, 4096)
                if not chunk:
                    break
                described += chunk
            jail_pid = json.loads(described)["child-pid"]
        finally:
            os.close(self._jail_info)
            os.close(self._jail_ready)
        spec = dict(jail_spec(self.slot, self.jail.limits),
                    argv=self.kernel_arguments(f"{PROTOCOL_PACKAGE}.harness"))
        self.warm.spawn(jail_pid, spec)

    async def _async_wait(self, pollinterval: float = 0.1) -> None:
        # a jail dies at once with its bubblewrap: poll often rather than every 100 ms
        await super()._async_wait(pollinterval=0.005)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        try:
            await super()._async_cleanup_resources(restart=restart)
        finally:
            if not restart:
                self._release()

    def _release(self):
        if self.slot is not None:
            self.slot.release()
            self.slot = None


# -- a kernel started before its submission is known -----------------------------------------

_standby = None


def _own_standby():
    """The kernel ``start_standby`` started in this process, if any: one inherited through a
    fork is the parent's, to hand out and to stop."""
    global _standby
    if _standby is not None and _standby.owner != os.getpid():
        _standby = None
    return _standby


def start_standby(jail: Jail, warm: bool = False) -> None:
    """Start the next kernel now, in a jail of its own, so that its start-up (the jail, the
    interpreter, ipykernel, numpy and matplotlib) overlaps what the grader does meanwhile. It
    is handed to exactly one submission (``take_standby``) and never used again; one that is
    never taken is stopped when the grader exits (or dies). ``warm``: this process grades
    many notebooks, so it starts the warm image (once) and forks its kernels from it."""
    global _standby
    if _own_standby() is None:
        from jupyter_core.utils import run_sync
        if jail.sandboxed and warm:
            warm_image(start=True)
        km = SandboxedKernelManager(kernel_name="python3")
        km.jail, km.owner = jail, os.getpid()
        run_sync(km.start_kernel)()
        _standby = km


def take_standby(jail: Jail):
    """The kernel started by ``start_standby``, if it is still alive and has ``jail``'s
    limits; else None (and it is stopped)."""
    global _standby
    from jupyter_core.utils import run_sync
    km, _standby = _own_standby(), None
    if km is None:
        return None
    if km.jail == jail and run_sync(km.is_alive)():
        return km
    run_sync(km.shutdown_kernel)(now=True)
    return None


@atexit.register
def stop_standby() -> None:
    """Stop the kernel ``start_standby`` started, if no submission took it, and the warm
    image."""
    global _standby, _warm_image
    if _own_standby() is not None:
        from jupyter_core.utils import run_sync
        km, _standby = _standby, None
        try:
            run_sync(km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001 - exiting anyway; the jail dies with this process
            pass
    if _warm_image:
        image, _warm_image = _warm_image, None
        image.stop()
