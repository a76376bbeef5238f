#!/usr/bin/env python3
"""Tiny random Hugging Face checkpoints of every architecture the runtime supports, with transformers' fp32 logits.

  /tmp/peer-venv/bin/python make_tiny_fixtures.py

For each architecture (LLaMA with LLaMA-3 RoPE scaling and q/k/v/o biases, Qwen2 with q/k/v biases, Mistral
with a 4-token sliding window, Gemma 3 text with local/global layers, OPT with learned positions and LayerNorm) it writes `tiny/<arch>/config.json`,
`tiny/<arch>/model.safetensors` (hidden 32, 2-3 layers: a few tens of kB) and `tiny/<arch>/logits.json`
(the logits of a fixed 24-token sequence, all rows). Every parameter is redrawn from N(0, 0.2²) (norm weights
around their neutral value) so that no weight sits at its initializer's special value (e.g. Gemma's zero norms).
"""
import json, os
import torch
from transformers import (Gemma3ForCausalLM, Gemma3TextConfig, LlamaConfig, LlamaForCausalLM, MistralConfig,
                          MistralForCausalLM, OPTConfig, OPTForCausalLM, Qwen2Config, Qwen2ForCausalLM)

HERE = os.path.dirname(os.path.abspath(__file__))
COMMON = dict(vocab_size=97, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
              num_key_value_heads=2, max_position_embeddings=128, rms_norm_eps=1e-6, bos_token_id=1, eos_token_id=2,
              pad_token_id=0)
IDS = [1, 5, 17, 42, 8, 96, 3, 3, 60, 71, 12, 0, 44, 90, 23, 9, 31, 77, 50, 2, 66, 14, 88, 7]


def models():
    yield "llama", LlamaForCausalLM(LlamaConfig(**COMMON, attention_bias=True, tie_word_embeddings=False,
        rope_theta=10000.0, rope_scaling={"rope_type": "llama3", "factor": 8.0, "original_max_position_embeddings": 16,
                                          "low_freq_factor": 1.0, "high_freq_factor": 4.0}))
    yield "qwen2", Qwen2ForCausalLM(Qwen2Config(**COMMON, tie_word_embeddings=True, rope_theta=10000.0))
    yield "mistral", MistralForCausalLM(MistralConfig(**COMMON, sliding_window=4, tie_word_embeddings=False,
                                                      rope_theta=10000.0))
    g = dict(COMMON, num_hidden_layers=3, head_dim=8, query_pre_attn_scalar=8, sliding_window=4,
             layer_types=["sliding_attention", "sliding_attention", "full_attention"], rope_theta=1e6,
             rope_local_base_freq=1e4, hidden_activation="gelu_pytorch_tanh", tie_word_embeddings=True)
    yield "gemma3", Gemma3ForCausalLM(Gemma3TextConfig(**g))
    yield "opt", OPTForCausalLM(OPTConfig(vocab_size=97, hidden_size=32, ffn_dim=64, num_hidden_layers=2,
                                          num_attention_heads=4, max_position_embeddings=128, word_embed_proj_dim=32,
                                          bos_token_id=1, eos_token_id=2, pad_token_id=0, tie_word_embeddings=True))


def main():
    torch.manual_seed(0)
    for name, model in models():
        model = model.float().eval()
        with torch.no_grad():
            for pname, p in model.named_parameters():
                neutral = 1.0 if "norm" in pname and name != "gemma3" and not pname.endswith("bias") else 0.0
                p.copy_(torch.randn_like(p) * 0.2 + neutral)
        d = os.path.join(HERE, "tiny", name)
        os.makedirs(d, exist_ok=True)
        model.save_pretrained(d, safe_serialization=True)
        for extra in ("generation_config.json",):
            if os.path.exists(os.path.join(d, extra)):
                os.remove(os.path.join(d, extra))
        with torch.inference_mode():
            logits = model(torch.tensor([IDS])).logits[0].float()
        json.dump({"ids": IDS, "logits": logits.tolist()}, open(os.path.join(d, "logits.json"), "w"))
        print(name, sorted(os.listdir(d)), logits.shape)


if __name__ == "__main__":
    main()
