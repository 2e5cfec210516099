"""The ``convgrade`` command: grade, release, autograde, gather, export, feedback, gradescope,
validate, demo (what each promises: docs/contract.md)."""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from .phases import since_process_start

_STARTED = since_process_start()        # the interpreter's start-up and convgrade's own import


NO_SANDBOX = ("grade even where the sandbox (bubblewrap, run as root) is unavailable: student "
              "code then runs as your user; every result says \"unsandboxed\"")


DB = ("the gradebook as an SQLAlchemy URL, e.g. postgresql://USER@HOST/DB (driver: pip install "
      "'convgrade[postgresql]'); default: gradebook.db, SQLite, in the class folder")


def cmd_grade(args) -> int:
    imports = since_process_start()
    from . import policy
    from .sandbox import Jail, Limits, missing, start_standby
    memory = args.memory_mib * 2**20 if args.memory_mib else policy.MEMORY_LIMIT
    jail = Jail(Limits(memory_bytes=memory), sandboxed=not args.no_sandbox)
    if not jail.sandboxed or not missing():
        try:
            start_standby(jail)          # the kernel starts while the grader loads the rest
        except Exception:  # noqa: BLE001 - grading starts one itself, and says what failed
            pass
    from .course import Course, CourseError
    from .grade import CannotGrade, grade_notebook
    from .report import github, print_notes, print_results, write_results
    imports = since_process_start() - imports + _STARTED
    try:
        course = Course.find(args.course)
        limits = {k: v for k, v in (("timeout", args.cell_timeout), ("call_timeout", args.cell_timeout),
                                    ("memory_limit", args.memory_mib and args.memory_mib * 2**20))
                  if v}
        if args.no_sandbox:
            limits["sandbox"] = False
        results, graded = grade_notebook(args.notebook, args.assignment, course, **limits)
    except (CannotGrade, CourseError) as error:
        print(f"convgrade grade: cannot grade: {error}", file=sys.stderr)
        return 2
    title = f"{results['assignment']} ({Path(args.notebook).name})"
    writing = time.perf_counter()
    if args.json:
        write_results(results, args.json)
    try:
        print_results(results, title)
        print_notes(results)
        github(results, title)
    except Exception as error:  # noqa: BLE001 - graded is graded: only showing it failed
        print(f"convgrade grade: graded ({results['score']:g} / {results['max_score']:g}) but the "
              f"score table could not be shown ({type(error).__name__})", file=sys.stderr)
    if args.profile:
        phases = {"start-up and imports": round(imports, 3), **graded.metadata["convgrade"]["phases"],
                  "writing results": round(time.perf_counter() - writing, 3)}
        profile = {"seconds": phases, "kernel_calls": graded.metadata["convgrade"]["kernel_calls"]}
        print("profile: " + json.dumps(profile), file=sys.stderr)
    return 0


def cmd_release(args) -> int:
    from .release import release
    return release(args.course, args.assignment)


def shard(text: str) -> tuple:
    """``--shard I/N``: the I-th of N slices, 1 <= I <= N."""
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not I/N (e.g. 2/4)") from None
    if not 1 <= index <= count:
        raise argparse.ArgumentTypeError(f"{text!r}: I must be between 1 and N")
    return index, count


def cmd_autograde(args) -> int:
    # the cluster starts once there is something to grade (its kernels boot while the
    # gradebook is readied), its workers forked after the imports
    from .classroom import autograde_class
    return autograde_class(args.course, args.assignment, jobs=args.jobs, export=args.export,
                           class_dir=args.class_dir, force=args.force, sandboxed=not args.no_sandbox,
                           scheduler=args.scheduler, shard=args.shard, results_dir=args.results,
                           db_url=args.db)


def cmd_gather(args) -> int:
    from .classroom import gather_class
    return gather_class(args.course, args.results, export=args.export, class_dir=args.class_dir,
                        db_url=args.db)


def cmd_collect(args) -> int:
    from .collect import (TOKEN_VARIABLE, CollectError, from_canvas_zip, from_repositories,
                          report, write_manifest)
    from .course import Course, CourseError
    try:
        course = Course.find(args.course)
        class_dir = Path(args.class_dir or course.root)
        assignments = args.assignment or course.assignment_ids()
        for assignment in assignments:
            course.source_notebook(assignment)
        if args.canvas_zip:
            if len(assignments) != 1:
                raise CollectError("--canvas-zip holds one assignment: name it")
            collection = from_canvas_zip(args.canvas_zip, args.roster, assignments[0], class_dir)
        else:
            collection = from_repositories(args.roster, assignments, class_dir,
                                           os.environ.get(TOKEN_VARIABLE))
    except (CourseError, CollectError) as error:
        print(f"convgrade collect: {error}", file=sys.stderr)
        return 2
    for line in report(collection):
        print(line)
    print(f"manifest: {write_manifest(class_dir, collection)}")
    return 1 if collection.failures else 0


