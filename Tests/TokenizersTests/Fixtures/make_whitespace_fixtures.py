#!/usr/bin/env python3
"""Golden ids for whitespace runs before digits, punctuation, letters, newlines and the end of the text.

Run once, offline, with a venv holding tokenizers, transformers (5.x; torch not needed) and gguf:
    HF_HUB_OFFLINE=1 python make_whitespace_fixtures.py
Reads the real models from the asset cache ($SVDLLM_CACHE or ~/.cache/swift-svd-llm) and writes, beside
this script:
  tiny_qwen2.tokenizer.json     a small BPE trained here behind Qwen2's pre-tokenizer
                                (Split(Qwen2 regex, isolated) + ByteLevel(use_regex=false)); no NFC normalizer
                                (the real Qwen2 file has one; this toolkit refuses normalizers it does not run)
  tiny_digits.tokenizer.json    a small BPE trained with plain ByteLevel (so it has digit and space merges
                                such as "Ġ9", "19", "ĠĠ"), saved with "pre_tokenizer": null: the vocabulary behind
                                the pre-tokenizer orders below
  whitespace_ids.json           {"smollm2" | "gemma3" | "qwen2": [{name, text, ids}],
                                 "orders": [{name, pre_tokenizer (JSON text), cases: [{name, text, ids}]}]}
SmolLM2 and Gemma 3 are built from their GGUF metadata (read with `gguf`) by transformers' own GGUF tokenizer
builders (`convert_gguf_tokenizer`, what `AutoTokenizer.from_pretrained(gguf_file=...)` runs; its GGUF reader
would need torch), SmolLM2 with the model's own pre-tokenizer (Digits(individual_digits) then ByteLevel, as in
make_token_fixtures.py). Built so, both reproduce every id of smollm2_ids.json and gemma3_ids.json. "orders" holds every pre-tokenizer
Sequence the Swift tokenizer.json reader accepts, each run by tokenizers on tiny_digits' vocabulary.
"""
import json
import os

import gguf

os.environ.setdefault("HF_HUB_OFFLINE", "1")
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers.integrations.gguf.gguf_tokenizer_mapping import GGUF_TOKENIZER_MAPPING, convert_gguf_tokenizer

from make_token_fixtures import CACHE, HERE, PRE_SPLITS, texts

GPT2 = PRE_SPLITS["gpt2"][0]
LLAMA3 = PRE_SPLITS["llama3"][0]
QWEN2 = PRE_SPLITS["qwen2"][0]

PARAGRAPH = (
    "The survey ran from  1998 to 2004.  Turnout rose from  96.1% to 97.3% , and the  count\u00a0of  "
    "ballots reached   1,234,567 ( roughly 12.5  per cent\tmore ).\n\n"
    "  Indented line:\t42 items\r\n"
    "Results  \n"
    "   3. Third place  (tie)  \n\n\n"
    "Footnote [ 7 ]\u2003 see p.  123\u2013125 ;  ISBN 978-0-306-40615-7 .  "
)


def gguf_tokenizer(file_name):
    """The `tokenizers` object transformers builds for a GGUF file, from its tokenizer metadata."""
    reader = gguf.GGUFReader(os.path.join(CACHE, "models", file_name))
    meta = {}
    for key, field in reader.fields.items():
        if not key.startswith("tokenizer.") and key != "general.architecture":
            continue
        kind = field.types[0]
        if kind == gguf.GGUFValueType.ARRAY and field.types[1] == gguf.GGUFValueType.STRING:
            meta[key] = [bytes(field.parts[i]).decode("utf-8") for i in field.data]
        elif kind == gguf.GGUFValueType.ARRAY:
            meta[key] = [field.parts[i].tolist()[0] for i in field.data]
        elif kind == gguf.GGUFValueType.STRING:
            meta[key] = bytes(field.parts[field.data[0]]).decode("utf-8")
        else:
            meta[key] = field.parts[field.data[0]].tolist()[0]
    tokenizer_dict = {name: meta[f"tokenizer.{key}"] for key, name in GGUF_TOKENIZER_MAPPING["tokenizer"].items()
                      if f"tokenizer.{key}" in meta}
    backend, _ = convert_gguf_tokenizer(meta["general.architecture"], tokenizer_dict)
    return backend


def whitespace_cases():
    """(name, text) pairs: whitespace runs before every kind of character and at the end of the text."""
    runs = {"1sp": " ", "2sp": "  ", "3sp": "   ", "4sp": "    ", "tab": "\t", "2tab": "\t\t",
            "sp_tab": " \t", "tab_sp": "\t ", "nbsp": "\u00a0", "2nbsp": "\u00a0\u00a0", "sp_nbsp": " \u00a0",
            "emsp": "\u2003 "}
    cases = []
    for rn, r in runs.items():
        cases.append((f"digit_{rn}", f"from{r}96.1%"))
        cases.append((f"punct_{rn}", f"word{r}!?{r}(x){r}-"))
        cases.append((f"letter_{rn}", f"a{r}b{r}\u00e9t\u00e9"))
        cases.append((f"newline_{rn}", f"a{r}\nb{r}\n\n{r}c{r}\r\n{r}7"))
        cases.append((f"end_{rn}", f"end{r}"))
        cases.append((f"start_{rn}", f"{r}12 x"))
        cases.append((f"between_digits_{rn}", f"1{r}2{r}{r}3"))
    cases += [
        ("issue_from_96", "from  96.1%"),
        ("newline_kinds", "a\nb\n\nc\r\nd\r\n\r\ne\n \n f \n\t\n"),
        ("spaces_then_newline", "x  \ny   \n\nz \r\n"),
        ("newline_then_digits", "total:\n  42\n\n  7\r\n 8"),
        ("only_spaces", "    "),
        ("only_newlines", "\n\n\n"),
        ("mixed_end", "tail \n \t "),
        ("long_numbers", "1234567890123456789 and  31415926535 ,   2718281828459045\n 000042"),
        ("decimal_runs", "3.14159  2.71828   1.41421\t\t1.73205"),
        ("other_digits", "x \u00b2  \u00b3 \u0663\u0664  \u0665 \u00bd  \u00be \u03b2 \u00b9"),
        ("contraction_digits", "it's  9 o'clock  '12"),
        ("paragraph", PARAGRAPH),
    ]
    return cases


