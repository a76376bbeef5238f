#!/usr/bin/env python3
"""Makes the config.json fixtures for FormatsTests and transformers' reading of each.

Usage: python make_hf_config_fixtures.py   (needs transformers)

Writes, next to this script:
  <model_type>.defaults.json   transformers' full default config for the model type (v5 spelling)
  <model_type>.minimal.json    {"model_type": ...} only: every value must come from our defaults
  expected.json                for every *.config.json / *.defaults.json / *.minimal.json here, the values
                               transformers derives from it (what ModelConfig must report)
The *.config.json files are published configs (v4 spelling) written by hand.
"""
import glob
import json
import os

from transformers import AutoConfig, CONFIG_MAPPING

HERE = os.path.dirname(os.path.abspath(__file__))
TYPES = ["llama", "mistral", "qwen2", "gemma3_text", "opt"]


def rope_of(cfg, layer_type=None):
    rp = getattr(cfg, "rope_parameters", None) or {}
    if layer_type is not None and layer_type in rp:
        rp = rp[layer_type]
    elif "full_attention" in rp:
        rp = rp["full_attention"]
    return rp


def summarize(cfg):
    text = cfg.get_text_config() if hasattr(cfg, "get_text_config") else cfg
    c = text
    mt = c.model_type
    heads = c.num_attention_heads
    out = {
        "vocab_size": c.vocab_size,
        "hidden_size": c.hidden_size,
        "intermediate_size": c.ffn_dim if mt == "opt" else c.intermediate_size,
        "num_hidden_layers": c.num_hidden_layers,
        "num_attention_heads": heads,
        "num_key_value_heads": getattr(c, "num_key_value_heads", None) or heads,
        "head_dim": getattr(c, "head_dim", None) or c.hidden_size // heads,
        "norm_eps": 1e-5 if mt == "opt" else c.rms_norm_eps,
        "max_position_embeddings": c.max_position_embeddings,
        "tie_word_embeddings": cfg.tie_word_embeddings if hasattr(cfg, "tie_word_embeddings") else c.tie_word_embeddings,
        "bos_token_id": c.bos_token_id if c.bos_token_id is not None else getattr(cfg, "bos_token_id", None),
        "eos_token_id": c.eos_token_id if c.eos_token_id is not None else getattr(cfg, "eos_token_id", None),
        "pad_token_id": c.pad_token_id,
    }
    if mt != "opt":
        rp = rope_of(c)
        out["rope_theta"] = rp.get("rope_theta")
        rope_type = rp.get("rope_type", "default")
        out["rope_scaling"] = None if rope_type == "default" else {
            "type": rope_type, "factor": rp.get("factor"),
            "original_max_position_embeddings": rp.get("original_max_position_embeddings"),
            "low_freq_factor": rp.get("low_freq_factor"), "high_freq_factor": rp.get("high_freq_factor")}
    if mt == "gemma3_text":
        out["rope_local_theta"] = rope_of(c, "sliding_attention").get("rope_theta")
        out["sliding_window"] = c.sliding_window
        out["sliding_window_pattern"] = c.layer_types.index("full_attention") + 1
        out["query_pre_attn_scalar"] = c.query_pre_attn_scalar
        out["final_logit_softcapping"] = c.final_logit_softcapping
        out["attn_logit_softcapping"] = c.attn_logit_softcapping
    if mt == "mistral":
        out["sliding_window"] = c.sliding_window
    if mt == "qwen2":
        out["sliding_window"] = c.sliding_window if c.use_sliding_window else None
    return out


def main():
    for t in TYPES:
        d = CONFIG_MAPPING[t]().to_dict()
        with open(os.path.join(HERE, f"{t}.defaults.json"), "w") as f:
            json.dump(d, f, indent=1, sort_keys=True)
        with open(os.path.join(HERE, f"{t}.minimal.json"), "w") as f:
            json.dump({"model_type": t}, f)
    expected = {}
    for path in sorted(glob.glob(os.path.join(HERE, "*.json"))):
        name = os.path.basename(path)
        if name == "expected.json":
            continue
        with open(path) as f:
            cfg = AutoConfig.for_model(**json.load(f))
        expected[name] = summarize(cfg)
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