def cmd_validate(args) -> int:
    from .validate import validate
    return validate(args.course, args.assignment, jobs=args.jobs)


def cmd_demo(args) -> int:
    from .workers import preload
    preload(args.assignment)                    # once, shared by every worker forked below
    from .cluster import start_cluster
    from .sandbox import unavailable
    workers = start_cluster(args.jobs, sandboxed=not unavailable())  # kernels boot meanwhile
    from .demo import demo
    return demo(args.course, args.out, students=args.students, jobs=args.jobs,
                assignments=args.assignment, workers=workers)


def cmd_export(args) -> int:
    from .classroom import GradebookUnavailable, check_gradebook, class_config, export_csv
    from .course import Course, CourseError
    from .exports import RosterError, export
    try:
        course = Course.find(args.course)
    except CourseError as error:
        print(f"convgrade export: {error}", file=sys.stderr)
        return 2
    class_dir = Path(args.class_dir or course.root)
    config = class_config(course, class_dir, args.db)
    if not Path(config.CourseDirectory.db_url.removeprefix("sqlite:///")).exists() and \
            config.CourseDirectory.db_url.startswith("sqlite"):
        print(f"convgrade export: no gradebook in {class_dir} (run convgrade autograde first)",
              file=sys.stderr)
        return 2
    try:
        check_gradebook(config.CourseDirectory.db_url)
    except GradebookUnavailable as error:
        print(f"convgrade export: the gradebook {error}", file=sys.stderr)
        return 2
    out = Path(args.output or class_dir / f"{args.to}-grades.csv")
    try:
        if args.to == "csv":
            export_csv(config, out)
        else:
            export(config, args.to, out, args.roster, args.assignment)
    except RosterError as error:
        print(f"convgrade export: {error}", file=sys.stderr)
        return 2
    print(f"{args.to} grades: {out}")
    return 0


def cmd_feedback(args) -> int:
    from .course import Course, CourseError
    from .exports import feedback_zips
    try:
        class_dir = Path(args.class_dir or Course.find(args.course).root)
    except CourseError as error:
        print(f"convgrade feedback: {error}", file=sys.stderr)
        return 2
    zips = feedback_zips(class_dir, args.output or class_dir / "feedback-zips", args.assignment)
    if not zips:
        print(f"convgrade feedback: no feedback under {class_dir / 'feedback'} (run convgrade "
              "autograde first)", file=sys.stderr)
        return 1
    print(f"{len(zips)} feedback zip{'s' * (len(zips) != 1)} in {zips[0].parent}")
    return 0


