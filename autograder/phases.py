"""Where grading time goes: named phases of one ``convgrade grade``, measured always (a
clock read costs nothing) and shown with ``--profile``; the benchmark reads them too."""
from __future__ import annotations

import os
import time
from contextlib import contextmanager


class Phases:
    """Seconds spent per phase, summed over every time the phase is entered."""

    def __init__(self):
        self.seconds = {}

    @contextmanager
    def __call__(self, name: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - start)

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    def rounded(self) -> dict:
        return {name: round(value, 3) for name, value in self.seconds.items()}


def since_process_start() -> float:
    """Seconds since this process started (Linux: from /proc), or 0 where unknown: what the
    interpreter's start-up and the imports cost before the first phase."""
    try:
        with open("/proc/self/stat") as handle:
            started = int(handle.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as handle:
            uptime = float(handle.read().split()[0])
        return max(0.0, uptime - started / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return 0.0
