"""Grading policy an instructor may change, all in one place: every limit the grader puts on a
submission, the library-shortcut rule, and what a student's kernel may see and import.

Nothing else in convgrade holds a number of these; change them here.
"""

# -- library shortcuts ------------------------------------------------------------------------
#
# A graded function that implements a convolution loses its points when its code reaches a
# library convolution, a private numpy/scipy module, or a dynamic feature that could hide
# one (decided from the submission's source, ``convgrade.shortcuts``; a monitor in the kernel
# adds what it sees at run time). These functions may use library convolutions:
LIBRARY_CONVOLUTION_ALLOWED = frozenset({
    "estimate_delay",
    "output_size", "layers_to_connect", "receptive_field",
    "one_hot", "ngram_kernel",
})


def library_convolution_allowed(function: str) -> bool:
    """May ``function`` call a library convolution? (the counting functions ``*_count`` too)"""
    return function in LIBRARY_CONVOLUTION_ALLOWED or function.endswith("_count")


#: Ready-made methods a graded function may not call, by function: its task asks for exactly
#: the step they perform (sympy's ``Sum.change_index`` is the change of index itself). They are
#: known by the attribute's name, written ``x.name`` or ``getattr(x, "name")`` anywhere in the
#: code the function reaches, since what they are called on is a run-time value.
FORBIDDEN_METHODS = {
    "change_of_index": ("change_index",),
}

#: Library convolutions: a module (every function in it counts) or a single function, by
#: qualified name. A reference matches an entry equal to it or under it.
CONVOLUTIONS = ("scipy.signal", "scipy.ndimage", "torch", "tensorflow", "jax", "cupy", "cv2",
                "skimage", "astropy.convolution",
                "numpy.convolve", "numpy.correlate", "numpy.polymul", "numpy.polynomial")
#: The C functions behind numpy's convolutions, as the kernel's run-time monitor sees them.
CONVOLUTION_C_FUNCTIONS = ("numpy._core._multiarray_umath.correlate",
                           "numpy._core._multiarray_umath.correlate2")
#: The public function a student calls to reach each C function above: what messages name.
PUBLIC_NAMES = {"numpy._core._multiarray_umath.correlate": "numpy.correlate or numpy.convolve",
                "numpy._core._multiarray_umath.correlate2": "numpy.correlate or numpy.convolve"}
#: Libraries whose private parts (a name starting with "_", and numpy's old ``core``) hold the
#: C functions behind the convolutions above: not allowed in a convolution either.
PRIVATE_PARTS_OF = ("numpy", "scipy")
PRIVATE_ALIASES = ("numpy.core",)
#: Dynamic features not allowed in a cell that implements a convolution (they can reach a
#: library convolution without naming it); a global bound through one of them anywhere counts
#: against every convolution that uses it. ``getattr`` and friends count only with a name
#: computed at run time.
DYNAMIC_FEATURES = ("threading", "_thread", "multiprocessing", "concurrent", "subprocess",
                    "asyncio", "pickle", "marshal", "shelve", "operator.attrgetter",
                    "operator.methodcaller", "os.fork", "os.forkpty", "os.system", "os.popen",
                    "os.execv", "os.execve", "os.execvp", "os.execvpe", "os.execl", "os.execle",
                    "os.execlp", "os.execlpe", "os.spawnv", "os.spawnve", "os.spawnl",
                    "os.posix_spawn", "os.posix_spawnp", "getattr", "setattr", "delattr")
#: Features that tamper with the interpreter, the grader's connection or the libraries: not
#: allowed anywhere in a submission, since they could change what any graded call does (or
#: define a function the source does not show). Assigning to an attribute of an imported
#: module counts too.
TAMPERING_FEATURES = ("exec", "eval", "compile", "__import__", "globals", "locals", "vars",
                      "breakpoint", "importlib", "ctypes", "cffi", "gc", "inspect", "builtins",
                      "convgrade_kernel", "ipykernel", "comm", "zmq", "jupyter_client",
                      "sys.setprofile", "sys.settrace", "sys.modules", "sys.meta_path",
                      "sys.path_hooks", "sys.addaudithook", "sys._getframe",
                      "threading.setprofile", "threading.settrace",
                      # IPython's shell by routes other than get_ipython(), whose uses are checked
                      "IPython.core.interactiveshell", "IPython.InteractiveShell", "traitlets")
