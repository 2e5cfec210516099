"""Catalogues of student implementations, one module per assignment.

``WRONG[function][name]`` is a :class:`Mistake`: a realistic wrong answer, the misconception
it embodies, the credit groups of its test cell it must lose (exactly those), and a piece of
the feedback it must get. ``CORRECT[function][name] = code``: a correct answer written
differently (loops, einsum, FFT, float32, integer inputs ...), which must keep full marks.
``convgrade validate``, the demo's synthetic class and the test suite all grade them through
the real pipeline; ``validate`` also reports the share of mistakes whose misconception the
feedback names.
"""
import importlib
from dataclasses import dataclass

#: The misconception key of a library shortcut (``convgrade.verdict.SHORTCUT``).
LIBRARY = "library_shortcut"


@dataclass(frozen=True)
class Mistake:
    """A catalogued wrong answer: ``code`` (the answer cell), ``message`` (a piece of the
    feedback it must get), ``misconception`` (the key of the mistake it embodies, which the
    feedback should name) and ``breaks`` (the credit groups it loses; every other group of
    its test cell keeps its points)."""
    code: str
    message: str
    misconception: str
    breaks: tuple = ("values",)

    def __iter__(self):          # ``code, message = entry``, as older tests unpack it
        return iter((self.code, self.message))


def load(assignment: str):
    """The catalogue module of ``assignment``."""
    return importlib.import_module(f"{__name__}.{assignment}")


def mistakes(cat, shortcuts=True) -> list:
    """``[(function, name, Mistake)]`` of a catalogue module, in its order; without the library
    shortcuts when ``shortcuts`` is false (only a kernel shows those)."""
    return [(fn, name, entry) for fn, table in cat.WRONG.items() for name, entry in table.items()
            if shortcuts or entry.misconception != LIBRARY]


def variants(cat) -> list:
    """``[(function, name, code)]`` of a catalogue module's correct variants, in its order."""
    return [(fn, name, code) for fn, table in cat.CORRECT.items() for name, code in table.items()]
