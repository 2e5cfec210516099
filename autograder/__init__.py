"""convgrade: the grader of the convgrade course (hidden checks, nbgrader wiring, CLI)."""
import sys

# nbformat imports jsonschema, whose optional IRI format checker (rfc3987_syntax) compiles a
# grammar on import: most of a second of every command's start-up. convgrade never validates
# an IRI, so that checker is left out (jsonschema skips checkers it cannot import).
sys.modules.setdefault("rfc3987_syntax", None)

# ... and validates every notebook it reads or writes: with the fast validator it ships with,
# a twentieth of the time (nbgrader reads and writes each notebook several times).
import os  # noqa: E402

os.environ.setdefault("NBFORMAT_VALIDATOR", "fastjsonschema")
