#!/usr/bin/env python3
"""Writes the fuzz seed corpora, Tests/Fuzz/corpus/<Target>/, from the real assets and the test fixtures.

    python3 Tests/Fuzz/make_seeds.py [CACHE]      CACHE defaults to ~/.cache/swift-svd-llm

Standard library only. Real models contribute their headers, not their weights: the first 96 KB of the SmolLM2
and Gemma 3 GGUF files (cut inside the metadata), and "header" files that keep a model's metadata (arrays cut to
their first 300 entries) and tensor table (every tensor shrunk to one block) with matching data; the safetensors
seeds keep the compressed SmolLM2's tensor table the same way. Deterministic: rerunning gives the same bytes.
"""
import json
import os
import random
import struct
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CACHE = sys.argv[1] if len(sys.argv) > 1 else os.path.expanduser("~/.cache/swift-svd-llm")
OUT = os.path.join(ROOT, "Tests", "Fuzz", "corpus")
FIX = os.path.join(ROOT, "Tests", "FormatsTests", "Fixtures")

# ggml type → (block size, type size), for the types the seeds use.
GGML = {0: (1, 4), 1: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24), 8: (32, 34), 9: (32, 40),
        12: (256, 144), 13: (256, 176), 14: (256, 210), 30: (1, 2)}
TYPE_NAMES = {"F16": 1, "Q4_0": 2, "Q4_1": 3, "Q5_0": 6, "Q5_1": 7, "Q8_0": 8, "Q4_K": 12, "Q5_K": 13,
              "Q6_K": 14, "BF16": 30}


def write(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


# ---------------------------------------------------------------- GGUF

class Reader:
    def __init__(self, data):
        self.d, self.i = data, 0

    def take(self, fmt):
        v = struct.unpack_from("<" + fmt, self.d, self.i)
        self.i += struct.calcsize("<" + fmt)
        return v[0]

    def string(self):
        n = self.take("Q")
        s = self.d[self.i:self.i + n]
        self.i += n
        return s

    def value(self, t):
        fixed = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "B", 10: "Q", 11: "q", 12: "d"}
        if t in fixed:
            return self.take(fixed[t])
        if t == 8:
            return self.string()
        et, n = self.take("I"), self.take("Q")
        return (et, [self.value(et) for _ in range(n)])


def gguf_read_header(path):
    """(metadata [(key, type, value)], tensors [(name, dims, type)]) of a GGUF file."""
    with open(path, "rb") as f:
        r = Reader(f.read(64 << 20))  # the header of the models used here is well inside 64 MB
    assert r.d[:4] == b"GGUF"
    r.i = 4
    r.take("I")
    nt, nkv = r.take("Q"), r.take("Q")
    meta = []
    for _ in range(nkv):
        k = r.string()
        t = r.take("I")
        meta.append((k, t, r.value(t)))
    tensors = []
    for _ in range(nt):
        name = r.string()
        nd = r.take("I")
        dims = [r.take("Q") for _ in range(nd)]
        t = r.take("I")
        r.take("Q")
        tensors.append((name, dims, t))
    return meta, tensors


def enc_value(t, v):
    fixed = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "B", 10: "Q", 11: "q", 12: "d"}
    if t in fixed:
        return struct.pack("<" + fixed[t], v)
    if t == 8:
        return struct.pack("<Q", len(v)) + v
    et, items = v
    return struct.pack("<IQ", et, len(items)) + b"".join(enc_value(et, x) for x in items)


def gguf_build(meta, tensors, alignment=32):
    """meta: [(key bytes, type, value)]; tensors: [(name bytes, dims, type, data bytes)]."""
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(meta))
    for k, t, v in meta:
        out += struct.pack("<Q", len(k)) + k + struct.pack("<I", t) + enc_value(t, v)
    offset, blobs = 0, []
    for name, dims, t, data in tensors:
        out += struct.pack("<Q", len(name)) + name + struct.pack("<I", len(dims))
        out += b"".join(struct.pack("<Q", d) for d in dims) + struct.pack("<IQ", t, offset)
        blobs.append((offset, data))
        offset += (len(data) + alignment - 1) // alignment * alignment
    out += b"\0" * (-len(out) % alignment)
    data = bytearray(offset)
    for o, b in blobs:
        data[o:o + len(b)] = b
    return out + bytes(data)


def shrink_arrays(meta, keep=300):
    return [(k, t, (v[0], v[1][:keep]) if t == 9 else v) for k, t, v in meta]


def one_block_tensors(tensors, limit, rng):
    """Each tensor reduced to one block per row and at most two rows, with random bytes."""
    out = []
    for name, dims, t in tensors[:limit]:
        if t not in GGML:
            continue
        bs, ts = GGML[t]
        d = [bs] + [min(2, x) for x in dims[1:]]
        rows = 1
        for x in d[1:]:
            rows *= x
        out.append((name, d, t, bytes(rng.getrandbits(8) for _ in range(rows * ts))))
    return out


