#!/usr/bin/env python3
"""Writes the OUT.partial folders of LayerCheckpointRegressionTests (inputs the Checkpoint fuzz target broke the
contract on), for layer 0 of the tiny LLaMA (Tests/TransformerRuntimeTests/Fixtures/tiny/llama: q_proj 32 × 32):

    bias-length/   q_proj factors that fit, with a bias of 16 values (the model's has 32)
    rank-zero/     q_proj.u 32 × 0 and q_proj.v 0 × 32
    no-run-json/   a finished layer 0 that fits, and no run.json

run.json is the run of fingerprint "fuzz", description "fuzz" (as the fuzz target). Standard library only.
"""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


# RunFingerprint of "fuzz" (FNV-1a of its bytes and a NUL; fnv1a in Tests/Fuzz/make_seeds.py).
FUZZ_RUN = "0d6cb35c8ef0cc20"


def safetensors(entries):
    header, offset, data = {"__metadata__": {"format": "svdllm-layer"}}, 0, b""
    for name, shape in entries:
        n = 1
        for d in shape:
            n *= d
        blob = b"".join(struct.pack("<f", ((i * 37) % 17 - 8) / 16) for i in range(n))
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        data += blob
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data


def folder(name, tensors, run=True):
    d = os.path.join(HERE, name)
    os.makedirs(d, exist_ok=True)
    if run:
        with open(os.path.join(d, "run.json"), "w") as f:
            json.dump({"description": "fuzz", "fingerprint": FUZZ_RUN}, f)
    report = [{"layer": 0, "name": "q_proj", "rows": 32, "cols": 32, "rank": 4, "predictedLoss": 0,
               "shiftedPivots": 0, "totalShift": 0, "singularValues": []}]
    with open(os.path.join(d, "layer-000.json"), "w") as f:
        json.dump(report, f)
    with open(os.path.join(d, "layer-000.safetensors"), "wb") as f:
        f.write(safetensors(tensors))


folder("bias-length", [("q_proj.u", [32, 4]), ("q_proj.v", [4, 32]), ("q_proj.bias", [16])])
folder("rank-zero", [("q_proj.u", [32, 0]), ("q_proj.v", [0, 32])])
folder("no-run-json", [("q_proj.u", [32, 4]), ("q_proj.v", [4, 32]), ("q_proj.bias", [32])], run=False)
