"""Execute a notebook with nbgrader, but let the grader process decide every test cell.

Answer cells and the visible part of each test cell run in the student's kernel, in a jail of
its own (``convgrade.sandbox``). The hidden part of a test cell never goes there: the grader
runs it itself, with every student function it names replaced by a
:class:`~convgrade.remote.KernelFunction`. Before anything runs, the grader reads the
submission's own source (``convgrade.shortcuts``: which functions reach a library
convolution) and derives the seed of every check's hidden inputs from the course secret and
the submission (``convgrade.hidden_inputs``). The cell's outputs are then rewritten so that
nbgrader's own scoring reads the grader's verdict: an error output when a check failed, none
when it passed; nothing the kernel prints, raises or sends can change that.
"""
from __future__ import annotations

import html
import json
import re
import time
from pathlib import Path
from queue import Empty

from jupyter_core.utils import ensure_async, run_sync
from nbclient.exceptions import CellExecutionComplete, CellTimeoutError, DeadKernelError
from nbconvert.preprocessors import ExecutePreprocessor
from nbformat import NotebookNode
from nbformat.v4 import new_markdown_cell, new_output
from traitlets import Bool, Dict, Integer, List, Unicode

from . import hidden_inputs, policy, sanitize
from .cases import seeded
from .phases import Phases
from .remote import Connection, KernelFunction, KernelGone, ShortcutUsed, StudentError
from .restore import (fresh_cell_id, grade_id, is_grade, is_solution, is_student_cell,
                      nbgrader_metadata)
from .verdict import CheckFailed, Verdict, judging
from .sandbox import (Jail, Limits, SandboxedKernelManager, SandboxUnavailable, missing,
                      start_standby, take_standby, unavailable)
from .shortcuts import SourcePolicy
from .submission import collect_files

HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS[ \t]*\n(.*?)^[ \t]*### END HIDDEN TESTS[ \t]*\n?",
                    re.S | re.M)
UNSANDBOXED = "unsandboxed: student code ran as the grader's user, outside the sandbox"


class KernelStartFailed(RuntimeError):
    """The kernel (or its half of the protocol) did not start: nothing was graded. A problem
    of the grading machine, never a verdict on the student."""


def split_hidden(source: str):
    """``(visible code, hidden code)`` of a test cell's source."""
    hidden = "\n".join(m.group(1) for m in HIDDEN.finditer(source))
    return HIDDEN.sub("", source), hidden


def is_test_cell(cell) -> bool:
    return cell.cell_type == "code" and is_grade(cell) and not is_solution(cell)


class StudentNamespace(dict):
    """Names the hidden code does not define itself resolve to the student's functions."""

    def __init__(self, make):
        super().__init__()
        self._make = make

    def __missing__(self, name):
        return self._make(name)


def _stream(text):
    return new_output("stream", name="stdout", text=text)


def verdict_outputs(outputs, verdict: Verdict):
    """Kernel outputs made harmless (stderr and errors become plain text, results become
    displays, HTML sanitized), followed by the grader's verdict in the form nbgrader's own
    scoring reads: nothing more for full marks, the score as the cell's result for part of
    them, an error for none."""
    kept = []
    for out in sanitize.clean_outputs(outputs):
        if out.output_type == "stream":
            kept.append(_stream(out.text) if out.get("name") == "stderr" else out)
        elif out.output_type == "error":
            kept.append(_stream(f"[visible test] {out.get('ename')}: {out.get('evalue')}\n"))
        elif out.output_type == "execute_result":
            kept.append(new_output("display_data", data=out.data, metadata=out.get("metadata", {})))
        else:
            kept.append(out)
    if verdict.score >= verdict.max_score:
        kept.append(_stream(f"\u2714 {verdict.message}\n"))
    elif verdict.score > 0:
        kept.append(_stream(f"{verdict.message}\n"))
        kept.append(new_output("execute_result", data={"text/plain": f"{verdict.score:g}"},
                               metadata={}, execution_count=None))
    else:
        kept.append(new_output("error", ename="CheckFailed", evalue=verdict.message,
                               traceback=[f"CheckFailed: {verdict.message}"]))
    return kept


