#!/usr/bin/env python3
"""The torch + peft peer of `svdllm finetune`: the same LoRA on the same data, order and hyperparameters (CPU).

As a module it gives what both the peer run and the gradient fixture (Tests/TrainingTests/Fixtures/make_lora_fixture.py)
need: a transformers LLaMA-family model with SVD-LLM's low-rank linears (`…q_u_proj` / `…q_v_proj` modules, read from a
folder `svdllm compress` wrote), the toolkit's seeded generator (xoshiro256** seeded by SplitMix64, as
Sources/LinearAlgebraCore/SeededGenerator.swift) and its seed derivation, so that the adapters start from the same A
matrices and the examples come in the same order as in the Swift run.

As a script it trains (text format only: windows of --cutoff-len tokens of a UTF-8 file) and prints one JSON line per
evaluation and a final JSON summary (validation loss, tokens/s, peak RSS):

  /tmp/peer-venv/bin/python Scripts/lora_peer.py MODEL_FOLDER --data FILE [--cutoff-len 256] [--val-set-size N]
      [--lora-r 8] [--lora-alpha 16] [--lora-dropout 0.05] [--target u,v|all] [--order joint|sequential|v-first]
      [--max-steps N] [--epochs 2] [--lr 1e-4] [--batch-size 64] [--micro-batch-size 4] [--warmup-steps 100]
      [--weight-decay 0] [--max-grad-norm 1] [--eval-steps N] [--seed 42] [--threads 2]

On cores shared with other work, set OMP_WAIT_POLICY=passive: with OpenMP's default spinning waits every torch op
waits for a descheduled thread (on 2 busy cores a 1024 × 576 elementwise product took 7.8 ms instead of 0.9 ms),
which makes the peer several times slower than torch can be.

Dropout masks come from torch's generator (the Swift run hashes a counter), so runs with dropout agree in distribution,
not bit for bit; with --lora-dropout 0 the two runs differ only by floating-point rounding.
"""
import argparse
import json
import math
import os
import resource
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

MASK64 = (1 << 64) - 1
LINEARS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]  # LinearName order
SITES = ["weight", "u", "v"]  # AdapterSite order


# ---------------------------------------------------------------------------------------------------------
# The toolkit's generator and seeds.

def splitmix_finalize(x):
    """DropoutMask.mix: SplitMix64's increment and finalizer."""
    z = (x + 0x9E3779B97F4A7C15) & MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


class SeededGenerator:
    """xoshiro256** seeded through SplitMix64 (LinearAlgebraCore/SeededGenerator.swift)."""

    def __init__(self, seed):
        x = seed & MASK64
        s = []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & MASK64
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
            s.append(z ^ (z >> 31))
        self.s = s

    @staticmethod
    def _rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & MASK64

    def next(self):
        s = self.s
        result = (self._rotl((s[1] * 5) & MASK64, 7) * 9) & MASK64
        t = (s[1] << 17) & MASK64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = self._rotl(s[3], 45)
        return result

    def next_uniform(self):
        return (self.next() >> 11) * 2.0 ** -53


def derived_seed(seed, purpose, index=0):
    """TrainingSeeds.derive: mix(mix(seed ^ purpose) ^ index)."""
    return splitmix_finalize(splitmix_finalize((seed ^ purpose) & MASK64) ^ (index & MASK64))


SPLIT, ORDER, ADAPTERS = 1, 2, 3  # TrainingSeeds purposes


def shuffled(items, gen):
    """Fisher-Yates from the top, j = next() mod (i + 1) (TrainingSeeds.shuffled)."""
    a = list(items)
    for i in range(len(a) - 1, 0, -1):
        j = gen.next() % (i + 1)
        a[i], a[j] = a[j], a[i]
    return a


# ---------------------------------------------------------------------------------------------------------
# The model: transformers' LLaMA family with SVD-LLM's low-rank linears.

def _torch():
    import torch
    return torch


