"""GPTQ and round-to-nearest reference results, for QuantizationTests/GPTQFixtureTests.

A re-implementation (written for this project, not copied) of IST-DASLab/gptq: `Quantizer.find_params` of quant.py
with perchannel=True, mse=False, and `GPTQ.fasterquant` of gptq.py with static_groups=False, following that code's
structure step by step, in torch float32 for the weights. g_idx is the one AutoGPTQ / GPTQ-for-LLaMa store:
g_idx = [i // groupsize for i in range(columns)][invperm], i.e. the group of each original column.

Two places differ from gptq.py on purpose, and the Swift port does the same (see Sources/Quantization/GPTQ.swift):
  * H, its dampening, the Cholesky factors and the inverse are computed in float64 from the float64 Gram; only the
    final upper factor Hinv is rounded to float32 (gptq.py does all of it in float32 LAPACK).
  * The lazy block update W[:, i2:] -= Err1 @ Hinv[i1:i2, i2:] accumulates the product in float64 and rounds it to
    float32 once (gptq.py: a float32 GEMM, whose summation order depends on the BLAS).
Both remove the dependence on a BLAS/LAPACK's summation order, so integer codes can be compared exactly. With
`--gptq-precision` the script also runs the all-float32 variant and prints how many codes differ (not stored).
act-order sorts diag(H) descending with a stable sort (ties keep the lower column first).

Checked once against the original gptq.py/quant.py (commit of github.com/IST-DASLab/gptq as mirrored in 2026, run
on CPU with torch.cuda.synchronize stubbed out, H set to (2·gram/N).float()): the all-float32 variant below reproduces
gptq.py's dequantized Q bit for bit in all six cases, and its codes equal the stored (float64-Hessian) codes in all
six cases (`--gptq-precision` prints "differs in 0 of 12288 codes" for each).

Data: W (48 × 256, float32, a few large weights), X (512 × 256, float32, correlated columns of varied scale, input
column 17 dead). Stored: W.npy (float32), gram.npy (float64, XᵀX accumulated in float64), and per case
<case>_codes.npy, <case>_scales.npy, <case>_zeros.npy (rows × groups, float32, groups in the order GPTQ fits them),
<case>_gidx.npy (1 × cols, float32, act-order only); cases.json lists the cases with their parameters and losses.

  python3 -m venv /tmp/qvenv && /tmp/qvenv/bin/pip install numpy torch
  /tmp/qvenv/bin/python make_gptq_fixture.py OUTPUT_DIR [--gptq-precision]
"""
import json
import os
import sys

import numpy as np
import torch

SEED = 20240607
ROWS, COLS, SAMPLES, DEAD = 48, 256, 512, 17


def make_data():
    rng = np.random.default_rng(SEED)
    latent = rng.standard_normal((SAMPLES, 24))
    mixing = rng.standard_normal((24, COLS))
    x = latent @ mixing + 0.5 * rng.standard_normal((SAMPLES, COLS))
    x *= np.exp(0.6 * rng.standard_normal(COLS))  # per-channel scales, like LLM activations
    x[:, DEAD] = 0
    x = x.astype(np.float32)
    w = 0.05 * rng.standard_normal((ROWS, COLS))
    outliers = rng.random((ROWS, COLS)) < 0.01
    w[outliers] *= 8
    w = w.astype(np.float32)
    xd = x.astype(np.float64)
    return w, xd.T @ xd


def find_params(x, bits, sym):
    """Per-row min/max grid of x (rows × k): scale, zero (rows,), as quant.py's Quantizer (perchannel, no mse)."""
    maxq = 2 ** bits - 1
    zero_row = torch.zeros(x.shape[0], dtype=x.dtype)
    xmin = torch.minimum(x.min(1).values, zero_row)
    xmax = torch.maximum(x.max(1).values, zero_row)
    if sym:
        xmax = torch.maximum(torch.abs(xmin), xmax)
        negative = xmin < 0
        xmin[negative] = -xmax[negative]
    flat = (xmin == 0) & (xmax == 0)
    xmin[flat] = -1
    xmax[flat] = +1
    scale = (xmax - xmin) / maxq
    if sym:
        zero = torch.full_like(scale, (maxq + 1) / 2)
    else:
        zero = torch.round(-xmin / scale)
    return scale, zero


def quantize(x, scale, zero, maxq):
    """The integer code and the dequantized value (torch.round: half to even)."""
    code = torch.clamp(torch.round(x / scale) + zero, 0, maxq)
    return code, scale * (code - zero)


