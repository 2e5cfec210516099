"""Check your notebook before you hand it in:  python check.py conv_layer.ipynb

Runs your notebook from the top in a fresh kernel, as the grader will, and reports each test
cell the way the grader's feedback does: passed, not answered yet, or what went wrong and on
which line of the test. It runs only the visible tests that are in your notebook: the grader
runs more checks on fresh inputs, so passing here is a good sign, not a grade. Needs only
what Jupyter already installed (nbformat, nbclient, ipykernel); your notebook is not changed.
"""
import re
import sys

import nbformat
from nbclient import NotebookClient

ANSI = re.compile(r"\x1b\[[0-9;]*m")
TIMEOUT = 120                                  # seconds per cell


def _nbgrader(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def _is_test(cell) -> bool:
    meta = _nbgrader(cell)
    return cell.cell_type == "code" and meta.get("grade") is True and not meta.get("solution")


def _failing_line(cell, traceback) -> str:
    """The line of the test cell the error came from, as written in the cell."""
    text = ANSI.sub("", "\n".join(traceback or ()))
    found = re.search(r"line (\d+)", text)
    lines = cell.source.splitlines()
    if found and 0 < int(found.group(1)) <= len(lines):
        return f"line {found.group(1)}: {lines[int(found.group(1)) - 1].strip()}"
    return ""


def verdict(cell) -> tuple:
    """``(passed, message)`` for an executed test cell."""
    error = next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)
    if error is None:
        return True, "the visible checks pass"
    name, value = error.get("ename", "Error"), ANSI.sub("", error.get("evalue", "")).strip()
    where = _failing_line(cell, error.get("traceback"))
    if name == "NotImplementedError":
        return False, "not answered yet: a function this cell tests still raises NotImplementedError"
    if name == "NameError":
        return False, f"{value}: run the cell that defines it, and keep the name the task gives"
    detail = " ".join(value.split())[:400]
    return False, f"{where} failed ({name}{': ' + detail if detail else ''})"


def check(path) -> int:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=TIMEOUT, allow_errors=True, kernel_name="python3")
    client.execute()
    tests = [cell for cell in nb.cells if _is_test(cell)]
    passed = 0
    for cell in tests:
        ok, message = verdict(cell)
        passed += ok
        points = _nbgrader(cell).get("points", 0)
        print(f"{'PASS' if ok else 'FAIL'}  {_nbgrader(cell).get('grade_id', '?')} "
              f"({points:g} point{'s' * (points != 1)}): {message}")
    print(f"{passed} of {len(tests)} test cells pass their visible checks. The grader runs "
          "more checks on fresh inputs (partial credit by requirement).")
    return 0 if passed == len(tests) else 1


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__.splitlines()[0], file=sys.stderr)
        sys.exit(2)
    sys.exit(check(sys.argv[1]))
