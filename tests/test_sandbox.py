"""The sandbox seen from inside: what a student's kernel can see, write, reach and keep.

Every test grades real notebooks through ``convgrade.grade.grade_notebook`` (what
``convgrade grade`` runs) or ``convgrade autograde``; a probe cell the student could have
written prints what it finds as JSON, and the test reads that output back from the graded
notebook. The grader plants things first (a copy of the course under ``/opt``, files in
``/var/tmp``, ``/dev/shm``, ``/run`` and ``/home``, a token in its own environment, a server
on the machine's loopback) so that "not found" means "not reachable", not "not there".
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import uuid
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT, grade_with_outputs, printed, release_nb, source_nb
from convgrade import policy, sandbox
from convgrade.students import fill, solution_answers

MARK = f"convgrade-probe-{uuid.uuid4().hex[:10]}"
LIMITS = {"timeout": 30, "call_timeout": 30}


def with_probe(*cells, answers=None):
    """The instructor's solution with extra cells (code) inserted before the first answer."""
    nb = fill(release_nb(), answers or solution_answers(source_nb()))
    first = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("solution"))
    for offset, code in enumerate(cells):
        nb.cells.insert(first + offset, nbformat.v4.new_code_cell(textwrap.dedent(code)))
    return nb


def grade_probes(tmp_path, notebooks, jobs=2, **limits):
    paths = []
    for name, nb in notebooks.items():
        path = tmp_path / f"{name}.ipynb"
        nbformat.write(nb, path)
        paths.append(path)
    graded = grade_with_outputs(paths, jobs=jobs, **{**LIMITS, **limits})
    return dict(zip(notebooks, graded))


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """Things the kernel must not reach, planted outside the course and class folders."""
    places = {"opt": Path("/opt") / MARK, "var_tmp": Path("/var/tmp") / MARK,
              "dev_shm": Path("/dev/shm") / MARK, "run": Path("/run") / MARK,
              "home": Path("/home") / MARK}
    copy = places["opt"] / "solutions" / "conv_layer"
    copy.mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / "conv_layer" / "conv_layer.ipynb", copy)
    for name in ("var_tmp", "dev_shm", "run", "home"):
        places[name].write_text("the answers")
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    threading.Thread(target=lambda: [c.sendall(b"unlocked") or c.close()
                                     for c, _ in iter(server.accept, None)], daemon=True).start()
    os.environ["CONVGRADE_PROBE_TOKEN"] = MARK
    yield {"places": {k: str(v) for k, v in places.items()}, "port": port}
    os.environ.pop("CONVGRADE_PROBE_TOKEN", None)
    server.close()
    shutil.rmtree(places["opt"], ignore_errors=True)
    for name in ("var_tmp", "dev_shm", "run", "home"):
        places[name].unlink(missing_ok=True)


LOOK = """
import ctypes, json, os, socket
def _tries(action):
    try:
        action()
        return "done"
    except Exception as error:
        return type(error).__name__
def _connect(port):
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        return s.recv(20)
_libc = ctypes.CDLL(None, use_errno=True)
_status = dict(line.split(":\\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\\t" in line)
print("LOOK" + json.dumps({
    "root": sorted(os.listdir("/")), "home": sorted(os.listdir("/home")),
    "tmp": sorted(os.listdir("/tmp")), "cwd": os.getcwd(),
    "reach": {name: os.path.exists(path) for name, path in PLACES.items()},
    "env": dict(os.environ),
    "uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(),
    "caps": {k: _status[k].strip() for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")},
    "no_new_privs": _status["NoNewPrivs"].strip(),
    "user_namespace": _libc.unshare(0x10000000),
    "setuid_root": _tries(lambda: os.setuid(0)),
    "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
    "interfaces": [name for _, name in socket.if_nameindex()],
    "host_server": _tries(lambda: _connect(PORT)),
    "write_python": _tries(lambda: open(os.path.join(os.__file__ + ".planted"), "w").close()),
}))
"""


def look(planted):
    return LOOK.replace("PLACES", repr(planted["places"])).replace("PORT", str(planted["port"]))


@pytest.fixture(scope="module")
def seen(planted, tmp_path_factory):
    """What a kernel found, graded twice at the same time (two kernels side by side)."""
    tmp = tmp_path_factory.mktemp("probe")
    graded = grade_probes(tmp, {"a": with_probe(look(planted)), "b": with_probe(look(planted))})
    return [printed(nb, "LOOK") for _, nb in graded.values()]


