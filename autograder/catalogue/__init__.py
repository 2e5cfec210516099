"""Catalogues of student implementations, one module per assignment.

``WRONG[function][name] = (code, message)``: a realistic mistake, whose test cell must lose
its points with ``message`` in the feedback. ``CORRECT[function][name] = code``: a correct
answer written differently (loops, einsum, FFT, float32, ...), which must keep full marks.
``convgrade validate``, the demo's synthetic class and the test suite all grade them through
the real pipeline.
"""
import importlib


def load(assignment: str):
    """The catalogue module of ``assignment``."""
    return importlib.import_module(f"{__name__}.{assignment}")
