#!/usr/bin/env python3
"""Golden token ids from Hugging Face for the Swift tokenizer tests.

Run with the project's Python venv (transformers, tokenizers, gguf installed), offline:
    HF_HUB_OFFLINE=1 python make_token_fixtures.py
Reads the real models and texts from the asset cache ($SVDLLM_CACHE or ~/.cache/swift-svd-llm) and writes,
beside this script:
  smollm2_ids.json, gemma3_ids.json  ids from AutoTokenizer.from_pretrained(models, gguf_file=...)
  pretokenizer_splits.json           words from tokenizers' Split(Regex(...), "isolated")
  tiny_bytelevel.tokenizer.json, tiny_sentencepiece.tokenizer.json, tiny_ids.json
                                     two small tokenizers trained here, and their ids
"""
import glob
import json
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import AutoTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.environ.get("SVDLLM_CACHE") or os.path.expanduser("~/.cache/swift-svd-llm")

TRICKY = {
    "empty": "",
    "hello": "Hello world",
    "accents": "Héllo wörld, naïve café — résumé à São Paulo; Ångström, Dvořák, Łódź.",
    "decomposed": "e\u0301 a\u0300 n\u0303 (combining marks)",
    "emoji": "I ❤️ tokens 😀👍🏽 🇫🇷 👨‍👩‍👧‍👦 family 🧑🏿‍🚀!",
    "cjk": "日本語のテキストと中文文本，한국어 텍스트도。",
    "arabic": "مرحبا بالعالم، هذا اختبار. עברית גם כן.",
    "digits": "1234567 and 3.14159, 1,000,000 ² ½ ٣٤٥ 0x1F",
    "whitespace": "a   b\n\n\t c  \r\n d\u00a0e\u3000f \n",
    "contractions": "don't I'll we've they're she's I'd you'm DON'T WE'VE 'tis rock'n'roll",
    "special": "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n",
    "gemma_special": "<start_of_turn>user\nhi<end_of_turn>\n<start_of_turn>model\n",
    "leading_trailing": "   leading and trailing spaces   ",
    "single_space": " ",
    "newlines": "\n\n\nthree newlines\n",
    "punctuation": "Hello!!! What?? (yes) [no] {maybe} <tag> a+b=c; x->y ... --- ___ @user #tag $100 %50 ^&*",
    "code": "def f(x):\n    return x**2  # square\n\tif x: pass\n",
    "underline_char": "a\u2581b \u2581c",
    "long_word": "Pneumonoultramicroscopicsilicovolcanoconiosis antidisestablishmentarianism",
    "mixed_scripts": "Ελληνικά Русский текст हिन्दी ไทย",
}


def texts():
    """(name, text) for every case: the tricky strings, PTB test's first 20 KB, Shakespeare excerpts."""
    cases = list(TRICKY.items())
    with open(os.path.join(CACHE, "text/ptb.test.txt"), encoding="utf-8") as f:
        ptb = f.read()
    cut = ptb.rfind("\n", 0, 20000) + 1
    cases.append(("ptb_test_20k", ptb[:cut]))
    shakespeare = sorted(glob.glob(os.path.join(CACHE, "text/shakespeare/*_gut.txt")))
    for path in [p for p in shakespeare if os.path.basename(p) in ("hamlet_gut.txt", "sonnets_gut.txt", "tempest_gut.txt")]:
        with open(path, encoding="utf-8", errors="replace") as f:
            body = f.read()
        start = len(body) // 3
        start = body.find("\n", start) + 1
        end = body.rfind("\n", start, start + 4000) + 1
        cases.append(("shakespeare_" + os.path.basename(path)[:-8], body[start:end]))
    return cases


