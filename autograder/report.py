"""Tell people the score: Gradescope's results.json, a terminal table, GitHub's step summary
and a score annotation when running under GitHub Actions.

Verdicts quote what a student's code raised, and titles name the student's file, so every
piece of text shown here is the student's as far as the terminal is concerned: it is printed
literally (:func:`literal`), never read as rich markup, as terminal escape sequences or as
GitHub workflow commands.
"""
from __future__ import annotations

import html
import json
import os
import re
import sys

from rich.console import Console
from rich.table import Table
from rich.text import Text

MAX_RESULTS_BYTES = 1_000_000

# control characters but line breaks and tabs, and the bidirectional overrides that can make a
# line read differently from what it holds
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def visible(text) -> str:
    """``text`` with control characters (escape sequences, bells, carriage returns) written
    as ``\\x..`` escapes, so a terminal shows them instead of obeying them."""
    return _UNPRINTABLE.sub(lambda m: ascii(m.group())[1:-1], str(text))


def literal(text, style: str = "") -> Text:
    """Text that rich prints as it is: no markup, no emoji codes, no control sequences."""
    return Text(visible(text), style=style)


def write_results(results: dict, path) -> None:
    """Gradescope's results format, kept under 1 MB by trimming the longest outputs."""
    body = {k: results[k] for k in ("score", "max_score", "tests", "output", "execution_time")
            if k in results}
    text = json.dumps(body, indent=1)
    while len(text.encode()) > MAX_RESULTS_BYTES:
        longest = max(body["tests"], key=lambda t: len(t["output"]))
        longest["output"] = longest["output"][: len(longest["output"]) // 2] + " [trimmed]"
        text = json.dumps(body, indent=1)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


VERDICT_CHARS = 200      # of a verdict shown in the terminal table (the JSON keeps it whole)


#: Columns of the tables when they go to a file or a pipe (a CI log): wide enough for a class
#: table of every assignment, where rich's default of 80 would cut it.
LOG_WIDTH = 120


def wide_console() -> Console:
    """rich's console for a terminal or a set ``COLUMNS``; :data:`LOG_WIDTH` columns wide for
    anything else."""
    if sys.stdout.isatty() or os.environ.get("COLUMNS"):
        return Console()
    return Console(width=LOG_WIDTH)


def shortened(text: str, limit: int = VERDICT_CHARS) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when it was cut."""
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


def table(results: dict, title: str) -> Table:
    """The results as a table, one row per graded cell, and a total that says how many of the
    points are autograded and how many belong to written answers graded by hand."""
    out = Table(title=literal(title))
    out.add_column("test cell")
    out.add_column("points", justify="right")
    out.add_column("verdict", overflow="fold")
    for test in results["tests"]:
        out.add_row(literal(test["name"]), literal(f"{test['score']:g} / {test['max_score']:g}"),
                    literal(shortened(test["output"])))
    by_hand = sum(t["max_score"] for t in results["tests"] if "status" not in t)
    note = (f"autograded {results['score']:g} / {results['max_score'] - by_hand:g}; "
            f"+ {by_hand:g} points of written answers, graded by hand") if by_hand else ""
    out.add_row(literal("total", "bold"),
                literal(f"{results['score']:g} / {results['max_score']:g}", "bold"), literal(note))
    return out


def print_results(results: dict, title: str, console: Console = None) -> None:
    (console or wide_console()).print(table(results, title))


def print_notes(results: dict, console: Console = None) -> None:
    """The grader's notes (unsandboxed, refused files, repairs, limits hit), literally."""
    for line in str(results.get("output") or "").splitlines():
        (console or wide_console()).print(literal(f"note: {line}"))


def not_graded(who: str, error: str) -> Text:
    """The line for a submission that could not be graded: ``who`` and ``error`` literally."""
    return Text.assemble(("not graded", "red"), " ", literal(who), ": ", literal(error))


def workflow_data(text) -> str:
    """``text`` escaped as the message of a GitHub workflow command (one line, no command)."""
    return str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _summary_cell(text) -> str:
    return html.escape(visible(text), quote=False).replace("|", "\\|").replace("\n", " ")


def github(results: dict, title: str) -> None:
    """Step summary (markdown) and a notice annotation with the score, under GitHub Actions."""
    if os.environ.get("GITHUB_ACTIONS") != "true":
        return
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        lines = [f"## {_summary_cell(title)}: {results['score']:g} / {results['max_score']:g}", "",
                 "| test cell | points | verdict |", "| --- | --- | --- |"]
        for test in results["tests"]:
            lines.append(f"| {_summary_cell(test['name'])} | {test['score']:g} / "
                         f"{test['max_score']:g} | {_summary_cell(test['output'][:200])} |")
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
    print(f"::notice title=convgrade score::{workflow_data(visible(title))}: "
          f"{results['score']:g} / {results['max_score']:g}")