def gguf_seeds(rng):
    models = {"smollm2": "SmolLM2-135M-Instruct.Q4_1.gguf", "gemma3": "gemma-3-270m-q4_k_m.gguf"}
    for short, file in models.items():
        path = os.path.join(CACHE, "models", file)
        if not os.path.exists(path):
            print(f"skipping {path} (not downloaded)")
            continue
        with open(path, "rb") as f:
            write("GGUF", f"{short}-first96k.gguf", f.read(96 << 10))
        meta, tensors = gguf_read_header(path)
        small = shrink_arrays(meta)
        write("GGUF", f"{short}-header.gguf", gguf_build(small, one_block_tensors(tensors, 24, rng)))
        # The tokenizer target reads the tokenizer metadata only.
        tok = [m for m in small if m[0].startswith(b"tokenizer.") or m[0] == b"general.architecture"]
        write("Tokenizer", f"{short}-tokenizer.gguf", gguf_build(tok, []))
    # One tensor of each decoded type (2 rows of the fixture's random blocks), and one without a kernel.
    arch = [(b"general.architecture", 8, b"llama"), (b"general.alignment", 4, 32)]
    for name, t in TYPE_NAMES.items():
        blob = read(os.path.join(FIX, "gguf", f"random_{name}.bin"))
        bs, ts = GGML[t]
        blocks = len(blob) // ts
        dims = [bs * blocks // 2, 2] if blocks % 2 == 0 else [bs * blocks]
        write("GGUF", f"type-{name}.gguf", gguf_build(arch, [(b"w", dims, t, blob)]))
    write("GGUF", "type-Q8_1.gguf", gguf_build(arch, [(b"w", [32], 9, bytes(40))]))
    write("GGUF", "empty-v3.gguf", gguf_build([], []))


# ---------------------------------------------------------------- safetensors

def safetensors_build(entries, metadata=None):
    """entries: [(name, dtype, shape, data bytes)]."""
    header, offset, data = {}, 0, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, blob in entries:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        data += blob
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data


def safetensors_seeds(rng):
    for name in ["python_written.safetensors", "swift_written.safetensors"]:
        write("SafeTensors", name, read(os.path.join(FIX, "safetensors", name)))
    for name in ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
                 "model.safetensors.index.json"]:
        write("SafeTensors", "sharded-" + name, read(os.path.join(FIX, "safetensors", "sharded", name)))
    path = os.path.join(CACHE, "compressed", "SmolLM2-135M-whiten-0.2", "model.safetensors")
    if os.path.exists(path):
        blob = read(path)
        (n,) = struct.unpack_from("<Q", blob)
        header = json.loads(blob[8:8 + n])
        write("SafeTensors", "smollm2-svd-header-cut.safetensors", blob[:8 + n + 256])
        sizes = {"F32": 4, "F16": 2, "BF16": 2}
        entries = []
        for name, info in list(header.items()):
            if name == "__metadata__" or len(entries) >= 40:
                continue
            shape = [min(2, d) for d in info["shape"]]
            count = 1
            for d in shape:
                count *= d
            entries.append((name, info["dtype"], shape,
                            bytes(rng.getrandbits(8) for _ in range(count * sizes.get(info["dtype"], 4)))))
        write("SafeTensors", "smollm2-svd-shrunk.safetensors", safetensors_build(entries, header.get("__metadata__")))
    dtypes = {"F64": 8, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1, "F16": 2, "BF16": 2, "F32": 4}
    write("SafeTensors", "dtypes.safetensors", safetensors_build(
        [(f"t.{d}", d, [2, 3], bytes(rng.getrandbits(8) for _ in range(6 * s))) for d, s in dtypes.items()]))
    write("SafeTensors", "empty.safetensors", safetensors_build([], {}))


# ---------------------------------------------------------------- the rest

def npy_seeds():
    d = os.path.join(FIX, "npy")
    for name in sorted(os.listdir(d)):
        if name.endswith(".npy"):
            write("NPY", name, read(os.path.join(d, name)))
            blob = read(os.path.join(d, name))
            major = blob[6]
            n = struct.unpack_from("<H" if major == 1 else "<I", blob, 8)[0]
            start = 10 if major == 1 else 12
            write("PythonLiteral", name.replace(".npy", ".txt"), blob[start:start + n])
    for text in [b"{'a': [1, -2, (3,), ()], \"b\": None, 'c': True, 'd': {'e': 'f\\'g'}}", b"(1)", b"[]", b"12L",
                 b"{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }"]:
        write("PythonLiteral", f"literal-{len(text)}.txt", text)


