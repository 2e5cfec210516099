"""convgrade: the grader of the convgrade course (hidden checks, nbgrader wiring, CLI)."""