def gptq(w, gram, samples, bits, groupsize, sym, actorder, blocksize=128, percdamp=0.01, float32_hessian=False):
    maxq = 2 ** bits - 1
    W = torch.from_numpy(w).clone().float()
    columns = W.shape[1]
    H = 2 * torch.from_numpy(gram) / samples  # float64
    if float32_hessian:
        H = H.float()
    if groupsize == -1:
        scale, zero = find_params(W, bits, sym)  # gptq.py: on W before dead columns are zeroed
        scales, zeros = [scale], [zero]
    else:
        scales, zeros = [], []

    dead = torch.diag(H) == 0
    H[dead, dead] = 1
    W[:, dead] = 0

    if actorder:
        perm = torch.argsort(torch.diag(H), descending=True, stable=True)
        W = W[:, perm]
        H = H[perm][:, perm]
        invperm = torch.argsort(perm)

    damp = percdamp * torch.mean(torch.diag(H))
    H[range(columns), range(columns)] += damp
    L = torch.linalg.cholesky(H)
    Hinv = torch.linalg.cholesky(torch.cholesky_inverse(L), upper=True).float()

    codes = torch.zeros_like(W)
    loss = torch.zeros_like(W)
    for i1 in range(0, columns, blocksize):
        i2 = min(i1 + blocksize, columns)
        W1 = W[:, i1:i2].clone()
        Err1 = torch.zeros_like(W1)
        Hinv1 = Hinv[i1:i2, i1:i2]
        for i in range(i2 - i1):
            w_col = W1[:, i]
            d = Hinv1[i, i]
            if groupsize != -1 and (i1 + i) % groupsize == 0:
                # gptq.py reads W here, not W1: the in-block updates of this block are not seen.
                scale, zero = find_params(W[:, (i1 + i):(i1 + i + groupsize)], bits, sym)
                scales.append(scale)
                zeros.append(zero)
            code, q = quantize(w_col, scale, zero, maxq)
            codes[:, i1 + i] = code
            loss[:, i1 + i] = (w_col - q) ** 2 / d ** 2 / 2
            err1 = (w_col - q) / d
            W1[:, i:] -= err1.unsqueeze(1) * Hinv1[i, i:].unsqueeze(0)  # one rounded product per element
            Err1[:, i] = err1
        if float32_hessian:
            W[:, i2:] -= Err1.matmul(Hinv[i1:i2, i2:])
        else:
            W[:, i2:] -= Err1.double().matmul(Hinv[i1:i2, i2:].double()).float()

    g_idx = None
    if actorder:
        codes = codes[:, invperm]
        size = groupsize if groupsize != -1 else columns
        g_idx = (torch.arange(columns) // size)[invperm]
    return (codes.numpy(), torch.stack(scales, 1).numpy(), torch.stack(zeros, 1).numpy(),
            None if g_idx is None else g_idx.numpy(), float(loss.double().sum()))


def rtn(w, bits, groupsize, sym):
    maxq = 2 ** bits - 1
    W = torch.from_numpy(w).float()
    size = groupsize if groupsize != -1 else W.shape[1]
    codes, scales, zeros = [], [], []
    for g in range(0, W.shape[1], size):
        scale, zero = find_params(W[:, g:g + size], bits, sym)
        code, _ = quantize(W[:, g:g + size], scale.unsqueeze(1), zero.unsqueeze(1), maxq)
        codes.append(code)
        scales.append(scale)
        zeros.append(zero)
    return torch.cat(codes, 1).numpy(), torch.stack(scales, 1).numpy(), torch.stack(zeros, 1).numpy()


GPTQ_CASES = [
    dict(name="b4_g64", bits=4, groupSize=64, symmetric=False, actOrder=False, blockSize=128),
    dict(name="b4_row", bits=4, groupSize=-1, symmetric=False, actOrder=False, blockSize=128),
    dict(name="b3_g64_act", bits=3, groupSize=64, symmetric=False, actOrder=True, blockSize=128),
    dict(name="b8_g128_sym", bits=8, groupSize=128, symmetric=True, actOrder=False, blockSize=128),
    dict(name="b2_g32", bits=2, groupSize=32, symmetric=False, actOrder=False, blockSize=128),
    dict(name="b4_g64_sym_act_block32", bits=4, groupSize=64, symmetric=True, actOrder=True, blockSize=32),
]
RTN_CASES = [
    dict(name="rtn_b4_g64", bits=4, groupSize=64, symmetric=False),
    dict(name="rtn_b3_row_sym", bits=3, groupSize=-1, symmetric=True),
]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    w, gram = make_data()
    np.save(os.path.join(out, "W.npy"), w)
    np.save(os.path.join(out, "gram.npy"), gram)
    listing = {"seed": SEED, "samples": SAMPLES, "deadColumn": DEAD, "gptq": [], "rtn": []}
    for case in GPTQ_CASES:
        codes, scales, zeros, g_idx, loss = gptq(w, gram, SAMPLES, case["bits"], case["groupSize"],
                                                 case["symmetric"], case["actOrder"], case["blockSize"])
        name = case["name"]
        np.save(os.path.join(out, f"{name}_codes.npy"), codes.astype(np.float32))
        np.save(os.path.join(out, f"{name}_scales.npy"), scales.astype(np.float32))
        np.save(os.path.join(out, f"{name}_zeros.npy"), zeros.astype(np.float32))
        if g_idx is not None:
            np.save(os.path.join(out, f"{name}_gidx.npy"), g_idx.astype(np.float32)[None, :])
        listing["gptq"].append(dict(case, loss=loss))
        if "--gptq-precision" in sys.argv:
            plain = gptq(w, gram, SAMPLES, case["bits"], case["groupSize"], case["symmetric"], case["actOrder"],
                         case["blockSize"], float32_hessian=True)
            print(f"{name}: all-float32 run differs in {int((plain[0] != codes).sum())} of {codes.size} codes,"
                  f" loss {plain[4]:.6g} vs {loss:.6g}", file=sys.stderr)
    for case in RTN_CASES:
        codes, scales, zeros = rtn(w, case["bits"], case["groupSize"], case["symmetric"])
        name = case["name"]
        np.save(os.path.join(out, f"{name}_codes.npy"), codes.astype(np.float32))
        np.save(os.path.join(out, f"{name}_scales.npy"), scales.astype(np.float32))
        np.save(os.path.join(out, f"{name}_zeros.npy"), zeros.astype(np.float32))
        listing["rtn"].append(case)
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump(listing, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