def test_only_the_allowlisted_root_exists(seen):
    layout = sandbox.python_layout()
    granted = {Path(p).parts[1] for p in (*policy.KERNEL_SYSTEM_PATHS, layout.prefix, *layout.site_dirs)
               if os.path.exists(p)}
    granted |= {"proc", "dev", "tmp", "home"}
    granted |= {name for name in ("bin", "lib", "lib64", "sbin") if os.path.islink(f"/{name}")}
    for view in seen:
        assert set(view["root"]) <= granted, set(view["root"]) - granted
        assert view["home"] == ["student"] and view["cwd"] == sandbox.HOME
        assert view["tmp"] == [sandbox.SLOTS.name]       # only the folder it shares with the grader


def test_nothing_planted_outside_is_reachable(seen):
    for view in seen:
        assert view["reach"] == {name: False for name in view["reach"]}, view["reach"]


def test_the_graders_environment_is_not_inherited(seen):
    for view in seen:
        assert MARK not in json.dumps(view["env"])
        assert "CONVGRADE_PROBE_TOKEN" not in view["env"]
        granted = set(sandbox.kernel_environment(sandbox.HOME))
        ipython = {"CLICOLOR", "CLICOLOR_FORCE", "FORCE_COLOR", "GIT_PAGER", "PAGER", "TERM",
                   "PYDEVD_USE_FRAME_EVAL", "JPY_PARENT_PID", "JPY_SESSION_NAME"}
        assert set(view["env"]) <= granted | ipython, set(view["env"]) - granted - ipython


def test_kernel_is_unprivileged_and_alone(seen):
    for view in seen:
        first, count = policy.KERNEL_FIRST_UID, policy.KERNEL_UID_COUNT
        assert first <= view["uid"] < first + count and view["gid"] == view["uid"]
        assert view["groups"] in ([], [view["gid"]])
        assert {k: int(v, 16) for k, v in view["caps"].items() if k != "CapInh"} == \
            {"CapPrm": 0, "CapEff": 0, "CapBnd": 0, "CapAmb": 0}
        assert view["no_new_privs"] == "1"
        assert view["user_namespace"] == -1                 # no nested user namespaces
        assert view["setuid_root"] == "PermissionError"
        assert view["write_python"] in ("OSError", "PermissionError")
        assert len(view["pids"]) <= 4, view["pids"]          # its own PID namespace
        assert view["interfaces"] == ["lo"]                  # its own network: loopback only
        assert view["host_server"] in ("ConnectionRefusedError", "OSError", "TimeoutError")
    assert seen[0]["uid"] != seen[1]["uid"]                  # two kernels never share a uid


WRITE_EVERYWHERE = """
import json, os
_wrote = {}
for _place in ("/tmp", "/home/student", "/dev/shm", "/var/tmp", "/run", "/usr/lib", "/", "/etc"):
    try:
        with open(os.path.join(_place, "MARK"), "w") as _f:
            _f.write("left behind")
        _wrote[_place] = True
    except OSError:
        _wrote[_place] = False
print("WROTE" + json.dumps(_wrote))
"""


def test_files_written_anywhere_are_gone_after_grading(tmp_path):
    mark = f"{MARK}-written"
    graded = grade_probes(tmp_path, {"w": with_probe(WRITE_EVERYWHERE.replace("MARK", mark))}, jobs=1)
    wrote = printed(graded["w"][1], "WROTE")
    assert wrote["/tmp"] and wrote["/home/student"]          # its own folders are writable ...
    assert not wrote["/usr/lib"] and not wrote["/etc"]       # ... the rest is read-only or absent
    places = ["/tmp", "/home/student", "/dev/shm", "/var/tmp", "/run", "/usr/lib", "/", "/etc"]
    assert [p for p in places if (Path(p) / mark).exists()] == []
    assert list(sandbox.SLOTS.rglob(mark)) == [] if sandbox.SLOTS.is_dir() else True


FILL_UP = """
import json, os, resource
_counts = {}
try:
    for _i in range(100_000):
        open(f"f{_i}", "w").close()
except OSError as _error:
    _counts["files"] = _i
_held = []
try:
    for _i in range(100_000):
        _held.append(open("/dev/null"))
except OSError:
    _counts["open"] = len(_held)
for _h in _held:
    _h.close()
for _i in range(100):
    os.remove(f"f{_i}")
_written = 0
try:
    with open("big", "wb") as _f:
        for _mb in range(1000):
            _f.write(b"0" * 2**20)
            _f.flush()
            _written += 1
except OSError:
    _counts["megabytes"] = _written
print("FULL" + json.dumps(_counts))
"""


def test_files_descriptors_and_bytes_are_capped(tmp_path):
    graded = grade_probes(tmp_path, {"f": with_probe(FILL_UP)}, jobs=1)
    results, nb = graded["f"]
    counts = printed(nb, "FULL")
    assert 0 < counts["files"] <= policy.FILE_COUNT_LIMIT
    assert 0 < counts["open"] <= policy.OPEN_FILES_LIMIT
    assert 0 < counts["megabytes"] <= min(policy.FILE_SIZE_LIMIT, policy.WORK_FOLDER_BYTES) // 2**20
    assert results["score"] == 20                            # and grading went on regardless


