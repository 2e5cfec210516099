"""Execute a notebook with nbgrader, but let the grader process decide every test cell.

Answer cells and the visible part of each test cell run in the student's kernel as usual.
The hidden part of a test cell never goes there: the grader runs it itself, with every
student function it names replaced by a :class:`~convgrade.remote.KernelFunction`. The
cell's outputs are then rewritten so that nbgrader's own scoring reads the grader's verdict:
an error output when a check failed, none when it passed, and nothing the kernel printed
(stderr, an error in the visible part, an ``execute_result``) can change that.
"""
from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
import warnings
from pathlib import Path

from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_output
from nbgrader import utils
from nbgrader.preprocessors import Execute
from nbgrader.coursedir import CourseDirectory
from traitlets import Integer, List, Unicode

from . import hidden_inputs, policy
from .checks import CheckFailed, seeded
from .remote import MIME, KernelFunction, ShortcutUsed, StudentError
from .sandbox import (Limits, SandboxedKernelManager, Spec, default_hide, default_keep, isolation,
                      prepare_work)

HARNESS = (Path(__file__).with_name("harness.py")).read_text()
HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS[ \t]*\n(.*?)^[ \t]*### END HIDDEN TESTS[ \t]*\n?",
                    re.S | re.M)


def split_hidden(source: str):
    """``(visible code, hidden code)`` of a test cell's source."""
    hidden = "\n".join(m.group(1) for m in HIDDEN.finditer(source))
    return HIDDEN.sub("", source), hidden


def is_test_cell(cell) -> bool:
    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


class StudentNamespace(dict):
    """Names the hidden code does not define itself resolve to the student's functions."""

    def __init__(self, make):
        super().__init__()
        self._make = make

    def __missing__(self, name):
        return self._make(name)


def _stream(text):
    return new_output("stream", name="stdout", text=text)


def verdict_outputs(outputs, passed: bool, message: str):
    """Kernel outputs made harmless (stderr and errors become plain text, results become
    displays), followed by the grader's verdict."""
    kept = []
    for out in outputs:
        if out.output_type == "stream":
            kept.append(_stream(out.text) if out.name == "stderr" else out)
        elif out.output_type == "error":
            kept.append(_stream(f"[visible test] {out.ename}: {out.evalue}\n"))
        elif out.output_type == "execute_result":
            kept.append(new_output("display_data", data=out.data, metadata=out.get("metadata", {})))
        else:
            kept.append(out)
    if passed:
        kept.append(_stream(f"\u2714 {message}\n"))
    else:
        kept.append(new_output("error", ename="CheckFailed", evalue=message,
                               traceback=[f"CheckFailed: {message}"]))
    return kept


