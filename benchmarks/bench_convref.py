"""Benchmark convref against scipy (and PyTorch when it is installed) on a fixed table of shapes.

Run from the repository root:  python benchmarks/bench_convref.py [--dtype float32] [--repeats 5]

Every timing is the best of a few repeats (time.perf_counter) of one call on the same input,
in the same run; a ratio is convref's time divided by the peer's (below 1: convref is faster).
Results are checked against each other before anything is timed. See benchmarks/README.md.
"""
from __future__ import annotations

import argparse
import math
import platform
import time
import tracemalloc

import numpy as np
from scipy import signal

import convref
from convref.shapes import output_shape

try:  # optional peer
    import torch
    import torch.nn.functional as F
except ImportError:  # pragma: no cover - depends on the machine
    torch = None

# name, x shape (N, C, *S), w shape (D, C, *K), padding
SHAPES = [
    ("conv-layer 64x64 3x3", (8, 16, 64, 64), (32, 16, 3, 3), 1),
    ("conv-layer 224x224 5x5", (1, 3, 224, 224), (16, 3, 5, 5), 2),
    ("template 1024^2 RGB / 64^2", (1, 3, 1024, 1024), (1, 3, 64, 64), 0),
    ("audio 10 s 48 kHz, 8x1024", (1, 2, 480000), (8, 2, 1024), 0),
    ("1-D large kernel 2^18 / 8191", (1, 1, 262144), (1, 1, 8191), 0),
    ("3-D small 24^3, 3^3", (2, 4, 24, 24, 24), (8, 4, 3, 3, 3), 1),
]
BIG = ("template 1024^2 RGB / 64^2", "audio 10 s 48 kHz, 8x1024")

SCIPY_DIRECT_MAX_MACS = 2e9     # scipy's direct path is single-threaded loops: skip beyond this
CONVREF_DIRECT_MAX_BYTES = 8e9  # bytes of windows the direct path copies (im2col), in chunks
TORCH_MAX_MACS = 2e9            # PyTorch's CPU conv is direct only, and may allocate a full
TORCH_MAX_BYTES = 2e9           # im2col (17 GB for the 1-D large kernel in float64): skip those
MATMUL_MAX_BYTES = 256 * 2**20  # the reference matmul's left operand is capped at this size


def best_time(func, repeats, budget=10.0):
    """Best wall time of up to ``repeats`` calls; stops early once ``budget`` seconds are spent."""
    best, spent = math.inf, 0.0
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        func()
        took = time.perf_counter() - start
        best, spent = min(best, took), spent + took
        if spent > budget:
            break
    return best


def peak_mib(func):
    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def padded(x, padding):
    rank = x.ndim - 2
    return np.pad(x, ((0, 0), (0, 0)) + ((padding, padding),) * rank) if padding else x


def scipy_correlate(x, w, padding, method):
    """The layer with scipy.signal.correlate: one N-D valid correlation per (n, d); the channel
    axis is correlated too, with a kernel as deep as the input, so it sums over channels."""
    xp = padded(x, padding)
    out = [[signal.correlate(xp[n], w[d], mode="valid", method=method)[0]
            for d in range(w.shape[0])] for n in range(x.shape[0])]
    return np.asarray(out)


def scipy_fftconvolve(x, w, padding):
    """The layer with scipy.signal.fftconvolve: per batch item, broadcast over the D kernels."""
    xp = padded(x, padding)
    flipped = w[(slice(None),) + (slice(None, None, -1),) * (w.ndim - 1)]
    axes = tuple(range(1, w.ndim))
    return np.stack([signal.fftconvolve(xp[n][None], flipped, mode="valid", axes=axes)[:, 0]
                     for n in range(x.shape[0])])


def torch_conv(x, w, padding):
    xt, wt = torch.from_numpy(x), torch.from_numpy(w)
    op = {3: F.conv1d, 4: F.conv2d, 5: F.conv3d}[x.ndim]
    with torch.no_grad():
        return op(xt, wt, padding=padding).numpy()


