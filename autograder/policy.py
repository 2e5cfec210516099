"""Grading policy an instructor may change, all in one place.

``LIBRARY_CONVOLUTION_ALLOWED``: graded functions that may call a library convolution
(SPEC: ``estimate_delay``, the counting functions and the text helpers). Every other graded
function loses its points when it enters ``numpy.convolve``/``correlate``, ``scipy.signal``,
``scipy.ndimage`` or torch's conv functions while the grader calls it.
"""
LIBRARY_CONVOLUTION_ALLOWED = frozenset({
    "estimate_delay",
    "dense_param_count", "conv_param_count", "output_size", "layers_to_connect",
    "one_hot", "ngram_kernel",
})

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
