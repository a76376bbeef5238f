#!/usr/bin/env python3
"""Peer timings (numpy → OpenBLAS/LAPACK) for the kernels `svdllm bench` times, as JSON lines in its schema.

Used by Scripts/compare-kernels; run it with a Python that has numpy (the peer venv: `python3 -m venv $TMPDIR/peer-venv &&
$TMPDIR/peer-venv/bin/pip install numpy`) and with
OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset so OpenBLAS picks its best kernel for this CPU.
  peer_timings.py KERNEL THREADS REPEATS DTYPE SHAPE[,SHAPE...]
KERNEL: gemm (m x k x n), cholesky (n), qr (m x n, R only, like our QR without forming Q), svd (m x n, thin),
svd-jacobi (m x n: LAPACK's xGEJSV through SciPy, U and V).
"""
import json
import sys
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits


def best(f, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def main():
    kernel, threads, repeats, dtype, shapes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
    dt = {"f32": np.float32, "f64": np.float64}[dtype]
    rng = np.random.default_rng(0)
    backend = [(i["internal_api"], i.get("architecture"), i.get("version")) for i in threadpool_info()]
    with threadpool_limits(threads):
        for item in shapes.split(","):
            dims = [int(x) for x in item.split("x")]
            flops = None
            if kernel == "gemm":
                m, k, n = dims
                a = rng.uniform(-1, 1, (m, k)).astype(dt)
                b = rng.uniform(-1, 1, (k, n)).astype(dt)
                s = best(lambda: a @ b, repeats)
                flops = 2.0 * m * k * n
            elif kernel == "cholesky":
                n = dims[0]
                x = rng.standard_normal((n + 64, n))
                g = (x.T @ x / (n + 64) + np.eye(n)).astype(dt)
                s = best(lambda: np.linalg.cholesky(g), repeats)
                flops, dims = n ** 3 / 3, [n, n]
            elif kernel == "qr":
                m, n = dims
                a = rng.standard_normal((m, n)).astype(dt)
                s = best(lambda: np.linalg.qr(a, mode="r"), repeats)
                p = min(m, n)
                flops = 2.0 * max(m, n) * p * p - 2.0 * p ** 3 / 3
            elif kernel == "svd":
                m, n = dims
                a = rng.standard_normal((m, n)).astype(dt)
                s = best(lambda: np.linalg.svd(a, full_matrices=False), repeats)
            elif kernel == "svd-jacobi":
                # LAPACK's own Jacobi SVD: xGEJSV (Drmač–Veselić preconditioned one-sided Jacobi, U and V), through
                # SciPy (not part of the peer venv by default: `pip install scipy`). It needs m ≥ n, so a wide
                # input is decomposed transposed, as our Jacobi does.
                try:
                    import scipy.linalg.lapack as lapack
                except ImportError:
                    sys.exit("peer_timings.py: svd-jacobi needs SciPy in the peer venv (pip install scipy)")
                m, n = dims
                a = rng.standard_normal((m, n)).astype(dt)
                tall = np.asfortranarray(a if m >= n else a.T)
                gejsv = lapack.dgejsv if dt == np.float64 else lapack.sgejsv
                def jacobi():
                    out = gejsv(tall)   # SciPy's defaults: U and V computed
                    if out[-1] != 0:
                        sys.exit(f"peer_timings.py: xGEJSV info = {out[-1]} at {m}x{n}")
                s = best(jacobi, repeats)
                backend = [(i["internal_api"], i.get("architecture"), i.get("version"), i.get("filepath"))
                           for i in threadpool_info()]
            else:
                sys.exit(f"peer_timings.py: unknown kernel '{kernel}'")
            row = {"kernel": kernel, "variant": "numpy", "shape": dims, "dtype": dtype, "threads": threads,
                   "ms": round(s * 1e3, 3), "backend": backend}
            if flops:
                row["gflops"] = round(flops / s / 1e9, 1)
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