#: Attributes that reach into functions, frames and classes, or set attributes without an
#: assignment (``object.__setattr__(np, ...)``): tampering wherever they appear.
TAMPERING_ATTRIBUTES = ("__closure__", "__code__", "__globals__", "__builtins__", "__dict__",
                        "__subclasses__", "__bases__", "__base__", "__mro__",
                        "__getattribute__", "__self__", "__func__", "__wrapped__",
                        "cell_contents", "f_globals", "f_locals", "f_back", "f_builtins",
                        "gi_frame", "cr_frame", "tb_frame", "__setattr__", "__delattr__")
#: What a notebook may ask of ``get_ipython()``: magics and shell escapes. Anything else
#: (``.kernel``, ``.input_transformers_cleanup``, ``.events``, ``.run_cell`` ...) is tampering.
IPYTHON_ALLOWED = ("run_line_magic", "run_cell_magic", "system", "getoutput")
#: What the instructor's own cells of the course's notebooks import: students' cells use these
#: names without importing them, and the source check reads them as imported.
NOTEBOOK_IMPORTS = {"np": "numpy", "plt": "matplotlib.pyplot", "sp": "sympy",
                    "sliding_window_view": "numpy.lib.stride_tricks.sliding_window_view"}
#: Meanings (qualified names) the source check follows for one name of a submission; a name
#: bound in more ways than this counts as tampering.
SOURCE_NAME_MEANINGS = 64

# -- time -------------------------------------------------------------------------------------

#: Seconds one batch of grader calls into a student's function may take.
CALL_TIMEOUT = 60
#: Seconds one notebook cell may run.
CELL_TIMEOUT = 60
#: Seconds the grader may take to read what a cell sent after the cell finished (a backlog of
#: output on a loaded machine must not read as a hung cell; a thread that keeps printing for
#: a finished cell is cut off after this).
IOPUB_TIMEOUT = 30
#: Seconds a kernel has to come back after the grader interrupts a cell or a call that ran
#: over its time (a long C routine only sees the interrupt when it returns); a kernel still
#: busy after this is stopped.
INTERRUPT_GRACE = 10
#: Seconds the whole notebook may take, grader checks included.
NOTEBOOK_TIMEOUT = 900
#: Seconds a symbolic comparison of a student's expression may take (in a worker process).
SYMBOLIC_TIMEOUT = 20
#: Seconds the symbolic worker may take to start, or to load a comparison's code and data
#: (a machine too slow for this is the grader's failure, not the student's).
SYMBOLIC_START_TIMEOUT = 120
#: Seconds a kernel may take to start.
KERNEL_START_TIMEOUT = 60

# -- the kernel's resources -------------------------------------------------------------------

#: Bytes of memory (address space) a student's kernel may use.
MEMORY_LIMIT = 2 * 2**30
#: CPU seconds a student's kernel may use in all.
CPU_LIMIT = 600
#: Processes and threads the kernel may run at once (its uid is its own).
PROCESS_LIMIT = 256
#: Bytes one file written by the kernel may have.
FILE_SIZE_LIMIT = 64 * 2**20
#: File descriptors the kernel may hold open at once.
OPEN_FILES_LIMIT = 512
#: Files (inodes) in each of the kernel's writable folders (its work folder and /tmp).
FILE_COUNT_LIMIT = 4096
#: Bytes the kernel's work folder (its home) may hold in all.
WORK_FOLDER_BYTES = 256 * 2**20
#: Bytes the kernel's /tmp may hold in all.
TMP_FOLDER_BYTES = 64 * 2**20
#: Bytes of output kept per cell.
OUTPUT_LIMIT = 2**20
#: Output messages kept per cell: each costs the grader a schema check, so a flood of tiny
#: ones (``display`` in a loop) is cut by count as well as by size.
OUTPUT_COUNT_LIMIT = 2000

