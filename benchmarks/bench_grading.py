"""Grading speed: convgrade against stock nbgrader, on the same notebooks, in one run.

Stock nbgrader grades its own release of the assignment as it ships: the instructor's source
with the hidden tests left out (stock nbgrader has only the visible asserts), its own
``Execute``, serially, one ``nbgrader autograde`` per command. convgrade grades its release of
the same assignment with everything it adds (sandbox, hidden checks, feedback). Both get the
same students: the release filled with the instructor's answers. For both, the assignment
is in the class's gradebook before any timing starts (stock: ``nbgrader generate_assignment``;
convgrade: the same registration ``convgrade autograde`` does on its first run).

Printed: seconds per notebook for one student (``nbgrader autograde --student`` against
``convgrade grade``) and for a class (stock serial against ``convgrade autograde --jobs``),
the ratios, and where one ``convgrade grade`` spends its time (``--profile``)::

    .venv/bin/python benchmarks/bench_grading.py [--assignment conv_layer] [--students 8]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS[ \t]*\n.*?^[ \t]*### END HIDDEN TESTS[ \t]*\n?",
                    re.S | re.M)


def run(cmd, cwd, env=None) -> float:
    """Wall-clock seconds of ``cmd``; it must succeed."""
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed:\n{proc.stdout}\n{proc.stderr}")
    return seconds


def stock_course(folder: Path, assignment: str, env) -> Path:
    """A stock nbgrader course whose source is the instructor's notebook without hidden tests."""
    source = nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb", 4)
    for cell in source.cells:
        if cell.cell_type == "code":
            cell.source = HIDDEN.sub("", cell.source)
    (folder / "source" / assignment).mkdir(parents=True)
    nbformat.write(source, folder / "source" / assignment / f"{assignment}.ipynb")
    (folder / "nbgrader_config.py").write_text("c = get_config()\n")
    run([BIN / "nbgrader", "generate_assignment", assignment, "--force"], folder, env)
    return folder / "release" / assignment / f"{assignment}.ipynb"


def filled(release: Path):
    sys.path.insert(0, str(ROOT / "tests"))
    from convgrade.students import fill, solution_answers
    source = nbformat.read(ROOT / "solutions" / release.stem / f"{release.stem}.ipynb", 4)
    return fill(nbformat.read(release, 4), solution_answers(source))


def submit(folder: Path, assignment: str, nb, students: int) -> list:
    names = [f"s{k:02d}" for k in range(1, students + 1)]
    for name in names:
        target = folder / "submitted" / name / assignment
        target.mkdir(parents=True)
        nbformat.write(nb, target / f"{assignment}.ipynb")
    return names


def register_untimed(class_dir: Path, assignment: str) -> None:
    """Put the assignment in convgrade's class gradebook before the clock starts, as
    ``stock_course`` does for stock nbgrader with ``generate_assignment``."""
    from convgrade.classroom import class_config, register
    from convgrade.course import Course
    from convgrade.nbgrader_api import api
    course = Course(ROOT)
    config = class_config(course, class_dir)
    register(api(config), course, config, assignment)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", default="conv_layer")
    parser.add_argument("--students", type=int, default=8, help="class size (default 8)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2,
                        help="convgrade's workers for the class (default: the cores)")
    parser.add_argument("--repeat", type=int, default=3, help="single-notebook runs (median)")
    args = parser.parse_args(argv)
    a = args.assignment
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    with tempfile.TemporaryDirectory(prefix="convgrade-bench-") as tmp:
        tmp = Path(tmp)
        stock, ours = tmp / "stock", tmp / "convgrade"
        stock.mkdir()
        ours.mkdir()
        stock_nb = filled(stock_course(stock, a, env))
        our_nb = filled(ROOT / "assignments" / a / f"{a}.ipynb")
        names = submit(stock, a, stock_nb, args.students)
        submit(ours, a, our_nb, args.students)
        shutil.copy(ROOT / "nbgrader_config.py", ours)
        register_untimed(ours, a)
        single = ours / "submitted" / names[0] / a / f"{a}.ipynb"

        stock_one = statistics.median(
            run([BIN / "nbgrader", "autograde", a, "--student", names[0], "--force", "--create"],
                stock, env) for _ in range(args.repeat))
        ours_one = statistics.median(
            run([BIN / "convgrade", "grade", single, "--assignment", a], ROOT, env)
            for _ in range(args.repeat))
        profile = subprocess.run([BIN / "convgrade", "grade", single, "--assignment", a, "--profile"],
                                 cwd=ROOT, env=env, capture_output=True, text=True)
        profile = json.loads(profile.stderr.split("profile: ", 1)[1].splitlines()[0])

        stock_class = run([BIN / "nbgrader", "autograde", a, "--force", "--create"], stock, env)
        ours_class = run([BIN / "convgrade", "--course", ROOT, "autograde", a, "--class-dir", ours,
                          "--jobs", str(args.jobs), "--force"], ROOT, env)

    n = args.students
    print(f"assignment {a}, {n} students, {os.cpu_count()} cores")
    print(f"{'':34} {'stock nbgrader':>15} {'convgrade':>10} {'ratio':>7}")
    print(f"{'one notebook (s)':34} {stock_one:15.2f} {ours_one:10.2f} {ours_one / stock_one:7.2f}")
    print(f"{'class, per notebook (s)':34} {stock_class / n:15.2f} {ours_class / n:10.2f} "
          f"{ours_class / stock_class:7.2f}")
    print(f"class throughput: {stock_class / ours_class:.2f}x stock "
          f"(convgrade --jobs {args.jobs}, stock serial)")
    print("one `convgrade grade`, seconds per phase:")
    for name, seconds in profile["seconds"].items():
        print(f"  {name:28} {seconds:6.2f}")
    print(f"  hidden-check round trips to the kernel: {profile['kernel_calls']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
