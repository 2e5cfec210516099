"""Student text in what convgrade prints is shown literally: never rich markup, never a
terminal escape sequence, never a GitHub workflow command, and never a reason to exit 1."""
from __future__ import annotations

import io
import json
import os
import subprocess

from rich.console import Console

from conftest import CONVGRADE, ROOT, release_nb, source_nb, write
from convgrade.report import github, literal, not_graded, print_results, table, workflow_data
from convgrade.students import fill, solution_answers

MARKUP = "[/oops] [bold red]x[/] [link=javascript:alert(1)]y[/link]"
RAISING = f'''import numpy as np
def corr2d(X, K):
    raise ValueError({MARKUP!r})
'''


def _shown(renderable, width=400) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(renderable)
    return console.file.getvalue()


def test_literal_keeps_markup_and_shows_control_characters():
    assert _shown(literal(MARKUP)).strip() == MARKUP
    assert _shown(literal(":smile: [b]")).strip() == ":smile: [b]"
    shown = _shown(literal("red\x1b[31m\x07bell\rback\u202eevil"))
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert "\\x1b[31m" in shown and "\\u202e" in shown
    assert _shown(not_graded("ann/[b]x[/b]", "Error: [/]")).strip() == "not graded ann/[b]x[/b]: Error: [/]"


def test_results_table_prints_verdicts_literally():
    results = {"score": 0, "max_score": 3, "tests": [
        {"name": "test_[b]corr2d", "score": 0, "max_score": 3, "output": MARKUP}]}
    text = _shown(table(results, "[/] title"))
    assert MARKUP in text and "test_[b]corr2d" in text and "[/] title" in text
    print_results(results, "[/x]", Console(file=io.StringIO()))      # does not raise


def test_github_annotations_cannot_inject(tmp_path, monkeypatch, capsys):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    results = {"score": 1, "max_score": 3, "tests": [
        {"name": "test_corr2d", "score": 1, "max_score": 3,
         "output": "bad | <img src=x onerror=alert(1)>\n::error::forged"}]}
    github(results, "conv_layer (x\n::add-mask::secret%.ipynb)")
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("::notice title=convgrade score::")
    assert "%0A::add-mask::secret%25" in out
    text = summary.read_text()
    assert "<img" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "bad \\| " in text and "\n::error" not in text
    assert workflow_data("a%\r\n") == "a%25%0D%0A"


def test_cli_prints_a_raised_markup_message_literally(tmp_path):
    answers = {**solution_answers(source_nb()), "corr2d": RAISING}
    path = write(fill(release_nb(), answers), tmp_path / "[bold]mine[red].ipynb")
    out = tmp_path / "results.json"
    summary = tmp_path / "summary.md"
    env = {**os.environ, "COLUMNS": "400", "GITHUB_ACTIONS": "true",
           "GITHUB_STEP_SUMMARY": str(summary)}
    proc = subprocess.run([*CONVGRADE, "grade", str(path), "--assignment", "conv_layer",
                           "--json", str(out)], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "MarkupError" not in proc.stderr
    verdict = {t["name"]: t["output"] for t in json.loads(out.read_text())["tests"]}["test_corr2d"]
    assert MARKUP in verdict                                     # the oracle: what the grader said
    assert MARKUP in proc.stdout                                 # ... printed as it is
    assert "[bold]mine[red].ipynb" in proc.stdout
    assert "\x1b]8;" not in proc.stdout                          # no terminal hyperlink made
    assert MARKUP.replace("|", "\\|") in summary.read_text()


def test_every_option_and_argument_of_every_command_says_what_it_is():
    """``--help`` of each command documents each of its arguments (argparse prints no text
    for an argument without help)."""
    import argparse
    from convgrade.cli import parser
    top = parser()
    commands = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction))
    assert set(commands.choices) >= {"grade", "release", "autograde", "validate", "demo"}
    for name, command in commands.choices.items():
        for action in command._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert action.help, f"convgrade {name}: {action.dest} has no help"
    assert "SPEC" not in (top.description or "")


def test_release_outside_a_course_folder_writes_nothing_and_says_why(tmp_path):
    """``convgrade release`` writes into the course: run where there is none, it does not fall
    back to the course the package was installed from, and says how to name one."""
    import os
    import subprocess
    import sys
    from conftest import ROOT
    release = ROOT / "assignments" / "conv_layer" / "conv_layer.ipynb"
    before = release.stat().st_mtime_ns
    env = {k: v for k, v in os.environ.items() if k != "CONVGRADE_COURSE"}
    proc = subprocess.run([sys.executable, "-m", "convgrade.cli", "release", "conv_layer"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert "--course" in proc.stderr and proc.stdout == ""
    assert release.stat().st_mtime_ns == before


def test_tables_printed_to_a_log_are_wide_enough_for_a_class(monkeypatch):
    """Piped (CI logs), rich would cut a table of seven assignments at 80 columns."""
    from convgrade.report import LOG_WIDTH, wide_console
    monkeypatch.delenv("COLUMNS", raising=False)
    assert wide_console().width == LOG_WIDTH >= 100            # pytest captures: not a terminal
    monkeypatch.setenv("COLUMNS", "90")
    assert wide_console().width == 90                          # an explicit width wins
