"""Class throughput on a Dask cluster of 1 and 2 workers, and what the cluster costs per
submission.

A class of solved notebooks is graded by ``convgrade autograde --scheduler`` on a cluster of
separate processes started here on loopback (a scheduler and N workers, as a course would
run them on several machines), then by plain ``convgrade autograde --jobs N`` (the default
local cluster). Per-submission scheduling overhead is measured apart from grading: the same
coordinator loop hands a cluster of the same size tasks as large as a real submission that
return results as large as a real graded one and do nothing else::

    .venv/bin/python benchmarks/bench_dask.py [--students 16] [--assignment conv_layer]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def solved_class(folder: Path, assignment: str, students: int) -> None:
    from convgrade.students import fill, solution_answers
    release = nbformat.read(ROOT / "assignments" / assignment / f"{assignment}.ipynb", 4)
    source = nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb", 4)
    solved = fill(release, solution_answers(source))
    for k in range(1, students + 1):
        target = folder / "submitted" / f"s{k:03d}" / assignment
        target.mkdir(parents=True)
        nbformat.write(solved, target / f"{assignment}.ipynb")


def timed(cmd) -> float:
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed:\n{proc.stdout}\n{proc.stderr}")
    return time.perf_counter() - started


class Cluster:
    """A scheduler and ``workers`` worker processes (one thread each) on loopback."""

    def __init__(self, workers: int, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        address_file = folder / "scheduler.json"
        self.processes = [subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
             "--port", "0", "--no-show", "--dashboard-address", "127.0.0.1:0",
             "--scheduler-file", str(address_file)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        while not address_file.exists():
            if self.processes[0].poll() is not None:
                raise SystemExit("the Dask scheduler did not start")
            time.sleep(0.05)
        self.address = json.loads(address_file.read_text())["address"]
        for k in range(workers):
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_worker", self.address, "--nthreads",
                 "1", "--dashboard-address", "127.0.0.1:0", "--local-directory",
                 str(folder / f"w{k}")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from distributed import Client
        with Client(self.address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=60)

    def close(self) -> None:
        for proc in reversed(self.processes):
            proc.kill()
            proc.wait()


def _echo(task):
    """A task that grades nothing: it hands back a result as large as a graded submission."""
    from convgrade.results import GradedSubmission
    return GradedSubmission(task.assignment, task.student, task.fingerprint,
                            autograded={"a.ipynb": task.files["a.ipynb"] * 2},
                            feedback={"a.html": b"x" * 300_000})


def overhead(workers: int, tasks: int, notebook: bytes) -> float:
    """Seconds per submission the cluster itself costs, from submitting a task to recording
    nothing: the coordinator loop of ``convgrade autograde`` on a fresh local cluster."""
    from rich.console import Console
    from convgrade import classroom
    from convgrade.cluster import start_cluster
    from convgrade.submission_task import SubmissionTask

    def read_task(course, class_dir, assignment, student, config, sandboxed, standby):
        return SubmissionTask("", assignment, student, student * 8, {"a.ipynb": notebook}, (),
                              None, b"", sandboxed, standby)

    classroom.read_task, classroom.grade = read_task, _echo
    todo = [("a", f"s{k:04d}") for k in range(tasks)]
    config = classroom.class_config(classroom.Course(ROOT), ROOT)
    with start_cluster(workers, sandboxed=False) as cluster:
        started = time.perf_counter()
        classroom._grade_all(cluster, None, None, todo, config, Console(quiet=True),
                             deliver=lambda result: None)
        return (time.perf_counter() - started) / tasks


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", default="conv_layer")
    parser.add_argument("--students", type=int, default=16, help="class size (default 16)")
    parser.add_argument("--tasks", type=int, default=400, help="empty tasks for the overhead")
    args = parser.parse_args(argv)
    a, n = args.assignment, args.students
    env_path = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    os.environ["PATH"] = env_path
    rows = []
    with tempfile.TemporaryDirectory(prefix="convgrade-bench-dask-") as tmp:
        tmp = Path(tmp)
        for workers in (1, 2):
            for kind in ("scheduler", "local"):
                class_dir = tmp / f"{kind}-{workers}"
                solved_class(class_dir, a, n)
                cmd = [BIN / "convgrade", "--course", ROOT, "autograde", a, "--class-dir",
                       class_dir, "--jobs", str(workers)]
                if kind == "scheduler":
                    cluster = Cluster(workers, tmp / f"cluster-{workers}")
                    try:
                        seconds = timed([*cmd, "--scheduler", cluster.address])
                    finally:
                        cluster.close()
                else:
                    seconds = timed(cmd)
                rows.append((kind, workers, seconds))
        notebook = next((tmp / "local-1" / "submitted").rglob("*.ipynb")).read_bytes()
    per_task = {w: overhead(w, args.tasks, notebook) for w in (1, 2)}
    print(f"assignment {a}, {n} solved notebooks, {os.cpu_count()} cores")
    print(f"{'cluster':48} {'workers':>7} {'wall s':>7} {'s/notebook':>10} {'notebooks/min':>13}")
    for kind, workers, seconds in rows:
        name = ("scheduler + workers started apart (--scheduler)" if kind == "scheduler"
                else "default local cluster (--jobs)")
        print(f"{name:48} {workers:7d} {seconds:7.1f} {seconds / n:10.2f} {60 * n / seconds:13.1f}")
    for kind in ("scheduler", "local"):
        one, two = (s for k, w, s in rows if k == kind)
        print(f"speed-up from 1 to 2 workers, {kind}: {one / two:.2f}x")
    for workers, seconds in per_task.items():
        print(f"scheduling overhead, {workers} worker(s): {1000 * seconds:.1f} ms per submission "
              f"({args.tasks} empty tasks of {len(notebook) // 1024} KiB, results of "
              f"{(2 * len(notebook) + 300_000) // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
