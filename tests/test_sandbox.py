"""The kernel launcher on its own: what a sandboxed process can see, write and keep running."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from dataclasses import asdict

import pytest

from conftest import ROOT
from convgrade.sandbox import Limits, Spec, default_hide, default_keep, isolation

MODE, WARNING = isolation()
needs_namespaces = pytest.mark.skipif(MODE == "none", reason=f"no namespaces here: {WARNING}")


def run_sandboxed(code, tmp_path, limits=None):
    """Run ``python -c code`` through the launcher exactly as a kernel is started."""
    spec = Spec(limits=limits or Limits(), hide=default_hide(ROOT),
                keep_readonly=default_keep(), namespaces=MODE)
    spec.work = str(tmp_path)
    spec.uid = 200_000 + len(tmp_path.name)
    launcher = [sys.executable, "-m", "convgrade.sandbox", "--outer", json.dumps(asdict(spec)),
                "--", sys.executable, "-c", textwrap.dedent(code)]
    return subprocess.run(launcher, capture_output=True, text=True, cwd=tmp_path, timeout=60)


@needs_namespaces
def test_course_and_grader_are_invisible(tmp_path):
    proc = run_sandboxed(f"""
        import os
        print(sorted(os.listdir({str(ROOT)!r})))
        for name in ("convref", "convgrade"):
            try:
                __import__(name)
                print(name, "importable")
            except ImportError:
                print(name, "hidden")
        """, tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "solutions" not in lines[0] and "autograder" not in lines[0]
    assert lines[1:] == ["convref hidden", "convgrade hidden"]


@needs_namespaces
def test_python_is_read_only_and_work_folder_writable(tmp_path):
    proc = run_sandboxed(f"""
        import os, sys
        try:
            open(os.path.join(sys.prefix, "planted.py"), "w")
            print("prefix writable")
        except OSError:
            print("prefix read-only")
        open("mine.txt", "w").write("ok")
        print(os.getcwd() == {str(tmp_path)!r})
        """, tmp_path)
    assert proc.stdout.split() == ["prefix", "read-only", "True"], proc.stderr
    assert (tmp_path / "mine.txt").read_text() == "ok"


@needs_namespaces
def test_children_die_with_the_sandbox(tmp_path):
    marker = f"outlive-{tmp_path.name}"
    proc = run_sandboxed(f"""
        import os, subprocess, sys
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", {marker!r}],
                         start_new_session=True)
        print(len([p for p in os.listdir("/proc") if p.isdigit()]))
        """, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) < 10            # a fresh PID namespace: the grader's processes are not there
    left = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout.split()
    assert left == []


def test_memory_limit_raises_memory_error(tmp_path):
    proc = run_sandboxed("""
        import numpy as np
        try:
            np.ones(3 * 2**30 // 8)
            print("allocated")
        except MemoryError:
            print("MemoryError")
        """, tmp_path, Limits(memory_bytes=1024 * 2**20))
    assert proc.stdout.strip() == "MemoryError", proc.stderr


def test_degraded_isolation_is_reported(monkeypatch, tmp_path):
    from convgrade import execute, sandbox
    monkeypatch.setattr(execute, "isolation", lambda: ("none", "no namespaces in this test"))
    client = execute.ExecuteWithChecks()
    import nbformat
    client.nb = nbformat.v4.new_notebook()
    client.events = []
    with pytest.warns(UserWarning, match="isolation degraded"):
        manager = client.create_kernel_manager()
    assert manager.spec.namespaces == "none"
    assert client.events == ["isolation degraded: no namespaces in this test"]
    assert sandbox.isolation()[0] in ("root", "user", "none")


@needs_namespaces
def test_sandbox_dies_with_the_grader(tmp_path):
    """A grader killed outright (SIGKILL) takes its kernels and their children with it."""
    import signal
    import time
    marker = f"orphan-{tmp_path.name}"
    spec = Spec(hide=default_hide(ROOT), keep_readonly=default_keep(), namespaces=MODE,
                work=str(tmp_path), uid=200_123)
    child = (f"import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', "
             f"'import time; time.sleep(600)', {marker!r}]); time.sleep(600)")
    grader = (f"import json, subprocess, sys; subprocess.Popen([sys.executable, '-m', "
              f"'convgrade.sandbox', '--outer', {json.dumps(asdict(spec))!r}, '--', sys.executable, "
              f"'-c', {child!r}]); import time; time.sleep(600)")
    proc = subprocess.Popen([sys.executable, "-c", grader], cwd=tmp_path)
    for _ in range(100):
        if subprocess.run(["pgrep", "-f", marker], capture_output=True).returncode == 0:
            break
        time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("the sandboxed child never started")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    for _ in range(50):
        if subprocess.run(["pgrep", "-f", marker], capture_output=True).returncode != 0:
            break
        time.sleep(0.2)
    left = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout.split()
    assert left == [], f"left running after the grader died: {left}"