def make_low_rank_linear(parent, stem, bias):
    """A module standing for `<stem>_proj` of `parent` that computes u(v(x)) (+ bias) through the parent's
    `<stem>_u_proj` and `<stem>_v_proj` attributes, looked up at every call so that peft's wrappers of them are used."""
    torch = _torch()

    class LowRankLinear(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self._parent = [parent]  # a list: not registered as a child
            self.stem = stem
            self.bias = torch.nn.Parameter(bias) if bias is not None else None

        def forward(self, x):
            p = self._parent[0]
            y = getattr(p, self.stem + "_u_proj")(getattr(p, self.stem + "_v_proj")(x))
            return y if self.bias is None else y + self.bias

    return LowRankLinear()


def read_safetensors(path):
    from safetensors.torch import load_file
    return load_file(path)


def dequantize_q8_0(blocks):
    """A U8 tensor of rows × (cols / 32 · 34) bytes, each block llama.cpp's q8_0 (an f16 scale d, then 32 int8 q),
    as the rows × cols f32 matrix d·q."""
    torch = _torch()
    rows = blocks.shape[0]
    b = blocks.contiguous().view(rows, -1, 34)
    d = b[:, :, :2].contiguous().view(torch.float16).float()  # rows × blocks × 1
    q = b[:, :, 2:].contiguous().view(torch.int8).float()  # rows × blocks × 32
    return (d * q).reshape(rows, -1)


def load_model(folder, dtype):
    """A folder of `svdllm compress` (factors `…_u_proj.weight` / `…_v_proj.weight`) or a dense Hugging Face folder, as
    a transformers model in `dtype` with eager attention."""
    torch = _torch()
    from transformers import AutoConfig, AutoModelForCausalLM
    config = AutoConfig.from_pretrained(folder)
    config._attn_implementation = "eager"
    model = AutoModelForCausalLM.from_config(config, attn_implementation="eager")
    files = [f for f in sorted(os.listdir(folder)) if f.endswith(".safetensors")]
    state = {}
    for f in files:
        state.update(read_safetensors(os.path.join(folder, f)))
    for name in list(state):
        if name.endswith(".ggml_q8_0"):
            # A GGUF source's q8_0 token embedding / lm_head copied as it is: widened to f32 as the runtime does.
            state[name[:-len(".ggml_q8_0")] + ".weight"] = dequantize_q8_0(state.pop(name))
        elif ".ggml_" in name or name.endswith((".q8_codes", ".qweight")):
            raise SystemExit(f"{folder}: tensor {name} is not a float tensor; the peer reads f32/f16/bf16 folders "
                             "(and q8_0 GGML blocks)")
    for i, layer in enumerate(model.model.layers):
        for parent_name, parent in (("self_attn", layer.self_attn), ("mlp", layer.mlp)):
            for leaf in LINEARS:
                if not hasattr(parent, leaf):
                    continue
                prefix = f"model.layers.{i}.{parent_name}."
                stem = leaf[:-len("_proj")]
                u = state.pop(prefix + f"{stem}_u_proj.weight", None)
                if u is None:
                    continue
                v = state.pop(prefix + f"{stem}_v_proj.weight")
                bias = state.pop(prefix + f"{leaf}.bias", None)
                up = torch.nn.Linear(u.shape[1], u.shape[0], bias=False)
                vp = torch.nn.Linear(v.shape[1], v.shape[0], bias=False)
                up.weight.data.copy_(u)
                vp.weight.data.copy_(v)
                setattr(parent, f"{stem}_u_proj", up)
                setattr(parent, f"{stem}_v_proj", vp)
                setattr(parent, leaf, make_low_rank_linear(parent, stem, None if bias is None else bias.clone()))
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [m for m in missing if not m.endswith(("_u_proj.weight", "_v_proj.weight")) and
               not (m == "lm_head.weight" and config.tie_word_embeddings) and not m.endswith("_proj.bias")]
    if missing or unexpected:
        raise SystemExit(f"{folder}: missing {missing[:5]}, unexpected {unexpected[:5]}")
    if config.tie_word_embeddings:
        model.tie_weights()
    return model.to(dtype).eval()


def adapter_modules(model, target):
    """The modules that get adapters, in AdapterKey order: (layer, linear, site) → module path.
    target: "u,v" (every factor of a low-rank linear; "u" or "v" alone) or "all" (also every dense linear)."""
    sites = set(target.split(",")) if target != "all" else {"weight", "u", "v"}
    out = []
    for i, layer in enumerate(model.model.layers):
        for leaf in LINEARS:
            parent_name = "self_attn" if leaf in LINEARS[:4] else "mlp"
            parent = getattr(layer, parent_name)
            if not hasattr(parent, leaf):
                continue
            stem = leaf[:-len("_proj")]
            prefix = f"model.layers.{i}.{parent_name}."
            if hasattr(parent, f"{stem}_u_proj"):
                for site in ("u", "v"):
                    if site in sites:
                        out.append(prefix + f"{stem}_{site}_proj")
            elif "weight" in sites:
                out.append(prefix + leaf)
    return out


def add_adapters(model, modules, rank, alpha, dropout, seed):
    """peft LoRA on `modules`, A replaced by the toolkit's draw (U(−1/√in, 1/√in) from SeededGenerator(seed), module
    order, row-major), B = 0."""
    torch = _torch()
    from peft import LoraConfig, get_peft_model
    config = LoraConfig(r=rank, lora_alpha=alpha, lora_dropout=dropout, bias="none", target_modules=list(modules),
                        task_type="CAUSAL_LM")
    peft_model = get_peft_model(model, config)
    gen = SeededGenerator(seed)
    lookup = dict(peft_model.base_model.model.named_modules())
    for m in modules:
        layer = lookup[m]
        a = layer.lora_A["default"].weight
        bound = 1 / math.sqrt(a.shape[1])
        values = [(gen.next_uniform() * 2 - 1) * bound for _ in range(a.numel())]
        with torch.no_grad():
            a.copy_(torch.tensor(values, dtype=torch.float64).view_as(a))
            layer.lora_B["default"].weight.zero_()
    adapted = {n for n, mod in lookup.items() if hasattr(mod, "lora_A")}
    if adapted != set(modules):
        raise SystemExit(f"peft adapted {sorted(adapted - set(modules))[:3]} beyond the targets / missed "
                         f"{sorted(set(modules) - adapted)[:3]}")
    return peft_model, [lookup[m] for m in modules]


# ---------------------------------------------------------------------------------------------------------
# The run: the same data, order, schedule and optimizer as Sources/Training/FineTuner.swift.

def text_windows(path, tokenizer_json, cutoff, add_bos, bos_id):
    """--format text: the file tokenized whole without special tokens, consecutive windows of cutoff tokens (BOS first
    when the tokenizer adds one), the partial last window dropped."""
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(tokenizer_json)
    ids = tok.encode(open(path, encoding="utf-8").read(), add_special_tokens=False).ids
    width = cutoff - (1 if add_bos else 0)
    return [([bos_id] if add_bos else []) + ids[w * width:(w + 1) * width] for w in range(len(ids) // width)]


def split(examples, val_size, seed):
    order = shuffled(range(len(examples)), SeededGenerator(derived_seed(seed, SPLIT)))
    held = set(order[:val_size])
    return ([e for i, e in enumerate(examples) if i not in held], [e for i, e in enumerate(examples) if i in held])


def lr_at(step, peak, warmup, total):
    if step < warmup:
        return peak * step / max(1, warmup)
    return peak * max(0.0, (total - step) / max(1, total - warmup))


def summed_loss(model, sequences):
    """Σ next-token NLL over a micro-batch of sequences (right-padded, masked), and the positions scored."""
    torch = _torch()
    longest = max(len(s) for s in sequences)
    ids = torch.zeros((len(sequences), longest), dtype=torch.long)
    mask = torch.zeros((len(sequences), longest), dtype=torch.long)
    labels = torch.full((len(sequences), longest), -100, dtype=torch.long)
    for i, s in enumerate(sequences):
        ids[i, :len(s)] = torch.tensor(s)
        mask[i, :len(s)] = 1
        labels[i, :len(s)] = torch.tensor(s)
    logits = model(input_ids=ids, attention_mask=mask).logits
    target = labels[:, 1:]
    loss = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]).float(), target.reshape(-1),
                                             ignore_index=-100, reduction="sum")
    return loss, int((target != -100).sum())


