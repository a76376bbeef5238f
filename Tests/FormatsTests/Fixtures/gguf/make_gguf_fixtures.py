#!/usr/bin/env python3
"""Makes the GGUF fixtures for FormatsTests with gguf-py (the reference decoder) and transformers.

Usage: python make_gguf_fixtures.py [cache_dir]   (cache_dir defaults to ~/.cache/swift-svd-llm)
Needs: numpy, gguf (gguf-py), transformers (only for its GGUF Q/K un-permutation).

Writes, next to this script:
  random_<TYPE>.bin / random_<TYPE>.f32  seeded random blocks of each type and gguf-py's decoding of them
  <model>_<tensor>.f32                   the first rows of real tensors as decoded by gguf-py
  <model>_<tensor>.hf.f32                the first rows of attn_q / attn_k after transformers' reverse permutation
  <model>_metadata.json                  the metadata (long arrays summarized) and the tensor table
  manifest.json                          what each file is
All floats are little-endian float32, row-major.
"""
import json
import os
import sys

import numpy as np
from gguf import GGUFReader, GGMLQuantizationType as T, GGUFValueType
from gguf.constants import GGML_QUANT_SIZES
from gguf.quants import dequantize
from transformers.modeling_gguf_pytorch_utils import LlamaTensorProcessor

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = sys.argv[1] if len(sys.argv) > 1 else os.path.expanduser("~/.cache/swift-svd-llm")
MODELS = {
    "smolLM2": os.path.join(CACHE, "models/SmolLM2-135M-Instruct.Q4_1.gguf"),
    "gemma3": os.path.join(CACHE, "models/gemma-3-270m-q4_k_m.gguf"),
}
# Byte offsets of the F16 fields (scales) inside one block, which get random finite values.
F16_FIELDS = {T.Q8_0: [0], T.Q4_0: [0], T.Q4_1: [0, 2], T.Q5_0: [0], T.Q5_1: [0, 2],
              T.Q4_K: [0, 2], T.Q5_K: [0, 2], T.Q6_K: [208]}
REAL = {
    "smolLM2": [("token_embd.weight", 3), ("blk.0.attn_norm.weight", 1), ("blk.0.ffn_down.weight", 3),
                ("blk.0.attn_q.weight", 3), ("blk.29.ffn_up.weight", 2), ("output_norm.weight", 1)],
    "gemma3": [("token_embd.weight", 2), ("output_norm.weight", 1), ("blk.0.attn_k.weight", 3),
               ("blk.0.attn_output.weight", 3), ("blk.0.ffn_down.weight", 3), ("blk.0.attn_v.weight", 3),
               ("blk.17.ffn_gate.weight", 2)],
}
UNPERMUTE_ROWS = 8


def write(name, array):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(np.ascontiguousarray(array).tobytes())


def random_blocks(rng):
    entries = []
    for qtype in [T.F16, T.BF16, T.Q8_0, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q4_K, T.Q5_K, T.Q6_K]:
        block_size, type_size = GGML_QUANT_SIZES[qtype]
        n_blocks = 8 if block_size > 1 else 256
        if qtype == T.F16:
            values = rng.standard_normal(n_blocks).astype(np.float16)
            values[:6] = np.array([0.0, -0.0, np.inf, -np.inf, 6e-8, 65504.0], dtype=np.float16)
            raw = values.view(np.uint8).reshape(n_blocks, type_size)
        elif qtype == T.BF16:
            bits = (rng.standard_normal(n_blocks).astype(np.float32).view(np.uint32) >> 16).astype(np.uint16)
            bits[:4] = [0x0000, 0x8000, 0x7F80, 0x0001]
            raw = bits.view(np.uint8).reshape(n_blocks, type_size)
        else:
            raw = rng.integers(0, 256, size=(n_blocks, type_size), dtype=np.uint8)
            for off in F16_FIELDS[qtype]:
                scale = (rng.standard_normal(n_blocks) * 0.05).astype(np.float16)
                raw[:, off:off + 2] = scale.view(np.uint8).reshape(n_blocks, 2)
        decoded = dequantize(raw.reshape(-1), qtype).astype(np.float32)
        assert decoded.size == n_blocks * block_size
        name = qtype.name
        write(f"random_{name}.bin", raw)
        write(f"random_{name}.f32", decoded)
        entries.append({"type": name, "blocks": f"random_{name}.bin", "expected": f"random_{name}.f32",
                        "block_count": n_blocks})
    return entries


def field_value(field):
    """A JSON form of a metadata value: scalars as is, long arrays as count + head + tail."""
    t = field.types[0]
    if t == GGUFValueType.ARRAY:
        values = field.contents()
        if len(values) > 8:
            return {"type": "array", "element_type": field.types[-1].name, "count": len(values),
                    "head": values[:3], "tail": values[-3:]}
        return {"type": "array", "element_type": field.types[-1].name if len(field.types) > 1 else None,
                "count": len(values), "values": values}
    value = field.contents()
    if isinstance(value, float) and not np.isfinite(value):
        value = str(value)
    return {"type": t.name, "value": value}


def real_tensors(manifest):
    for model, path in MODELS.items():
        reader = GGUFReader(path)
        meta = {"version": int(reader.fields["GGUF.version"].contents()),
                "metadata": {k: field_value(f) for k, f in reader.fields.items() if not k.startswith("GGUF.")},
                "tensors": [{"name": t.name, "dims": [int(d) for d in t.shape], "type": t.tensor_type.name,
                             "offset": int(t.data_offset - reader.data_offset)} for t in reader.tensors],
                "data_offset": int(reader.data_offset)}
        with open(os.path.join(HERE, f"{model}_metadata.json"), "w") as f:
            json.dump(meta, f, indent=0, ensure_ascii=False)
        manifest["metadata"].append({"model": model, "file": f"{model}_metadata.json"})
        by_name = {t.name: t for t in reader.tensors}
        for name, rows in REAL[model]:
            t = by_name[name]
            full = dequantize(t.data, t.tensor_type)
            full = full.reshape(-1, full.shape[-1]).astype(np.float32)
            out = f"{model}_{name}.f32"
            write(out, full[:rows])
            manifest["real"].append({"model": model, "tensor": name, "type": t.tensor_type.name, "rows": rows,
                                     "cols": int(full.shape[-1]), "expected": out})
        if model == "smolLM2":
            heads = int(reader.fields["llama.attention.head_count"].contents())
            kv_heads = int(reader.fields["llama.attention.head_count_kv"].contents())
            proc = LlamaTensorProcessor(config={"num_attention_heads": heads, "num_key_value_heads": kv_heads})
            for name in ["blk.0.attn_q.weight", "blk.0.attn_k.weight"]:
                t = by_name[name]
                full = dequantize(t.data, t.tensor_type).astype(np.float32)
                hf = proc.process(full, name).weights
                out = f"{model}_{name}.hf.f32"
                write(out, hf[:UNPERMUTE_ROWS])
                manifest["unpermuted"].append({"model": model, "tensor": name, "heads": heads, "kv_heads": kv_heads,
                                               "rows": UNPERMUTE_ROWS, "cols": int(full.shape[-1]),
                                               "expected": out})


def main():
    rng = np.random.default_rng(20240611)
    manifest = {"random_blocks": random_blocks(rng), "real": [], "unpermuted": [], "metadata": []}
    real_tensors(manifest)
    with open(os.path.join(HERE, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main()
