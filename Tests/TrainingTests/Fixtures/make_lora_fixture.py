#!/usr/bin/env python3
"""The LoRA gradient fixture of TrainingTests, from torch + peft in float64 (CPU):

  /tmp/peer-venv/bin/python make_lora_fixture.py

1. `tiny-llama-lowrank/`: the tiny LLaMA checkpoint of TransformerRuntimeTests (LLaMA-3 RoPE scaling, q/k/v/o biases,
   untied lm_head) with every linear replaced by its truncated SVD factors in SVD-LLM's names (`…q_u_proj.weight` =
   U_r·diag(σ_r), out × r; `…q_v_proj.weight` = V_rᵀ, r × in; biases under their own names), the folder format of
   `svdllm compress`.
2. `lora_gradients.json`: peft LoRA (r 2, α 4, no dropout) on every factor, A drawn as the toolkit draws it
   (Scripts/lora_peer.py: SeededGenerator(7), module order) and B set to (u·2 − 1)·0.1 from SeededGenerator(8) (so that
   every gradient is non-zero); two sequences of the fixture's 24 ids (positions 2-5 of the first unscored); the loss
   Σ NLL / scored positions and the gradient of every lora_A / lora_B.
"""
import json
import os
import sys

import torch
from safetensors.torch import load_file, save_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../../../Scripts"))
import lora_peer  # noqa: E402

TINY = os.path.join(HERE, "../../TransformerRuntimeTests/Fixtures/tiny/llama")
OUT = os.path.join(HERE, "tiny-llama-lowrank")
RANKS = {"q_proj": 5, "k_proj": 4, "v_proj": 4, "o_proj": 5, "gate_proj": 6, "up_proj": 6, "down_proj": 6}


def make_folder():
    state = load_file(os.path.join(TINY, "model.safetensors"))
    out = {}
    for name, t in state.items():
        leaf = name.split(".")[-2] if name.endswith(".weight") else None
        if leaf in RANKS:
            r = RANKS[leaf]
            u, s, vh = torch.linalg.svd(t.double(), full_matrices=False)
            stem = name[:-len("_proj.weight")]
            out[f"{stem}_u_proj.weight"] = (u[:, :r] * s[:r]).float().contiguous()
            out[f"{stem}_v_proj.weight"] = vh[:r].float().contiguous()
        else:
            out[name] = t
    os.makedirs(OUT, exist_ok=True)
    save_file(out, os.path.join(OUT, "model.safetensors"), metadata={"format": "pt"})
    config = json.load(open(os.path.join(TINY, "config.json")))
    with open(os.path.join(OUT, "config.json"), "w") as f:
        json.dump(config, f, indent=2)


def main():
    torch.manual_seed(0)
    make_folder()
    model = lora_peer.load_model(OUT, torch.float64)
    modules = lora_peer.adapter_modules(model, "u,v")
    peft_model, layers = lora_peer.add_adapters(model, modules, rank=2, alpha=4, dropout=0.0, seed=7)
    peft_model = peft_model.double()
    gen = lora_peer.SeededGenerator(8)
    with torch.no_grad():
        for layer in layers:
            b = layer.lora_B["default"].weight
            b.copy_(torch.tensor([(gen.next_uniform() * 2 - 1) * 0.1 for _ in range(b.numel())],
                                 dtype=torch.float64).view_as(b))
    ids = json.load(open(os.path.join(TINY, "logits.json")))["ids"]
    labels = list(ids)
    for t in range(2, 6):
        labels[t] = -100
    sequences = [(ids[:14], labels[:14]), (ids[14:], ids[14:])]
    total, count = 0.0, 0
    for tokens, lab in sequences:
        logits = peft_model(torch.tensor([tokens])).logits[0]
        target = torch.tensor(lab[1:])
        total = total + torch.nn.functional.cross_entropy(logits[:-1], target, ignore_index=-100, reduction="sum")
        count += int((target != -100).sum())
    loss = total / count
    loss.backward()
    grads = {}
    for m, layer in zip(modules, layers):
        grads[m] = {"A": layer.lora_A["default"].weight.grad.flatten().tolist(),
                    "B": layer.lora_B["default"].weight.grad.flatten().tolist()}
    fixture = {"ids": ids, "unscored": [2, 3, 4, 5], "split": 14, "rank": 2, "alpha": 4, "a_seed": 7, "b_seed": 8,
               "b_scale": 0.1, "loss": loss.item(), "scored": count, "modules": modules, "gradients": grads}
    with open(os.path.join(HERE, "lora_gradients.json"), "w") as f:
        json.dump(fixture, f)
    print("loss", loss.item(), "scored", count, "adapters", len(modules))


if __name__ == "__main__":
    main()