def write_verdict(cell, verdict: Verdict) -> None:
    """The verdict into the cell, once, as data (``metadata.convgrade.verdict``; a test cell's
    metadata is the course's own, restored from the source notebook)."""
    cell.metadata.setdefault("convgrade", {})["verdict"] = verdict.to_json()


def read_verdict(cell) -> Verdict | None:
    """The verdict the grader wrote into a test cell, or None."""
    meta = cell.get("metadata", {}).get("convgrade")
    return Verdict.from_json(meta.get("verdict")) if isinstance(meta, dict) else None


class ExecuteWithChecks(ExecutePreprocessor):
    """Executing a notebook as nbgrader's ``Execute`` does, with test cells judged in the
    grader process. It is nbconvert's executor with nbgrader's settings (errors do not stop
    the notebook; a cell that times out is interrupted and marked), so that ``convgrade grade``
    runs without importing nbgrader, and nbgrader's autograde takes it as one of its steps."""

    enabled = Bool(True, help="use this step when nbgrader runs its pipeline").tag(config=True)
    timeout = Integer(policy.CELL_TIMEOUT, allow_none=True,
                      help="seconds one notebook cell may run").tag(config=True)
    interrupt_on_timeout = Bool(True).tag(config=True)
    allow_errors = Bool(True).tag(config=True)
    raise_on_iopub_timeout = Bool(True).tag(config=True)
    iopub_timeout = Integer(policy.IOPUB_TIMEOUT, help="seconds to read a cell's remaining "
                            "output after it finished").tag(config=True)
    error_on_timeout = Dict({"ename": "CellTimeoutError", "evalue": "",
                             "traceback": ["CellTimeoutError: No reply from kernel before timeout"]}
                            ).tag(config=True)
    interrupt_grace = Integer(policy.INTERRUPT_GRACE, help="seconds a kernel has to come back "
                              "after a cell or a call over its time is interrupted").tag(config=True)
    call_timeout = Integer(policy.CALL_TIMEOUT, help="seconds for one batch of calls into "
                           "a student function").tag(config=True)
    notebook_timeout = Integer(policy.NOTEBOOK_TIMEOUT, help="wall-clock seconds for the "
                               "whole notebook").tag(config=True)
    memory_limit = Integer(policy.MEMORY_LIMIT, help="bytes of memory for the kernel").tag(config=True)
    cpu_limit = Integer(policy.CPU_LIMIT, help="CPU seconds for the kernel").tag(config=True)
    process_limit = Integer(policy.PROCESS_LIMIT, help="processes and threads").tag(config=True)
    output_limit = Integer(policy.OUTPUT_LIMIT, help="bytes of output kept per cell").tag(config=True)
    sandbox = Bool(True, help="run the kernel in the sandbox; False grades unsandboxed and "
                   "says so in every result").tag(config=True)
    startup_timeout = Integer(policy.KERNEL_START_TIMEOUT).tag(config=True)
    standby = Bool(False, help="start the next notebook's kernel as soon as this one is done "
                   "(for a process that grades many notebooks)").tag(config=True)
    refused_files = List(Unicode(), help="one line per file of the submission that was not "
                         "copied for grading (a link, device, FIFO, or over a limit)").tag(config=True)
    kernel_manager_class = SandboxedKernelManager

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.shutdown_kernel = "immediate"      # the jail is thrown away: no polite shutdown
        self.kernel_name = "python3"

    def on_cell_executed(self, **kwargs):
        """A cell whose reply is an error but whose outputs show none (a time-out) gets one."""
        cell, reply = kwargs["cell"], kwargs["execute_reply"]
        content = reply.get("content", {}) if isinstance(reply, dict) else {}
        if content.get("status") == "error" and not any(
                out.get("output_type") == "error" and out.get("ename") == content.get("ename")
                for out in cell.outputs):
            cell.outputs.append(NotebookNode(output_type="error", ename=content.get("ename", ""),
                                             evalue=content.get("evalue", ""),
                                             traceback=content.get("traceback") or ["error"]))

    @property
    def limits(self) -> Limits:
        return Limits(memory_bytes=self.memory_limit, cpu_seconds=self.cpu_limit,
                      processes=self.process_limit)

    # -- before the kernel starts: everything decided from what the grader holds ------------

    def preprocess(self, nb, resources=None, km=None):
        """Read the submission, then execute it in a fresh jail."""
        self.phases = Phases()
        resources = resources if resources is not None else {}
        with self.phases("reading the source"):
            self._prepare(nb, resources)
        try:
            nb, resources = super().preprocess(nb, resources, km)
        except (RuntimeError, TimeoutError, DeadKernelError) as error:
            if self.connection is not None and self.connection.comm_id is not None:
                raise
            if self.sandbox and unavailable():       # now find out why, with a jail of its own
                raise SandboxUnavailable(unavailable()) from None
            raise KernelStartFailed(f"the notebook's kernel could not start ({error})") from None
        if self.standby:
            start_standby(self.jail, warm=True)
        nb.metadata.setdefault("convgrade", {})["events"] = list(self.events)
        if self.events:                 # say it where students and graders read: the feedback
            notes = "\n".join(f"- {html.escape(event)}" for event in self.events)
            nb.cells.insert(0, new_markdown_cell(f"**Notes from the grader**\n\n{notes}",
                                                 metadata={"convgrade": "notes"},
                                                 id=fresh_cell_id(nb, "convgrade-notes")))
        return nb, resources

    def _prepare(self, nb, resources):
        """Everything decided before the kernel starts, from what the grader holds."""
        self._dead = None
        self._started = time.monotonic()
        self.events = []
        self._output_used, self._truncated = {}, set()
        self.connection = None
        self.judged = {}                # function -> its judgement, for charging a mistake once
        files = self._kernel_files(resources)
        student = [(index, cell) for index, cell in enumerate(nb.cells) if is_student_cell(cell)]
        graded = [grade_id(cell) for _, cell in student if grade_id(cell)]
        self.source_policy = SourcePolicy.from_cells(
            [(index, cell.source) for index, cell in student if cell.cell_type == "code"], graded)
        self.seeds = hidden_inputs.submission_seeds(nb, files, self._course_root(resources))
        if self.seeds.predictable:
            hidden_inputs.warn_predictable()
            self.events.append(hidden_inputs.PREDICTABLE)
        if not self.sandbox:
            self.events.append(UNSANDBOXED)
        elif missing():
            raise SandboxUnavailable(missing())
        self.kernel_files = files
        self.jail = Jail(limits=self.limits, sandboxed=self.sandbox)

    def _kernel_files(self, resources) -> dict:
        """The files the kernel starts with: the release's data files (``metadata.path``)
        and, when nbgrader grades a class, the regular files of the student's submission
        folder; never a link, device or FIFO (each refused gets a line in the results)."""
        files = {}
        self.events.extend(self.refused_files)
        folders = [resources.get("metadata", {}).get("path")]
        info = resources.get("nbgrader", {})
        if info.get("student") and info.get("assignment"):
            from nbgrader.coursedir import CourseDirectory     # graded by nbgrader: it is loaded
            coursedir = CourseDirectory(config=self.config)
            folders.append(coursedir.format_path(coursedir.submitted_directory,
                                                 info["student"], info["assignment"]))
        for folder in folders:
            if folder and Path(folder).is_dir():
                found = collect_files(folder)
                files.update(found.files)
                self.events.extend(found.refused)
        return files

    def _course_root(self, resources):
        """Where the course secret lives: the folder holding the source notebooks."""
        if resources.get("course_root"):
            return Path(resources["course_root"])
        from nbgrader.coursedir import CourseDirectory
        coursedir = CourseDirectory(config=self.config)
        return Path(coursedir.root, coursedir.source_directory).resolve().parent

    def create_kernel_manager(self):
        """A kernel started ahead for this submission if there is one, else a new one; and
        the next one starts as soon as this notebook is done (``standby``)."""
        km = take_standby(self.jail)
        if km is None:
            km = super().create_kernel_manager()
            km.jail = self.jail
        return km

    async def async_start_new_kernel(self, **kwargs):
        with self.phases("kernel start"):
            return await super().async_start_new_kernel(**kwargs)

    async def async_start_new_kernel_client(self):
        with self.phases("kernel start"):
            return await super().async_start_new_kernel_client()

    async def _async_cleanup_kernel(self):
        with self.phases("kernel stop"):
            return await super()._async_cleanup_kernel()

    start_new_kernel = run_sync(async_start_new_kernel)
    start_new_kernel_client = run_sync(async_start_new_kernel_client)
    _cleanup_kernel = run_sync(_async_cleanup_kernel)

    # -- running the cells ------------------------------------------------------------------

    def output(self, outs, msg, display_id, cell_index):
        """Keep at most ``output_limit`` bytes and ``policy.OUTPUT_COUNT_LIMIT`` outputs per
        cell: a flood costs neither points nor the grader's time (past the limit a message is
        dropped unread)."""
        if cell_index in self._truncated:
            return None
        used, count = self._output_used.get(cell_index, (0, 0))
        used, count = used + len(json.dumps(msg.get("content", {}))), count + 1
        self._output_used[cell_index] = (used, count)
        if used <= self.output_limit and count <= policy.OUTPUT_COUNT_LIMIT:
            return super().output(outs, msg, display_id, cell_index)
        self._truncated.add(cell_index)
        outs.append(_stream(f"\n[output beyond {self.output_limit} bytes or "
                            f"{policy.OUTPUT_COUNT_LIMIT} outputs dropped by the grader]\n"))
        return None

    def process_message(self, msg, cell, cell_index):
        """nbclient's message handling, made safe: a message the kernel forged or mangled is
        dropped with a note instead of breaking the grader."""
        try:
            return super().process_message(msg, cell, cell_index)
        except CellExecutionComplete:
            raise
        except Exception as error:  # noqa: BLE001 - any malformed message
            note = f"the kernel broke the message protocol ({type(error).__name__}); a message was dropped"
            if note not in self.events:
                self.events.append(note)
            return None

    async def _async_handle_timeout(self, timeout, cell=None):
        """A cell over its time limit: interrupt it, and give the kernel ``interrupt_grace``
        seconds to finish the cell; one that ignores the interrupt is then reported as such
        and stopped (nbclient would wait ``iopub_timeout`` for it and then call it a flood of
        output)."""
        if not self.interrupt_on_timeout:
            return await super()._async_handle_timeout(timeout, cell)
        await ensure_async(self.km.interrupt_kernel())
        deadline = time.monotonic() + self.interrupt_grace
        while (left := deadline - time.monotonic()) > 0:
            try:
                msg = await ensure_async(self.kc.shell_channel.get_msg(timeout=left))
            except Empty:
                break
            if isinstance(msg, dict) and msg.get("msg_type") == "execute_reply":
                return {"content": {**self.error_on_timeout, "status": "error"}}
        raise CellTimeoutError.error_from_timeout_and_cell(
            "Cell execution timed out and ignored the interrupt", timeout, cell)

    def preprocess_cell(self, cell, resources, index):
        if index == 0 and self.connection is None:
            with self.phases("kernel start"):
                connection = Connection(self.km, self.kc, self.call_timeout, self.interrupt_grace)
                run_sync(connection.open)(self.kernel_files)
                self.connection = connection
        if not self._dead and time.monotonic() - self._started > self.notebook_timeout:
            self._dead = f"the notebook time limit of {self.notebook_timeout} s was reached"
            self.events.append(self._dead)
        if not is_test_cell(cell):
            with self.phases("cells"):
                self._execute(cell, resources, index)
            if cell.cell_type == "code":
                cell.outputs = sanitize.clean_outputs(cell.outputs)
            return cell, self.resources
        source = cell.source
        visible, hidden = split_hidden(source)
        cell.source = visible
        with self.phases("cells"):
            self._execute(cell, resources, index)
        cell.source = source
        with self.phases("hidden checks"):
            verdict = self._judge(hidden, grade_id(cell), float(nbgrader_metadata(cell).get("points") or 0))
        cell.outputs = verdict_outputs(cell.outputs, verdict)
        write_verdict(cell, verdict)
        return cell, self.resources

    def _execute(self, cell, resources, index):
        if cell.cell_type != "code":
            return
        if self._dead:
            cell.outputs = [new_output("error", ename="NotRun", evalue=self._dead,
                                       traceback=[f"not run: {self._dead}"])]
            return
        name = grade_id(cell) or f"#{index}"
        try:
            super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._dead = (f"the kernel died in cell {name} (a hard exit, a crash, or the CPU "
                          f"limit of {self.cpu_limit} s)")
        except CellTimeoutError as error:
            if "IOPub" in str(error):    # nbclient's only mark of this case is its message
                self._dead = (f"cell {name} kept sending output for more than "
                              f"{self.iopub_timeout} s after it finished; the kernel was stopped")
            else:
                self._dead = (f"cell {name} exceeded the time limit of {self.timeout} s and "
                              "ignored the interrupt; the kernel was stopped")
            self._stop_kernel()
        except Exception as error:  # noqa: BLE001 - a kernel that breaks the protocol
            self._dead = f"the kernel broke the message protocol in cell {name} ({type(error).__name__})"
            self._stop_kernel()
        if self._dead:
            self.events.append(self._dead)
            cell.outputs.append(new_output("error", ename="DeadKernel", evalue=self._dead,
                                           traceback=[self._dead]))
            return
        for out in cell.outputs:
            if out.output_type == "error" and out.get("ename") == "MemoryError":
                self.events.append(f"memory limit {self.limits.describe_memory()} exceeded in cell {name}")
            if out.output_type == "error" and out.get("ename") == "CellTimeoutError":
                self.events.append(f"cell {name} exceeded the time limit of {self.timeout} s")

    # -- judging ----------------------------------------------------------------------------

    def _student_function(self, name):
        return KernelFunction(name, self.connection, self._call,
                              findings=self.source_policy.findings(name),
                              policy_free=policy.library_convolution_allowed(name),
                              memory=self.limits.describe_memory(),
                              reaches=self.source_policy.reached(name))

    def _call(self, method, *args):
        if self._dead:
            raise StudentError(self._dead)
        try:
            return run_sync(method)(*args)
        except KernelGone as gone:
            self._dead = str(gone)
            self.events.append(self._dead)
            raise

    def _judge(self, hidden: str, gid: str, points: float) -> Verdict:
        """Run the hidden code here, in the grader, and decide the cell's verdict."""
        if not hidden.strip():
            return Verdict.failed(f"{gid}: this test cell has no grader check, so it cannot be passed", points)
        if self._dead:
            return Verdict.failed(f"{gid} not checked: {self._dead}", points)
        names = StudentNamespace(self._student_function)
        with seeded(self.seeds.for_check(gid)), judging(self._student_function, self.judged) as state:
            try:
                exec(compile(hidden, f"<hidden tests of {gid}>", "exec"), {"__name__": "hidden"}, names)
            except CheckFailed as failure:          # the failure's own judgement, recorded or not
                if failure.judgement is None:
                    return Verdict.failed(str(failure), points)
                return Verdict.of(failure.judgement, points)
            except StudentError as error:
                return Verdict.failed(f"{gid}: {error}", points)
            except ShortcutUsed as used:
                return Verdict.failed(f"{gid}: {used.message or ', '.join(used.calls) + ' is a library convolution'}",
                                      points, "library_shortcut")
            except Exception as error:  # noqa: BLE001 - a check that breaks must not break the batch
                self.log.error("hidden check %s failed inside the grader: %r", gid, error)
                self.events.append(f"grader error in {gid}: {type(error).__name__}: {error}")
                return Verdict.failed(f"{gid}: the grader could not check this cell ({type(error).__name__})", points)
        if state.last is None:
            return Verdict(points, points, f"{gid}: passed, checked by the grader")
        return Verdict.of(state.last, points)

    def _stop_kernel(self):
        try:
            run_sync(self.km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001 - it is going away either way
            pass