class ExecuteWithChecks(Execute):
    """nbgrader's ``Execute`` with test cells judged in the grader process."""

    call_timeout = Integer(policy.CALL_TIMEOUT, help="seconds for one batch of calls into "
                           "a student function").tag(config=True)
    notebook_timeout = Integer(policy.NOTEBOOK_TIMEOUT, help="wall-clock seconds for the "
                               "whole notebook").tag(config=True)
    memory_limit = Integer(policy.MEMORY_LIMIT, help="bytes of memory for the kernel").tag(config=True)
    cpu_limit = Integer(policy.CPU_LIMIT, help="CPU seconds for the kernel").tag(config=True)
    process_limit = Integer(policy.PROCESS_LIMIT).tag(config=True)
    output_limit = Integer(policy.OUTPUT_LIMIT, help="bytes of output kept per cell").tag(config=True)
    hide = List(Unicode(), help="extra folders the kernel must not see").tag(config=True)
    course_root = Unicode("", help="course folder whose secret makes the hidden inputs "
                          "unpredictable (default: from nbgrader's CourseDirectory)").tag(config=True)
    kernel_manager_class = SandboxedKernelManager

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # the kernel's own chatter on stderr (e.g. transport warnings) is not the student's
        self.extra_arguments = [*self.extra_arguments, "--IPKernelApp.log_level=ERROR"]

    @property
    def limits(self) -> Limits:
        return Limits(memory_bytes=self.memory_limit, cpu_seconds=self.cpu_limit,
                      processes=self.process_limit)

    def preprocess(self, nb, resources=None, km=None):
        """Execute in a fresh private folder holding a copy of the submission's other files."""
        self._dead = None
        self._started = time.monotonic()
        self.events = []
        self._output_used, self._truncated = {}, set()
        resources = resources or {}
        origin = resources.get("metadata", {}).get("path") or None
        with tempfile.TemporaryDirectory(prefix="convgrade-kernel-") as work:
            if origin and Path(origin).is_dir():
                for item in Path(origin).iterdir():
                    if item.is_file() and item.suffix != ".ipynb" and item.stat().st_size < 2**24:
                        shutil.copy(item, work)
            self._seeds = self._hidden_seeds(nb, work)
            prepare_work(work)
            resources.setdefault("metadata", {})["path"] = work
            try:
                nb, resources = super().preprocess(nb, resources, km)
            finally:
                resources["metadata"]["path"] = origin
        nb.metadata.setdefault("convgrade", {})["events"] = list(self.events)
        return nb, resources

    # -- hidden inputs: one seed per submission and test cell (convgrade.hidden_inputs) --------

    def _course_folder(self):
        """The course root: ``course_root`` when given, else the parent of nbgrader's source
        directory (a class run may keep its own root elsewhere); None when neither is known."""
        if self.course_root:
            return Path(self.course_root)
        if self.config.get("CourseDirectory", {}).get("root"):
            coursedir = CourseDirectory(config=self.config)
            return Path(coursedir.root, coursedir.source_directory).resolve().parent
        return None

    def _secret_folder(self) -> list:
        """The folder of the course secret, when there is one: hidden from the kernel whatever
        else it may see."""
        folder = self._course_folder()
        run = folder / hidden_inputs.RUN_FOLDER if folder else None
        return [str(run.resolve())] if run and run.is_dir() else []

    def _hidden_seeds(self, nb, work):
        """The submission's seeds, from its student cells and the files in ``work``."""
        seeds = hidden_inputs.submission_seeds(nb, work, self._course_folder())
        if seeds.predictable:
            hidden_inputs.warn_predictable()
            self.events.append(hidden_inputs.PREDICTABLE)
        return seeds

    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        mode, warning = isolation()
        if warning:
            warnings.warn(f"convgrade: isolation degraded: {warning}", stacklevel=2)
            self.events.append(f"isolation degraded: {warning}")
        extra = []
        if self.config.get("CourseDirectory", {}).get("root"):
            coursedir = CourseDirectory(config=self.config)
            extra = [coursedir.root, str(Path(coursedir.root, coursedir.source_directory))]
        km.spec = Spec(limits=self.limits,
                       hide=default_hide(*extra) + list(self.hide) + self._secret_folder(),
                       keep_readonly=default_keep(), namespaces=mode)
        return km

    def output(self, outs, msg, display_id, cell_index):
        """Keep at most ``output_limit`` bytes of output per cell: a flood costs memory, not points."""
        used = self._output_used.get(cell_index, 0) + len(json.dumps(msg.get("content", {})))
        self._output_used[cell_index] = used
        if used <= self.output_limit:
            return super().output(outs, msg, display_id, cell_index)
        if cell_index not in self._truncated:
            self._truncated.add(cell_index)
            outs.append(_stream(f"\n[output beyond {self.output_limit} bytes dropped by the grader]\n"))
        return None

    def preprocess_cell(self, cell, resources, index):
        if index == 0 and self._dead is None:
            self._dead = False
            try:
                self._run_code(HARNESS, self.call_timeout)
            except StudentError as error:
                self._dead = str(error)
        if not self._dead and time.monotonic() - self._started > self.notebook_timeout:
            self._dead = f"the notebook time limit of {self.notebook_timeout} s was reached"
            self.events.append(self._dead)
        if not is_test_cell(cell):
            return self._execute(cell, resources, index)
        source = cell.source
        visible, hidden = split_hidden(source)
        cell.source = visible
        self._execute(cell, resources, index)
        cell.source = source
        passed, message = self._judge(hidden, cell.metadata.nbgrader.grade_id)
        cell.outputs = verdict_outputs(cell.outputs, passed, message)
        return cell, self.resources

    def _execute(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        if self._dead:
            cell.outputs = [new_output("error", ename="NotRun", evalue=self._dead,
                                       traceback=[f"not run: {self._dead}"])]
            return cell, resources
        name = cell.metadata.get("nbgrader", {}).get("grade_id") or f"#{index}"
        try:
            result = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._dead = (f"the kernel died in cell {name} (a hard exit, a crash, or the CPU "
                          f"limit of {self.cpu_limit} s)")
        except CellTimeoutError:
            self._dead = (f"cell {name} exceeded the time limit of {self.timeout} s and ignored "
                          "the interrupt; the kernel was stopped")
            self._stop_kernel()
        if self._dead:
            self.events.append(self._dead)
            cell.outputs.append(new_output("error", ename="DeadKernel", evalue=self._dead,
                                           traceback=[self._dead]))
            return cell, resources
        for out in cell.outputs:
            if out.output_type == "error" and out.ename == "MemoryError":
                self.events.append(f"memory limit {self.limits.describe_memory()} exceeded in cell {name}")
            if out.output_type == "error" and out.ename == "CellTimeoutError":
                self.events.append(f"cell {name} exceeded the time limit of {self.timeout} s")
        return result

    def _judge(self, hidden: str, gid: str):
        """Run the hidden code here, in the grader; ``(passed, message)``."""
        if not hidden.strip():
            return False, f"{gid}: this test cell has no grader check, so it cannot be passed"
        if self._dead:
            return False, f"{gid} not checked: {self._dead}"
        names = StudentNamespace(lambda name: KernelFunction(
            name, self._call, policy_free=policy.library_convolution_allowed(name)))
        try:
            with seeded(self._seeds.for_check(gid)):
                exec(compile(hidden, f"<hidden tests of {gid}>", "exec"), {"__name__": "hidden"}, names)
        except CheckFailed as failure:
            return False, str(failure)
        except StudentError as error:
            return False, f"{gid}: {error}"
        except ShortcutUsed as used:
            return False, (f"{gid}: the function calls {', '.join(used.calls)}, a library "
                           "convolution this task does not allow")
        except Exception as error:  # noqa: BLE001 - a check that breaks must not break the batch
            self.log.error("hidden check %s failed inside the grader: %r", gid, error)
            self.events.append(f"grader error in {gid}: {type(error).__name__}: {error}")
            return False, f"{gid}: the grader could not check this cell ({type(error).__name__})"
        return True, f"{gid}: passed, checked by the grader"

    def _call(self, code):
        results = self._run_code(code, self.call_timeout)
        if results is None:
            raise StudentError("the grader's call returned nothing (was the notebook's "
                               "kernel tampered with?)")
        for item in results if isinstance(results, list) else []:
            if isinstance(item, dict) and str(item.get("error", "")).startswith("MemoryError"):
                item["error"] = f"memory limit {self.limits.describe_memory()} exceeded ({item['error']})"
        return results

    def _run_code(self, code, timeout):
        """Execute grader code in the kernel; the last protocol message it published."""
        found = []

        def hook(msg):
            if msg["msg_type"] == "display_data" and MIME in msg["content"].get("data", {}):
                found.append(msg["content"]["data"][MIME])

        try:
            reply = run_sync(self.kc.execute_interactive)(
                code, store_history=False, allow_stdin=False, stop_on_error=False,
                timeout=timeout, output_hook=hook)
        except TimeoutError:
            self._interrupt()
            raise StudentError(f"did not finish within {timeout} s") from None
        except DeadKernelError:
            self._dead = "the kernel died while the grader called it"
            raise StudentError(self._dead) from None
        if not run_sync(self.km.is_alive)():
            self._dead = "the kernel died while the grader called it"
            raise StudentError(self._dead)
        if reply["content"]["status"] != "ok":
            raise StudentError(f"{reply['content'].get('ename')}: {reply['content'].get('evalue')}")
        return found[-1] if found else None

    def _stop_kernel(self):
        try:
            run_sync(self.km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001 - it is going away either way
            pass

    def _interrupt(self):
        try:
            run_sync(self.km.interrupt_kernel)()
            run_sync(self.kc.execute_interactive)("pass", timeout=10, store_history=False)
        except Exception:  # noqa: BLE001 - a kernel that ignores interrupts is killed instead
            self._dead = "the kernel did not respond after a time-out and was stopped"
            self._stop_kernel()