def cmd_gradescope(args) -> int:
    from .course import Course, CourseError
    from .gradescope import build
    try:
        out = build(Course.find(args.course), args.assignment, args.output)
    except CourseError as error:
        print(f"convgrade gradescope: {error}", file=sys.stderr)
        return 2
    print(f"Gradescope autograder for {args.assignment}: {out} (upload it as the assignment's "
          "autograder; it holds the solutions and hidden checks: share it with instructors only)")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="convgrade", description=__doc__)
    top.add_argument("--course", help="course folder (default: found from the working directory)")
    sub = top.add_subparsers(dest="command", required=True)

    p = sub.add_parser("grade", help="grade one submitted notebook")
    p.add_argument("notebook", help="the submitted .ipynb file")
    p.add_argument("--assignment", help="assignment id (default: from the file name or its cells)")
    p.add_argument("--json", help="write Gradescope's results.json here")
    p.add_argument("--cell-timeout", type=int, help="seconds per cell and per grader call "
                   "(default: convgrade.policy)")
    p.add_argument("--memory-mib", type=int, help="memory limit of the notebook's kernel in MiB")
    p.add_argument("--no-sandbox", action="store_true", help=NO_SANDBOX)
    p.add_argument("--profile", action="store_true", help="print the seconds each phase took "
                   "(start-up and imports, reading, kernel start, cells, hidden checks, writing) "
                   "and the number of hidden-check round trips to the kernel, to stderr as JSON")
    p.set_defaults(run=cmd_grade)

    p = sub.add_parser("release", help="regenerate assignments/ from solutions/ and check for leaks")
    p.add_argument("assignment", nargs="*", help="assignment ids (default: all)")
    p.set_defaults(run=cmd_release)

    p = sub.add_parser("autograde", help="grade a whole class through nbgrader's gradebook")
    p.add_argument("assignment", nargs="*", help="assignment ids (default: all with submissions)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="submissions graded at once (default: the number of cores)")
    p.add_argument("--export", default="grades.csv", help="CSV export of the gradebook "
                   "(default grades.csv in the class folder)")
    p.add_argument("--class-dir", help="folder holding submitted/ (default: the course folder)")
    p.add_argument("--force", action="store_true", help="regrade submissions graded already")
    p.add_argument("--no-sandbox", action="store_true", help=NO_SANDBOX)
    p.add_argument("--scheduler", metavar="ADDRESS", help="grade on this Dask cluster "
                   "(tcp://HOST:PORT or tls://...) instead of worker processes started here")
    p.add_argument("--shard", type=shard, metavar="I/N", help="grade only the I-th of N slices "
                   "of the submissions and write a result file for each (see --results) instead "
                   "of the gradebook; convgrade gather records them")
    p.add_argument("--results", metavar="DIR", help="where --shard writes its result files "
                   "(default results/ in the class folder)")
    p.add_argument("--db", metavar="URL", help=DB)
    p.set_defaults(run=cmd_autograde)

    p = sub.add_parser("gather", help="record result files of autograde --shard into the gradebook")
    p.add_argument("results", nargs="+", help="folders holding result files (searched deeply)")
    p.add_argument("--export", default="grades.csv", help="CSV export of the gradebook "
                   "(default grades.csv in the class folder)")
    p.add_argument("--class-dir", help="the class folder for the gradebook, autograded/ and "
                   "feedback/ (default: the course folder)")
    p.add_argument("--db", metavar="URL", help=DB)
    p.set_defaults(run=cmd_gather)

    p = sub.add_parser("export", help="the class gradebook as an LMS gradebook import CSV")
    p.add_argument("assignment", nargs="*", help="assignment ids (default: all)")
    p.add_argument("--to", choices=["canvas", "moodle", "csv"], default="canvas",
                   help="the LMS format (default canvas; csv: nbgrader's own with a status column)")
    p.add_argument("--roster", help="CSV mapping student ids to the LMS: student_id, name, "
                   "canvas_id, sis_user_id, sis_login_id, section, email, id_number")
    p.add_argument("-o", "--output", help="file to write (default <to>-grades.csv in the class folder)")
    p.add_argument("--class-dir", help="folder holding the gradebook (default: the course folder)")
    p.add_argument("--db", metavar="URL", help=DB)
    p.set_defaults(run=cmd_export)

    p = sub.add_parser("feedback", help="zip each student's feedback pages for an LMS upload")
    p.add_argument("assignment", nargs="*", help="assignment ids (default: all)")
    p.add_argument("-o", "--output", help="folder for the zips, one <student>.zip each "
                   "(default feedback-zips in the class folder)")
    p.add_argument("--class-dir", help="folder holding feedback/ (default: the course folder)")
    p.set_defaults(run=cmd_feedback)

    p = sub.add_parser("gradescope", help="build Gradescope's autograder zip for an assignment")
    p.add_argument("assignment", help="assignment id")
    p.add_argument("-o", "--output", default="autograder.zip",
                   help="the zip to write (default autograder.zip)")
    p.set_defaults(run=cmd_gradescope)

    p = sub.add_parser("collect", help="gather submissions from students' repositories or a "
                       "Canvas zip into submitted/")
    p.add_argument("assignment", nargs="*", help="assignment ids (default: all of the course; "
                   "exactly one with --canvas-zip)")
    p.add_argument("--roster", required=True, help="CSV of students' repositories (student_id, "
                   "repository as OWNER/NAME, URL or path, optional ref); with --canvas-zip, the "
                   "LMS roster with canvas_id")
    p.add_argument("--canvas-zip", help="Canvas's Download Submissions zip of one assignment")
    p.add_argument("--class-dir", help="folder to collect into, submitted/ and collected.csv "
                   "(default: the course folder)")
    p.set_defaults(run=cmd_collect)

    p = sub.add_parser("validate", help="instructor self-check: solutions, release, mistake catalogue")
    p.add_argument("assignment", nargs="*", help="assignment ids (default: all)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="notebooks graded at once (default: the number of cores)")
    p.set_defaults(run=cmd_validate)

    p = sub.add_parser("demo", help="grade a synthetic class end to end")
    p.add_argument("assignment", nargs="*", help="assignment ids (default: all)")
    p.add_argument("--out", default="convgrade-demo", help="folder for the demo's class run, "
                   "replaced if it exists (default convgrade-demo)")
    p.add_argument("--students", type=int, help="size of the synthetic class (default 12, "
                   "at least 3)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="notebooks graded at once (default: the number of cores)")
    p.set_defaults(run=cmd_demo)
    return top


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