def gguf_fixture(gguf_file, out_name):
    tok = AutoTokenizer.from_pretrained(os.path.join(CACHE, "models"), gguf_file=gguf_file)
    if "SmolLM2" in gguf_file:
        # transformers' GGUF loader does not know `tokenizer.ggml.pre = smollm` and falls back to plain
        # ByteLevel. SmolLM2's own tokenizer.json (and llama.cpp's `smollm`) first isolate every \p{N}
        # (`Digits(individual_digits=True)`); the two differ on e.g. " ²". Use the model's real split.
        tok.backend_tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
            [pre_tokenizers.Digits(individual_digits=True),
             pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
    cases = []
    for name, text in texts():
        ids = tok(text, add_special_tokens=False)["input_ids"]
        with_special = tok(text, add_special_tokens=True)["input_ids"]
        case = {"name": name, "text": text, "ids": ids, "ids_with_special": with_special}
        case["decoded_skip_special"] = tok.decode(ids, skip_special_tokens=True)
        cases.append(case)
    with open(os.path.join(HERE, out_name), "w", encoding="utf-8") as f:
        json.dump({"model": gguf_file, "cases": cases}, f, ensure_ascii=False, separators=(",", ":"))


PRE_SPLITS = {
    "gpt2": [r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"],
    "smollm": [r"\p{N}", r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"],
    "llama3": [r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"],
    "qwen2": [r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"],
}


def pretokenizer_fixture():
    samples = list(TRICKY.items()) + [("ptb_2k", texts()[len(TRICKY)][1][:2000])]
    out = {}
    for kind, patterns in PRE_SPLITS.items():
        pre = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(p), behavior="isolated") for p in patterns])
        out[kind] = [{"name": n, "text": t, "words": [w for w, _ in pre.pre_tokenize_str(t)]} for n, t in samples]
    with open(os.path.join(HERE, "pretokenizer_splits.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, separators=(",", ":"))


def tiny_tokenizers():
    corpus = [t for n, t in texts() if n.startswith("shakespeare")]
    # 1. Byte-level, SmolLM2-shaped: digits split, ByteLevel, three special tokens.
    bl = Tokenizer(models.BPE())
    bl.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False)])
    bl.decoder = decoders.ByteLevel()
    bl.train_from_iterator(corpus, trainers.BpeTrainer(
        vocab_size=500, special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False))
    bl.save(os.path.join(HERE, "tiny_bytelevel.tokenizer.json"))
    # 2. SentencePiece-shaped (Llama-2 style): ▁ normalizer with prefix, byte fallback, BOS post-processor.
    spm = Tokenizer(models.BPE())
    spm.normalizer = normalizers.Replace(" ", "\u2581")
    spm.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=400, limit_alphabet=60, show_progress=False))
    trained = json.loads(spm.to_str())["model"]
    head = ["<unk>", "<s>", "</s>"] + ["<0x%02X>" % b for b in range(256)]
    vocab = {t: i for i, t in enumerate(head)}
    for t, _ in sorted(trained["vocab"].items(), key=lambda kv: kv[1]):
        vocab.setdefault(t, len(vocab))
    merges = [tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in trained["merges"]]
    spm = Tokenizer(models.BPE(vocab=vocab, merges=merges, byte_fallback=True, unk_token="<unk>", fuse_unk=True))
    spm.normalizer = normalizers.Sequence([normalizers.Prepend("\u2581"), normalizers.Replace(" ", "\u2581")])
    spm.decoder = decoders.Sequence(
        [decoders.Replace("\u2581", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)])
    spm.add_special_tokens(["<unk>", "<s>", "</s>"])
    spm.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", 1)])
    spm.save(os.path.join(HERE, "tiny_sentencepiece.tokenizer.json"))
    out = {}
    for key, tok in (("bytelevel", bl), ("sentencepiece", spm)):
        out[key] = [{"name": n, "text": t,
                     "ids": tok.encode(t, add_special_tokens=False).ids,
                     "ids_with_special": tok.encode(t, add_special_tokens=True).ids}
                    for n, t in list(TRICKY.items())]
    with open(os.path.join(HERE, "tiny_ids.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, separators=(",", ":"))


if __name__ == "__main__":
    pretokenizer_fixture()
    tiny_tokenizers()
    gguf_fixture("SmolLM2-135M-Instruct.Q4_1.gguf", "smollm2_ids.json")
    gguf_fixture("gemma-3-270m-q4_k_m.gguf", "gemma3_ids.json")