# -- what the grader reads from a submission --------------------------------------------------

#: Bytes a submitted notebook may have.
NOTEBOOK_BYTES = 20 * 2**20
#: Cells a submitted notebook may have.
NOTEBOOK_CELLS = 2000
#: Nesting of a submitted notebook's JSON (objects and lists within each other) and characters
#: of one number in it: far beyond any notebook Jupyter writes, short of what costs the grader.
NOTEBOOK_DEPTH = 100
NOTEBOOK_NUMBER_CHARS = 100
#: Other files of a submission's folder copied into the kernel: how many, and how large.
SUBMISSION_FILES = 64
SUBMISSION_FILE_BYTES = 16 * 2**20
SUBMISSION_TOTAL_BYTES = 64 * 2**20
#: Folders within folders of a submission that are searched for those files.
SUBMISSION_FOLDER_DEPTH = 16
#: One result of a student's function as the grader decodes it: nesting depth, values in all
#: (container entries, object-array elements, sympy nodes), characters per string, digits per
#: integer, bytes in all (array data and text).
RESULT_DEPTH = 32
RESULT_ITEMS = 1_000_000
RESULT_STRING_CHARS = 100_000
RESULT_INT_DIGITS = 1000
RESULT_BYTES = 64 * 2**20
#: Bytes of one message from the kernel (larger ones are dropped unread).
MESSAGE_BYTES = 96 * 2**20
#: Messages from a kernel queued for the grader before further ones are dropped.
MESSAGES_QUEUED = 100_000
#: Messages the grader reads from the kernel while it waits for one reply.
MESSAGES_PER_CALL = 20_000
#: Nodes of a student's sympy expression the grader will expand or simplify.
SYMBOLIC_NODES = 20_000
#: Bytes of memory (address space) the worker process that compares expressions may use.
SYMBOLIC_MEMORY = 2 * 2**30

# -- the kernel's sandbox ---------------------------------------------------------------------

#: Python distributions the kernel may import (with what they depend on); nothing else of the
#: grader's environment is visible to it. The notebooks tell students what is available.
KERNEL_PACKAGES = ("ipykernel", "numpy", "scipy", "sympy", "matplotlib")
#: What those depend on but a graded kernel does without: the debugger (nobody debugs a
#: graded kernel, and loading it costs every kernel's start-up).
KERNEL_PACKAGES_LEFT_OUT = ("debugpy",)
#: System folders and files the kernel sees, read-only (where they exist), besides the Python
#: installation it runs on.
KERNEL_SYSTEM_PATHS = ("/usr/lib", "/usr/lib64", "/usr/lib32", "/usr/libx32", "/usr/bin",
                       "/usr/share/zoneinfo", "/etc/ld.so.cache", "/etc/localtime")
#: Kernels run as uids from here on, one uid per running kernel.
KERNEL_FIRST_UID = 200_000
KERNEL_UID_COUNT = 800_000

# -- hidden inputs ----------------------------------------------------------------------------

#: Random bytes of a course secret created on first use (``<course>/.convgrade/secret``): the
#: key that makes the hidden inputs of each submission unpredictable.
SECRET_BYTES = 32

# -- class batches on a Dask cluster ----------------------------------------------------------

#: Times a submission's worker may die under it (the scheduler then grades it on another
#: worker) before it is reported "not graded" instead.
WORKER_LOSSES = 2
#: Submissions handed to the cluster at a time, per worker: enough to keep each busy, few
#: enough that a batch of a thousand does not sit in the scheduler's memory.
TASKS_PER_WORKER = 2
#: Seconds to wait for a cluster's scheduler and its first worker.
SCHEDULER_TIMEOUT = 60
#: A graded submission's result file (``convgrade autograde --shard``, read by ``gather``):
#: its size, and the files it may carry.
GRADED_FILE_BYTES = 256 * 2**20
GRADED_FILE_COUNT = 200