def qwen2_fixture():
    """A small Qwen2-shaped tokenizer, trained on Shakespeare and the whitespace texts."""
    corpus = [t for n, t in texts() if n.startswith("shakespeare")]
    corpus += [t for _, t in whitespace_cases()] * 20
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(corpus, trainers.BpeTrainer(
        vocab_size=700, special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False))
    path = os.path.join(HERE, "tiny_qwen2.tokenizer.json")
    tok.save(path)
    return Tokenizer.from_file(path)


def digits_vocabulary():
    """A small byte-level BPE with digit and whitespace merges (plain ByteLevel while training)."""
    corpus = [t for n, t in texts() if n.startswith("shakespeare")]
    corpus += [t for _, t in whitespace_cases()] * 20
    corpus += [f"in {y}, {y % 97}.{y % 10}%  of {y * 37}\n    and  {y // 3}" for y in range(1900, 2030)]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(corpus, trainers.BpeTrainer(
        vocab_size=700, special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False))
    # Saved without a pre-tokenizer: each order below (and the Swift test) puts its own in place of the null.
    data = json.loads(tok.to_str())
    data["pre_tokenizer"] = None
    text = json.dumps(data, ensure_ascii=False)
    assert text.count('"pre_tokenizer": null') == 1
    with open(os.path.join(HERE, "tiny_digits.tokenizer.json"), "w", encoding="utf-8") as f:
        f.write(text)
    return text


def byte_level(regex):
    return {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": regex}


def split(pattern):
    return {"type": "Split", "pattern": {"Regex": pattern}, "behavior": "Isolated", "invert": False}


DIGITS = {"type": "Digits", "individual_digits": True}

# Every pre-tokenizer Sequence the Swift tokenizer.json reader accepts for byte-level BPE.
ORDERS = {
    "bytelevel_regex": byte_level(True),
    "digits_bytelevel_regex": [DIGITS, byte_level(True)],
    "bytelevel_regex_digits": [byte_level(True), DIGITS],
    "split_gpt2": [split(GPT2), byte_level(False)],
    "digits_split_gpt2": [DIGITS, split(GPT2), byte_level(False)],
    "split_gpt2_digits": [split(GPT2), DIGITS, byte_level(False)],
    "split_llama3": [split(LLAMA3), byte_level(False)],
    "digits_split_llama3": [DIGITS, split(LLAMA3), byte_level(False)],
    "split_llama3_digits": [split(LLAMA3), DIGITS, byte_level(False)],
    "split_qwen2": [split(QWEN2), byte_level(False)],
    "split_qwen2_bytelevel_digits": [split(QWEN2), byte_level(False), DIGITS],
    "digits_bytelevel": [DIGITS, byte_level(False)],
    "bytelevel_digits": [byte_level(False), DIGITS],
    "split_custom_digits": [split(r"[0-9]+| ?[a-z]+|\s+"), DIGITS, byte_level(False)],
}


def order_fixtures(base):
    """Ids under each order; `pre_tokenizer` is the JSON text that replaces the null in `base`."""
    out = []
    for name, pre in ORDERS.items():
        node = json.dumps(pre if isinstance(pre, dict) else {"type": "Sequence", "pretokenizers": pre})
        tok = Tokenizer.from_str(base.replace('"pre_tokenizer": null', '"pre_tokenizer": ' + node))
        out.append({"name": name, "pre_tokenizer": node,
                    "cases": [{"name": n, "text": t, "ids": tok.encode(t, add_special_tokens=False).ids}
                              for n, t in whitespace_cases()]})
    return out


def main():
    cases = whitespace_cases()
    out = {}
    smol = gguf_tokenizer("SmolLM2-135M-Instruct.Q4_1.gguf")
    smol.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Digits(individual_digits=True),
         pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
    gemma = gguf_tokenizer("gemma-3-270m-q4_k_m.gguf")
    qwen2 = qwen2_fixture()
    for key, tok in (("smollm2", smol), ("gemma3", gemma), ("qwen2", qwen2)):
        out[key] = [{"name": n, "text": t, "ids": tok.encode(t, add_special_tokens=False).ids} for n, t in cases]
    out["orders"] = order_fixtures(digits_vocabulary())
    with open(os.path.join(HERE, "whitespace_ids.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, separators=(",", ":"))


if __name__ == "__main__":
    main()
