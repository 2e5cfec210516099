"""Grading policy an instructor may change, all in one place.

Library shortcuts (SPEC): a graded function loses its points when it enters
``numpy.convolve``/``correlate``, ``scipy.signal``, ``scipy.ndimage`` or torch's conv
functions while the grader calls it, unless :func:`library_convolution_allowed` says it may:
``estimate_delay``, the counting functions (``*_count`` and the names below) and the text
helpers.
"""
LIBRARY_CONVOLUTION_ALLOWED = frozenset({
    "estimate_delay",
    "output_size", "layers_to_connect", "receptive_field",
    "one_hot", "ngram_kernel",
})


def library_convolution_allowed(function: str) -> bool:
    """May ``function`` call a library convolution?"""
    return function in LIBRARY_CONVOLUTION_ALLOWED or function.endswith("_count")

#: Seconds one batch of grader calls into a student's function may take.
CALL_TIMEOUT = 60
#: Seconds one notebook cell may run.
CELL_TIMEOUT = 60
#: Seconds the whole notebook may take, grader checks included.
NOTEBOOK_TIMEOUT = 900
#: Bytes of memory (address space) a student's kernel may use.
MEMORY_LIMIT = 2 * 2**30
#: CPU seconds a student's kernel may use in all.
CPU_LIMIT = 600
#: Processes and threads the kernel's user may run at once (when the kernel runs as its own user).
PROCESS_LIMIT = 256
#: Bytes of output kept per cell.
OUTPUT_LIMIT = 2**20