def main():
    ap = argparse.ArgumentParser(description="torch + peft LoRA peer of svdllm finetune (text format)")
    ap.add_argument("model")
    ap.add_argument("--data", required=True)
    ap.add_argument("--cutoff-len", type=int, default=256)
    ap.add_argument("--val-set-size", type=int, default=0)
    ap.add_argument("--lora-r", type=int, default=8)
    ap.add_argument("--lora-alpha", type=float, default=16)
    ap.add_argument("--lora-dropout", type=float, default=0.05)
    ap.add_argument("--target", default=None)
    ap.add_argument("--order", default=None, choices=["joint", "sequential", "v-first"])
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--max-steps", type=int, default=None)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--micro-batch-size", type=int, default=4)
    ap.add_argument("--warmup-steps", type=int, default=100)
    ap.add_argument("--weight-decay", type=float, default=0.0)
    ap.add_argument("--max-grad-norm", type=float, default=1.0)
    ap.add_argument("--eval-steps", type=int, default=None)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    a = ap.parse_args()
    torch = _torch()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    dtype = getattr(torch, a.dtype)
    config = json.load(open(os.path.join(a.model, "config.json")))
    tok_config = {}
    if os.path.exists(os.path.join(a.model, "tokenizer_config.json")):
        tok_config = json.load(open(os.path.join(a.model, "tokenizer_config.json")))
    add_bos = bool(tok_config.get("add_bos_token", False))
    examples = text_windows(a.data, os.path.join(a.model, "tokenizer.json"), a.cutoff_len, add_bos,
                            config.get("bos_token_id"))
    train, val = split(examples, a.val_set_size, a.seed)
    model = load_model(a.model, dtype)
    low_rank = any(n.endswith("_u_proj") for n, _ in model.named_modules())
    target = a.target or ("u,v" if low_rank else "all")
    order = a.order or ("sequential" if low_rank else "joint")
    modules = adapter_modules(model, target)
    u = [m for m in modules if m.endswith("_u_proj")]
    v = [m for m in modules if m.endswith("_v_proj")]
    w = [m for m in modules if m not in u and m not in v]
    phases = {"joint": [modules], "sequential": [u + w, v], "v-first": [v + w, u]}[order]
    steps_per_epoch = (len(train) + a.batch_size - 1) // a.batch_size
    steps = a.max_steps or a.epochs * steps_per_epoch
    records, validation = [], []
    train_tokens, train_seconds = 0, 0.0

    def validate(net, phase, step):
        if not val:
            return
        net.eval()
        total, count = 0.0, 0
        with torch.no_grad():
            for c in range(0, len(val), a.micro_batch_size):
                loss, n = summed_loss(net, val[c:c + a.micro_batch_size])
                total += loss.item()
                count += n
        r = {"phase": phase, "step": step, "loss": total / count, "tokens": count}
        validation.append(r)
        print(json.dumps({"validation": r}), flush=True)

    base = model
    for p, keys in enumerate(phases):
        keys = sorted(keys, key=lambda m: modules.index(m))
        net, layers = add_adapters(base, keys, a.lora_r, a.lora_alpha, a.lora_dropout,
                                   derived_seed(a.seed, ADAPTERS, p))
        net = net.to(dtype)
        if p == 0:
            validate(net, 0, 0)
        params = [q for layer in layers for q in (layer.lora_A["default"].weight, layer.lora_B["default"].weight)]
        opt = torch.optim.AdamW(params, lr=a.lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=a.weight_decay)
        for s in range(steps):
            net.train()
            epoch, i = divmod(s, steps_per_epoch)
            order_e = shuffled(range(len(train)), SeededGenerator(derived_seed(a.seed, ORDER, epoch)))
            batch = [train[j] for j in order_e[i * a.batch_size:(i + 1) * a.batch_size]]
            scored = sum(len(x) - 1 for x in batch)
            start = time.perf_counter()
            opt.zero_grad(set_to_none=False)
            total = 0.0
            for c in range(0, len(batch), a.micro_batch_size):
                loss, _ = summed_loss(net, batch[c:c + a.micro_batch_size])
                (loss / scored).backward()
                total += loss.item()
            norm = torch.nn.utils.clip_grad_norm_(params, a.max_grad_norm) if a.max_grad_norm > 0 else \
                torch.sqrt(sum((q.grad.double() ** 2).sum() for q in params))
            lr = lr_at(s, a.lr, a.warmup_steps, steps)
            for group in opt.param_groups:
                group["lr"] = lr
            opt.step()
            seconds = time.perf_counter() - start
            tokens = sum(len(x) for x in batch)
            train_tokens += tokens
            train_seconds += seconds
            r = {"phase": p, "step": s + 1, "loss": total / scored, "learningRate": lr, "gradientNorm": float(norm),
                 "tokens": tokens, "seconds": seconds}
            records.append(r)
            print(json.dumps({"step": r}), flush=True)
            if a.eval_steps and (s + 1) % a.eval_steps == 0 and s + 1 < steps:
                validate(net, p, s + 1)
        validate(net, p, steps)
        base = net.merge_and_unload()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"summary": {"trainExamples": len(train), "validationExamples": len(val), "target": target,
                                  "order": order, "steps": len(records), "validation": validation,
                                  "trainTokens": train_tokens, "trainSeconds": train_seconds,
                                  "tokensPerSecond": train_tokens / train_seconds if train_seconds else 0,
                                  "peak_rss_bytes": rss, "cpu_seconds": cpu.ru_utime + cpu.ru_stime,
                                  "threads": a.threads, "torch": torch.__version__}}), flush=True)


if __name__ == "__main__":
    main()