def matmul_gflops(rows, taps, depth, dtype, repeats):
    """numpy's own matmul speed on the direct path's shape ``(rows, taps) @ (taps, depth)``."""
    itemsize = np.dtype(dtype).itemsize
    rows = max(1, min(rows, int(MATMUL_MAX_BYTES // (taps * itemsize))))
    rng = np.random.default_rng(0)
    a = rng.standard_normal((rows, taps)).astype(dtype)
    b = rng.standard_normal((taps, depth)).astype(dtype)
    return 2 * rows * taps * depth / best_time(lambda: a @ b, repeats) / 1e9


def fmt_time(t):
    return "-" if t is None else (f"{t * 1e3:.1f} ms" if t < 1 else f"{t:.2f} s")


def fmt_ratio(mine, theirs):
    return "-" if theirs is None else f"{mine / theirs:.3g}x"


def run(dtype, repeats):
    rng = np.random.default_rng(0)
    rows, notes = [], []
    for name, x_shape, w_shape, padding in SHAPES:
        x = rng.standard_normal(x_shape).astype(dtype)
        w = rng.standard_normal(w_shape).astype(dtype)
        n, c, d = x_shape[0], x_shape[1], w_shape[0]
        out_sp = output_shape(x_shape[2:], w_shape[2:], 1, padding, 1)
        macs = n * d * c * math.prod(out_sp) * math.prod(w_shape[2:])
        taps = c * math.prod(w_shape[2:])
        im2col_bytes = n * math.prod(out_sp) * taps * np.dtype(dtype).itemsize

        mine = convref.conv(x, w, padding=padding)
        tol = (1e-3 if dtype == np.float32 else 1e-8) * np.abs(mine).max()
        t_auto = best_time(lambda: convref.conv(x, w, padding=padding), repeats)

        def peer(label, func):
            """Check a peer against convref, then time it; None (and a note) if it fails."""
            try:
                np.testing.assert_allclose(func(), mine, atol=tol)
            except (RuntimeError, MemoryError) as exc:   # e.g. torch's float64 im2col
                notes.append(f"{name}: {label} failed: {str(exc).splitlines()[0][:90]}")
                return None
            return best_time(func, repeats)

        t_sd = None
        if macs <= SCIPY_DIRECT_MAX_MACS:
            t_sd = peer("scipy.signal.correlate(direct)",
                        lambda: scipy_correlate(x, w, padding, "direct"))
        t_sa = peer("scipy.signal.correlate(auto)", lambda: scipy_correlate(x, w, padding, "auto"))
        t_ff = peer("scipy.signal.fftconvolve", lambda: scipy_fftconvolve(x, w, padding))
        t_torch = None
        if torch is not None and macs <= TORCH_MAX_MACS and im2col_bytes <= TORCH_MAX_BYTES:
            t_torch = peer("torch", lambda: torch_conv(x, w, padding))
        elif torch is not None:
            notes.append(f"{name}: torch not run (no FFT path: {macs / 1e9:.1f} G multiply-adds, "
                         f"up to {im2col_bytes / 1e9:.0f} GB of im2col)")

        gflops = mm_gflops = None
        if im2col_bytes <= CONVREF_DIRECT_MAX_BYTES:
            t_direct = best_time(lambda: convref.conv(x, w, padding=padding, method="direct"),
                                 repeats if im2col_bytes < 1e9 else 1)
            gflops = 2 * macs / t_direct / 1e9
            mm_gflops = matmul_gflops(n * math.prod(out_sp), taps, d, dtype, repeats)
        else:
            notes.append(f"{name}: direct path not timed (it would copy "
                         f"{im2col_bytes / 1e9:.0f} GB of windows)")
        if name in BIG:
            peaks = [peak_mib(lambda: convref.conv(x, w, padding=padding)),
                     peak_mib(lambda: scipy_correlate(x, w, padding, "auto")),
                     peak_mib(lambda: scipy_fftconvolve(x, w, padding))]
            notes.append(f"{name}: peak memory (tracemalloc) convref {peaks[0]:.0f} MiB, "
                         f"scipy.correlate(auto) {peaks[1]:.0f} MiB, fftconvolve {peaks[2]:.0f} MiB "
                         f"(input {x.nbytes / 2**20:.0f} MiB, output {mine.nbytes / 2**20:.0f} MiB)")
        rows.append([name, fmt_time(t_auto), fmt_ratio(t_auto, t_sd), fmt_ratio(t_auto, t_sa),
                     fmt_ratio(t_auto, t_ff), fmt_ratio(t_auto, t_torch),
                     "-" if gflops is None else f"{gflops:.1f}",
                     "-" if mm_gflops is None else f"{mm_gflops:.1f}"])
        print(f"  done: {name}", flush=True)
    return rows, notes


def table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(str(h).ljust(w) if i == 0 else str(h).rjust(w)
                     for i, (h, w) in enumerate(zip(header, widths))), line]
    for r in rows:
        out.append("  ".join(str(v).ljust(w) if i == 0 else str(v).rjust(w)
                             for i, (v, w) in enumerate(zip(r, widths))))
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    parser.add_argument("--repeats", type=int, default=5, help="best of this many calls")
    args = parser.parse_args()
    dtype = np.dtype(args.dtype)
    print(f"convref benchmark, {args.dtype}, best of {args.repeats}; numpy {np.__version__}, "
          f"scipy {__import__('scipy').__version__}, torch "
          f"{torch.__version__ if torch is not None else 'not installed'}; "
          f"{platform.machine()}, {__import__('os').cpu_count()} CPUs")
    rows, notes = run(dtype.type, args.repeats)
    header = ["shape", "convref", "/sp.corr direct", "/sp.corr auto", "/fftconvolve", "/torch",
              "direct GFLOP/s", "matmul GFLOP/s"]
    print()
    print(table(header, rows))
    print()
    for note in notes:
        print("note:", note)
    square = np.random.default_rng(1).standard_normal((1024, 1024)).astype(dtype)
    peak = 2 * 1024**3 / best_time(lambda: square @ square, args.repeats) / 1e9
    print(f"note: numpy matmul on a square 1024x1024 {args.dtype} product: {peak:.1f} GFLOP/s")
    print("ratios are convref(auto) time / peer time: below 1 means convref is faster.")


if __name__ == "__main__":
    main()