def json_seeds():
    d = os.path.join(FIX, "hfconfig")
    for name in sorted(os.listdir(d)):
        if name.endswith(".json") and name != "expected.json":
            write("HFConfig", name, read(os.path.join(d, name)))
    compressed = os.path.join(CACHE, "compressed", "SmolLM2-135M-whiten-0.2", "config.json")
    if os.path.exists(compressed):
        config = json.loads(read(compressed))
        ranks = config["svd_llm"]["ranks"]
        config["svd_llm"]["ranks"] = {k: ranks[k] for k in sorted(ranks)[:14]}  # layers 0 and 1
        write("HFConfig", "smollm2-svd.config.json", json.dumps(config, indent=1).encode())
    tok = os.path.join(ROOT, "Tests", "TokenizersTests", "Fixtures")
    for name in sorted(os.listdir(tok)):
        if name.endswith(".tokenizer.json"):
            write("Tokenizer", name, read(os.path.join(tok, name)))


def fnv1a(data):
    """RunFingerprint's hash: FNV-1a, 64 bits."""
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def checkpoint_pack(files):
    """The Checkpoint target's folder input: [name length: 1][name][data length: 4, LE][data] per file."""
    out = b""
    for name, data in files:
        out += bytes([len(name)]) + name.encode() + struct.pack("<I", len(data)) + data
    return out


def checkpoint_seeds():
    """OUT.partial folders of the tiny LLaMA compressed by the release svdllm (layer ranges, so that they stay),
    with run.json rewritten to the target's fixed run ("fuzz"), and the compressed folder's config.json."""
    import shutil
    import subprocess
    import tempfile
    svdllm = os.environ.get("SVDLLM", os.path.join(ROOT, ".build", "release", "svdllm"))
    if not os.path.exists(svdllm):
        print(f"make_seeds: no {svdllm} (swift build -c release): Checkpoint seeds skipped", file=sys.stderr)
        return
    tmp = tempfile.mkdtemp(prefix="svdllm-seeds-")
    try:
        tiny = os.path.join(tmp, "tiny")
        os.makedirs(tiny)
        for name in ["config.json", "model.safetensors"]:
            shutil.copy(os.path.join(ROOT, "Tests", "TransformerRuntimeTests", "Fixtures", "tiny", "llama", name), tiny)
        # A byte-level BPE without merges whose 97 ids fit the tiny model (as Tests/svdllmTests/RunLockTests.swift).
        specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
        vocab = {"\u0120": 3, **{s: i for i, s in enumerate(specials)}, **{chr(c): c - 0x21 + 4 for c in range(0x21, 0x7E)}}
        level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
        tokenizer = {"version": "1.0", "normalizer": None, "post_processor": None, "pre_tokenizer": level, "decoder": level,
                     "added_tokens": [{"id": i, "content": s, "single_word": False, "lstrip": False, "rstrip": False,
                                       "normalized": False, "special": True} for i, s in enumerate(specials)],
                     "model": {"type": "BPE", "byte_fallback": False, "vocab": vocab, "merges": []}}
        with open(os.path.join(tiny, "tokenizer.json"), "w") as f:
            json.dump(tokenizer, f)
        rng = random.Random(7)
        calib = os.path.join(tmp, "calib.txt")
        with open(calib, "w") as f:
            f.write(" ".join("".join(chr(97 + rng.randrange(26)) for _ in range(1 + rng.randrange(8))) for _ in range(3000)))

        def compress(out, *args):
            subprocess.run([svdllm, "compress", tiny, "--calib", calib, "--nsamples", "2", "--seqlen", "16",
                            "--threads", "1", "--out", os.path.join(tmp, out), *args],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        compress("whiten", "--ratio", "0.4", "--layers", "0-0")
        compress("svd", "--ratio", "0.7", "--method", "svd", "--layers", "1-1")
        compress("full", "--ratio", "0.4")

        def layer(folder, i):
            d = os.path.join(tmp, folder + ".partial")
            return [(f"layer-{i:03d}.json", read(os.path.join(d, f"layer-{i:03d}.json"))),
                    (f"layer-{i:03d}.safetensors", read(os.path.join(d, f"layer-{i:03d}.safetensors")))]

        ours = json.dumps({"description": "fuzz", "fingerprint": f"{fnv1a(b'fuzz' + bytes(1)):016x}"}, indent=2).encode()
        other = read(os.path.join(tmp, "whiten.partial", "run.json"))
        write("Checkpoint", "whiten-layer0.bin", checkpoint_pack([("run.json", ours)] + layer("whiten", 0)))
        write("Checkpoint", "svd-layer1-whiten-layer0.bin",
              checkpoint_pack([("run.json", ours)] + layer("svd", 1) + layer("whiten", 0)))
        write("Checkpoint", "another-run.bin", checkpoint_pack([("run.json", other)] + layer("whiten", 0)))
        write("Checkpoint", "no-run-json.bin", checkpoint_pack(layer("svd", 1)))
        write("Checkpoint", "run-json-only.bin", checkpoint_pack([("run.json", ours)]))
        write("Checkpoint", "compressed.config.json", read(os.path.join(tmp, "full", "config.json")))
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    rng = random.Random(23)
    gguf_seeds(rng)
    safetensors_seeds(rng)
    npy_seeds()
    json_seeds()
    checkpoint_seeds()
