"""A student's round trip through a real browser: JupyterLab serves a released notebook,
headless Chromium (Debian's ``chromium``, driven by Playwright) runs all its cells, types one
answer, runs that cell and saves; ``convgrade grade`` then grades the file JupyterLab wrote."""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT, release_nb, run_grade, scores, source_nb
from convgrade.students import solution_answers

ASSIGNMENT = "conv_layer"
# the function the browser answers: short, and no line the editor re-indents (`else:`)
ANSWERED = "dense_param_count"
BLANK = "corr2d"                    # a function left blank
CHROMIUM = os.environ.get("CONVGRADE_CHROMIUM", "/usr/bin/chromium")
# Chromium in a closed network: no sandbox (root), no background connections it would retry
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
TIMEOUT = 60                        # seconds for any one wait (the machine may be busy)


def _chromium() -> str:
    path = CHROMIUM if os.path.isfile(CHROMIUM) else shutil.which("chromium")
    if not path:
        pytest.fail(f"no Chromium at {CHROMIUM} nor on PATH: install Debian's `chromium` "
                    "package (apt-get install -y chromium; .ci/run does) or set "
                    "CONVGRADE_CHROMIUM", pytrace=False)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(what: str, ready, timeout: float = TIMEOUT, every: float = 0.2):
    """Poll ``ready()`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = ready()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)


class Lab:
    """``jupyter lab`` on a loopback port with a token, in its own folders, without a browser."""

    def __init__(self, root: Path, home: Path):
        self.root, self.port, self.token = root, _free_port(), secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        config = home / "config"
        settings = home / "settings"
        # no news prompt in the corner of the page
        notification = settings / "@jupyterlab" / "apputils-extension"
        notification.mkdir(parents=True)
        (notification / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False}))
        env = {**os.environ, "JUPYTER_CONFIG_DIR": str(config),
               "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
               "JUPYTERLAB_SETTINGS_DIR": str(settings),
               "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
               "IPYTHONDIR": str(home / "ipython")}
        self.log = open(home / "lab.log", "w+")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
             "--ip=127.0.0.1", f"--port={self.port}", "--ServerApp.port_retries=0",
             f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={root}",
             "--LabApp.news_url=None"],
            cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()[-4000:]

    def _api(self, path: str, method: str = "GET"):
        request = urllib.request.Request(f"{self.url}{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read() or b"null")

    def wait_ready(self):
        def ready():
            if self.proc.poll() is not None:
                pytest.fail(f"jupyter lab exited ({self.proc.returncode}):\n{self.output()}",
                            pytrace=False)
            try:
                return self._api("/api/status")
            except (OSError, urllib.error.URLError):
                return None
        _wait("JupyterLab to answer", ready)

    def stop(self):
        try:
            if self.proc.poll() is None:
                self._api("/api/shutdown", "POST")     # also shuts its kernels down
                self.proc.wait(timeout=20)
        except (OSError, urllib.error.URLError, subprocess.TimeoutExpired):
            pass
        finally:
            if self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=20)
            self.log.close()


def _answer_source(nb) -> str:
    return next(c.source for c in nb.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == ANSWERED)


def _type_code(page, text: str):
    """Type ``text`` into the focused CodeMirror editor key by key, line by line; before each
    line, remove the indentation the editor adds after Enter, so the text lands verbatim
    (the cursor is at the end of the cell, so Delete finds nothing else to remove)."""
    for i, line in enumerate(text.split("\n")):
        if i:
            page.keyboard.press("Enter")
            page.keyboard.press("Shift+Home")   # selects the auto-indent, if any
            page.keyboard.press("Delete")
        page.keyboard.type(line)


def test_student_answers_in_jupyterlab_and_the_saved_file_grades(tmp_path):
    chromium = _chromium()
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        pytest.fail("Playwright is missing: pip install -e '.[test]'", pytrace=False)

    work = tmp_path / "student"
    work.mkdir()
    notebook = work / f"{ASSIGNMENT}.ipynb"
    shutil.copy(ROOT / "assignments" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", notebook)
    # the student replaces the stub's lines (the cell's last ones) with the instructor's code
    answer = solution_answers(source_nb(ASSIGNMENT))[ANSWERED]
    stub = "    # YOUR CODE HERE\n    raise NotImplementedError()"
    released = _answer_source(release_nb(ASSIGNMENT))
    assert released.endswith(stub) and answer.startswith(released[:-len(stub)]), released
    typed = answer[len(released) - len(stub):]

    lab = Lab(work, tmp_path / "jupyter")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, headless=True,
                                         args=CHROMIUM_ARGS)
            try:
                lab.wait_ready()
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.set_default_timeout(TIMEOUT * 1000)
                expect.set_options(timeout=TIMEOUT * 1000)
                page.goto(f"{lab.url}/lab/tree/{notebook.name}?reset&token={lab.token}")
                panel = page.locator(".jp-NotebookPanel").filter(
                    has=page.locator(".jp-Notebook"))
                expect(panel).to_be_visible()
                cells = panel.locator(".jp-Notebook .jp-Cell")
                expect(cells).to_have_count(len(release_nb(ASSIGNMENT).cells))
                # the kernel is up before anything runs
                expect(page.locator(".jp-Notebook-ExecutionIndicator")).to_have_attribute(
                    "data-status", "idle")

                # Run > Run All Cells: the first test cell (still a stub above it) stops the run
                page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
                page.locator(".lm-Menu-item", has=page.locator(
                    ".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$"))).click()
                stub_test = cells.filter(has_text=f"assert {ANSWERED}(")
                expect(stub_test.locator(".jp-OutputArea-output")).to_contain_text(
                    "NotImplementedError")
                expect(cells.nth(1).locator(".jp-InputPrompt")).to_contain_text("[1]")

                # the student's answer, typed into the answer cell in place of the stub
                cell = cells.filter(has_text=f"def {ANSWERED}(")
                expect(cell).to_have_count(1)
                cell.locator(".cm-content").click()
                page.keyboard.press("Control+End")
                for _ in range(stub.count("\n")):
                    page.keyboard.press("Shift+ArrowUp")
                page.keyboard.press("Shift+Home")             # to the indentation,
                page.keyboard.press("Shift+Home")             # then to the line's start
                _type_code(page, typed)
                # run it and stay on it: its prompt shows the kernel's next execution count
                counts = [int(n) for n in re.findall(
                    r"\[(\d+)\]", " ".join(cells.locator(".jp-InputPrompt").all_inner_texts()))]
                run_count = max(counts) + 1
                page.keyboard.press("Control+Enter")
                expect(cell.locator(".jp-InputPrompt")).to_have_text(f"[{run_count}]:")
                page.keyboard.press("Control+s")

                def saved():
                    try:
                        return _answer_source(nbformat.read(notebook, 4)) == answer
                    except Exception:                         # mid-write
                        return False
                _wait("JupyterLab to save the typed answer", saved)
            except BaseException:                             # what the page and server showed
                shot = tmp_path / "browser-failure.png"
                try:
                    browser.contexts[0].pages[0].screenshot(path=shot, timeout=10_000)
                except Exception as error:
                    shot = f"none ({error})"
                print(f"screenshot: {shot}\njupyter lab's log:\n{lab.output()}")
                raise
            finally:
                browser.close()
    finally:
        lab.stop()

    saved_nb = nbformat.read(notebook, 4)
    nbformat.validate(saved_nb)
    # the answer cell ran in the browser's kernel, and its source is exactly what was typed
    cell = next(c for c in saved_nb.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == ANSWERED)
    assert cell.execution_count == run_count, cell

    code, results, output = run_grade(notebook, tmp_path, "--assignment", ASSIGNMENT)
    assert code == 0, output
    tests = {t["name"]: t for t in results["tests"]}
    answered = tests[f"test_{ANSWERED}"]
    assert answered["score"] == answered["max_score"] > 0, answered
    blank = tests[f"test_{BLANK}"]
    assert blank["score"] == 0 and blank["max_score"] > 0, blank
    assert "not answered yet" in blank["output"], blank
    others = {name: s for name, s in scores(results).items() if name != f"test_{ANSWERED}"}
    assert not any(others.values()), others