VICTIM = """
import json, os, socket, time
_mark = "VICTIM-MARK"
open(os.path.join(os.environ["HOME"], _mark), "w").write(_mark)
open(os.path.join("/tmp", _mark), "w").write(_mark)
_server = socket.create_server(("127.0.0.1", 5555))
_abstract = socket.socket(socket.AF_UNIX)
_abstract.bind("\\0" + _mark)
_abstract.listen()
_start = time.time()
time.sleep(8)
print("VICTIM" + json.dumps({"start": _start, "end": time.time(), "pid": os.getpid()}))
"""

LISTENER = """
import glob, json, os, socket, time
_found, _start = set(), time.time()
def _try(what, action):
    try:
        if action():
            _found.add(what)
    except Exception:
        pass
_own = os.getuid()
while time.time() - _start < 8:
    for _pid in [p for p in os.listdir("/proc") if p.isdigit()]:
        _try("process", lambda: "VICTIM" in open(f"/proc/{_pid}/cmdline").read())
    _try("unix socket", lambda: "VICTIM" in open("/proc/net/unix").read())
    _try("abstract socket", lambda: socket.socket(socket.AF_UNIX).connect("\\0VICTIM-MARK") or True)
    _try("port", lambda: socket.create_connection(("127.0.0.1", 5555), timeout=0.2) and True)
    _try("files", lambda: bool(glob.glob("/tmp/**/*VICTIM*", recursive=True)
                                + glob.glob("/home/**/*VICTIM*", recursive=True)))
    _try("other kernel folders", lambda: [d for d in glob.glob("/tmp/*/*")
                                            if not d.endswith("/" + str(_own))] != [])
    time.sleep(0.2)
_server = socket.create_server(("127.0.0.1", 5555))       # its own loopback: the port is free
print("LISTENER" + json.dumps({"start": _start, "end": time.time(), "found": sorted(_found)}))
"""


def test_two_kernels_graded_together_cannot_observe_each_other(tmp_path):
    victim = VICTIM.replace("VICTIM-MARK", f"VICTIM-{MARK}")
    listener = LISTENER.replace("VICTIM-MARK", f"VICTIM-{MARK}").replace('"VICTIM"', f'"VICTIM-{MARK}"')
    graded = grade_probes(tmp_path, {"victim": with_probe(victim), "listener": with_probe(listener)})
    ran = printed(graded["victim"][1], "VICTIM")
    heard = printed(graded["listener"][1], "LISTENER")
    assert ran and heard
    assert heard["start"] < ran["end"] and ran["start"] < heard["end"], "they did not overlap"
    assert heard["found"] == [], heard["found"]


def test_kernel_uids_are_allocated_once(tmp_path):
    """Two graders allocating at once never hold the same uid."""
    code = ("import json, sys; from convgrade.sandbox import Slot; "
            "slots = [Slot.allocate() for _ in range(40)]; print(json.dumps([s.uid for s in slots])); "
            "sys.stdout.flush(); sys.stdin.readline()")
    procs = [subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True) for _ in range(3)]
    held = [json.loads(p.stdout.readline()) for p in procs]
    for p in procs:
        p.communicate("\n", timeout=60)
    flat = [uid for uids in held for uid in uids]
    assert len(flat) == len(set(flat)) == 120


def test_stale_folders_of_a_killed_grader_are_swept():
    code = "from convgrade.sandbox import Slot; import os; s = Slot.allocate(); print(s.folder, flush=True); os.kill(os.getpid(), 9)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    folder = Path(proc.stdout.strip())
    assert proc.returncode == -signal.SIGKILL and folder.is_dir()
    assert sandbox.sweep() >= 1
    assert not folder.exists()


