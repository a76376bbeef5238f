#!/usr/bin/env python3
"""safetensors fixtures for FormatsTests, made and checked with the Python `safetensors` library.

Usage:
  python make_safetensors_fixtures.py          writes the fixtures below
  python make_safetensors_fixtures.py check    reads swift_written.safetensors (made by SafeTensorsWriter: run the
                                               test `safetensorsWriterOutputIsReadByPython` with
                                               SVDLLM_WRITE_SAFETENSORS_FIXTURE=<path of that file>) with the Python
                                               library and checks every value, the metadata, and that
                                               save_file produces the same bytes
Needs: numpy, torch, safetensors.

Fixtures:
  python_written.safetensors   F32 / F16 / BF16 / 1-D / 0-D tensors and __metadata__, written by save_file
  python_written.json          their shapes, dtypes and values (widened to float), and the metadata
  sharded/                     the same tensors split over two shards with model.safetensors.index.json
"""
import json
import os
import sys

import numpy as np
import torch
from safetensors.torch import save_file, load_file

HERE = os.path.dirname(os.path.abspath(__file__))


def python_tensors():
    g = torch.Generator().manual_seed(1234)
    return {
        "layers.0.w_f32": torch.randn(3, 5, generator=g, dtype=torch.float32),
        "layers.0.w_f16": torch.randn(4, 8, generator=g).to(torch.float16),
        "layers.1.w_bf16": torch.randn(2, 3, 4, generator=g).to(torch.bfloat16),
        "norm": torch.randn(7, generator=g, dtype=torch.float32),
        "scale": torch.tensor(2.5, dtype=torch.float32),
        "empty": torch.zeros(0, 3, dtype=torch.float32),
    }


def swift_tensors():
    """The matrices the Swift test writes: element (i, j) = (i·cols + j)·0.37 − 1 in Float32."""
    def m(rows, cols):
        idx = np.arange(rows * cols, dtype=np.float32).reshape(rows, cols)
        return torch.from_numpy(idx * np.float32(0.37) - np.float32(1))
    return {
        "a.f32": m(3, 4),
        "b.f16": m(5, 3).to(torch.float16),
        "c.bf16": m(2, 6).to(torch.bfloat16),
        "d.vector": m(1, 9).reshape(9),
        "e.cube": m(4, 6).reshape(2, 2, 6).to(torch.bfloat16),
    }


def describe(tensors, metadata):
    return {"metadata": metadata,
            "tensors": {k: {"dtype": str(v.dtype).replace("torch.", ""), "shape": list(v.shape),
                            "values": v.float().reshape(-1).tolist()} for k, v in tensors.items()}}


def make():
    tensors = python_tensors()
    metadata = {"format": "pt", "note": "fixture ✓"}
    save_file(tensors, os.path.join(HERE, "python_written.safetensors"), metadata=metadata)
    with open(os.path.join(HERE, "python_written.json"), "w") as f:
        json.dump(describe(tensors, metadata), f, indent=1)
    shard_dir = os.path.join(HERE, "sharded")
    os.makedirs(shard_dir, exist_ok=True)
    names = sorted(tensors)
    parts = {"model-00001-of-00002.safetensors": names[:3], "model-00002-of-00002.safetensors": names[3:]}
    weight_map = {}
    for file, part in parts.items():
        save_file({k: tensors[k] for k in part}, os.path.join(shard_dir, file), metadata={"format": "pt"})
        weight_map.update({k: file for k in part})
    with open(os.path.join(shard_dir, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": sum(t.numel() * t.element_size() for t in tensors.values())},
                   "weight_map": weight_map}, f, indent=1)


def check():
    path = os.path.join(HERE, "swift_written.safetensors")
    loaded = load_file(path)
    expected = swift_tensors()
    assert set(loaded) == set(expected), (set(loaded), set(expected))
    for k, v in expected.items():
        got = loaded[k]
        assert got.dtype == v.dtype and got.shape == v.shape, (k, got.dtype, got.shape)
        assert torch.equal(got.view(torch.int16 if v.element_size() == 2 else torch.int32),
                           v.view(torch.int16 if v.element_size() == 2 else torch.int32)), k
    from safetensors import safe_open
    with safe_open(path, "pt") as f:
        assert f.metadata() == {"producer": "swift-svd-llm"}, f.metadata()
    ref = path + ".python"
    save_file(expected, ref, metadata={"producer": "swift-svd-llm"})
    same = open(ref, "rb").read() == open(path, "rb").read()
    os.remove(ref)
    assert same, "save_file wrote different bytes"
    print("OK: python reads swift_written.safetensors; bytes equal save_file's")


if __name__ == "__main__":
    check() if sys.argv[1:] == ["check"] else make()