def test_without_bubblewrap_grading_for_credit_stops_with_one_line(tmp_path):
    nb = tmp_path / "conv_layer.ipynb"
    nbformat.write(fill(release_nb(), solution_answers(source_nb())), nb)
    empty = tmp_path / "bin"
    empty.mkdir()
    env = dict(os.environ, PATH=f"{empty}:{Path(sys.executable).parent}")
    proc = subprocess.run([sys.executable, "-m", "convgrade.cli", "grade", str(nb)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "bubblewrap" in lines[0] and "--no-sandbox" in lines[0], proc.stderr
    out = tmp_path / "r.json"
    proc = subprocess.run([sys.executable, "-m", "convgrade.cli", "grade", str(nb), "--no-sandbox",
                           "--json", str(out)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(out.read_text())
    assert results["score"] == 20 and "unsandboxed" in results["output"]
    assert "unsandboxed" in proc.stdout


LIST_HOME = """
import json, os
_seen = {}
for _root, _dirs, _files in os.walk(os.environ["HOME"]):
    for _name in _files:
        _path = os.path.join(_root, _name)
        _seen[os.path.relpath(_path, os.environ["HOME"])] = open(_path, errors="replace").read(200)
print("HOME" + json.dumps(_seen))
"""


def test_links_fifos_and_devices_in_a_submission_are_refused(tmp_path):
    """Through ``convgrade autograde``: only the submission's regular files reach the kernel;
    a symlink (to the solution), a FIFO and a device get a line in the feedback, and nothing
    they point to is read (a FIFO opened for reading would block the batch)."""
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    folder = tmp_path / "submitted" / "mallory" / "conv_layer"
    (folder / "data").mkdir(parents=True)
    nbformat.write(with_probe(LIST_HOME), folder / "conv_layer.ipynb")
    (folder / "notes.txt").write_text("my own notes")
    (folder / "data" / "points.csv").write_text("1,2,3")
    (folder / "hint.txt").symlink_to(ROOT / "solutions" / "conv_layer" / "conv_layer.ipynb")
    (folder / "data" / "solutions").symlink_to(ROOT / "solutions")
    os.mkfifo(folder / "pipe")
    os.mknod(folder / "null", 0o666 | 0o020000, os.makedev(1, 3))      # a character device
    proc = subprocess.run([sys.executable, "-m", "convgrade.cli", "--course", str(ROOT), "autograde",
                           "conv_layer", "--class-dir", str(tmp_path), "--jobs", "1"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0 and "not graded" not in proc.stdout, proc.stdout + proc.stderr
    graded = nbformat.read(tmp_path / "autograded" / "mallory" / "conv_layer" / "conv_layer.ipynb", 4)
    home = printed(graded, "HOME")
    kernel_files = {name for name in home if not name.startswith(".")}
    assert kernel_files == {"notes.txt", "data/points.csv"}, home.keys()
    assert home["notes.txt"] == "my own notes"
    assert not any("BEGIN SOLUTION" in text or "nbgrader" in text for text in home.values())
    feedback = (tmp_path / "feedback" / "mallory" / "conv_layer" / "conv_layer.html").read_text()
    for name in ("hint.txt", "solutions", "pipe", "null"):
        assert name in feedback and "not copied" in feedback, name
    rows = list(csv.DictReader(open(tmp_path / "grades.csv")))
    assert [(r["student_id"], float(r["score"]), r["sandbox"]) for r in rows] == [("mallory", 20.0, "sandboxed")]


def test_every_socket_the_grader_reads_a_kernel_through_is_bounded():
    """The grader's sockets to a kernel (the manager's and its client's, which jupyter_client
    gives a zmq context of its own) drop a message over ``policy.MESSAGE_BYTES`` unread and
    queue up to ``policy.MESSAGES_QUEUED`` while the grader is busy."""
    import zmq
    from jupyter_core.utils import run_sync
    km = sandbox.SandboxedKernelManager(kernel_name="python3")
    km.jail = sandbox.Jail(sandboxed=not sandbox.missing())
    run_sync(km.start_kernel)()
    kc = km.client()
    try:
        kc.start_channels()
        channels = [kc.shell_channel, kc.iopub_channel, kc.stdin_channel, kc.control_channel]
        sockets = [channel.socket for channel in channels]
        assert len(sockets) == 4
        for sock in sockets:
            assert sock.getsockopt(zmq.MAXMSGSIZE) == policy.MESSAGE_BYTES
            assert sock.getsockopt(zmq.RCVHWM) == policy.MESSAGES_QUEUED
    finally:
        kc.stop_channels()
        run_sync(km.shutdown_kernel)(now=True)


def test_a_warm_image_that_fails_leaves_grading_to_a_kernel_started_from_nothing(tmp_path, course,
                                                                              monkeypatch):
    """If the warm image cannot fork a kernel into its jail, that jail is dropped and the
    kernel starts from nothing: the submission is graded all the same, and the process stops
    using the image."""
    from convgrade.grade import grade_notebook
    sandbox.stop_standby()                # no kernel started ahead by an earlier test here
    monkeypatch.setattr(sandbox, "_warm_image", None)
    assert sandbox.warm_image(start=True) is not None

    def broken(self, jail_pid, spec):
        raise RuntimeError("the image is broken")
    monkeypatch.setattr(sandbox.WarmImage, "spawn", broken)
    path = tmp_path / "probe.ipynb"
    nbformat.write(with_probe('import os\nprint("PARENT:" + str(os.getppid()))\n'), path)
    try:
        results, graded = grade_notebook(path, "conv_layer", course)
        assert printed(graded, "PARENT:") == 1           # the jail's first process: a cold start
        assert results["score"] == 20.0 and results["max_score"] == 22
        assert sandbox._warm_image is False and sandbox.warm_image(start=True) is None
    finally:
        sandbox.stop_standby()
