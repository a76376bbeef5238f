#!/usr/bin/env python3
"""Makes the TransformerRuntimeTests fixtures from Hugging Face transformers (fp32, CPU), the reference our runtime must match.

  /tmp/peer-venv/bin/python make_runtime_fixtures.py [--cache ~/.cache/swift-svd-llm] [--threads 2]

For each real model (SmolLM2-135M-Instruct Q4_1 GGUF, Gemma 3 270M Q4_K_M GGUF; transformers dequantizes the GGUF
to fp32 with gguf-py, as our loader does) it writes `<model>_logits.json` here (ids of window 0 and
`window0`) and `../../EvaluationTests/Fixtures/<model>_eval.json` (the rest) with:

- `ids`: the token ids of the first windows of PTB test (tokenized whole, no special tokens, as
  /work/shared/peer/ppl.py does; that script is the protocol), so the Swift test does not depend on our tokenizer;
- `window0`: logits of window 0 at a few positions. A full row is 49,152 (SmolLM2) or 262,144 (Gemma) floats, so
  each row is stored on a fixed index subset: the row's top 64 entries plus every `stride`-th vocabulary index,
  together with the log-sum-exp and max of the whole row (which covers every entry in aggregate: a wrong entry
  anywhere near the top would move the log-sum-exp). That checks ~3,100 (SmolLM2) / ~4,200 (Gemma) values per
  row at 1e-3 in a ~0.4 MB JSON file instead of 1-5 MB of binary.
- `ppl`: perplexity over the first `windows` windows with the paper's protocol (identical arithmetic to ppl.py);
- `greedy`: a fixed prompt, its ids, and the first 32 greedy tokens (argmax of the last logits, no EOS stop).
"""
import argparse, json, math, os
os.environ.setdefault("HF_HUB_OFFLINE", "1")
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))


def load(path):
    d, f = os.path.split(os.path.abspath(path))
    tok = AutoTokenizer.from_pretrained(d, gguf_file=f)
    model = AutoModelForCausalLM.from_pretrained(d, gguf_file=f, dtype=torch.float32).eval()
    return tok, model


def row_summary(row, stride, top=64):
    row = row.double()
    idx = set(range(0, row.numel(), stride)) | set(torch.topk(row, top).indices.tolist())
    idx = sorted(idx)
    return {"indices": idx, "values": [float(row[i]) for i in idx],
            "logsumexp": float(torch.logsumexp(row, 0)), "max": float(row.max()), "argmax": int(row.argmax())}


def make(name, path, text, bos, windows, positions, stride, prompt, seqlen=512):
    tok, model = load(path)
    ids = tok(open(text, encoding="utf-8").read(), add_special_tokens=False, return_tensors="pt").input_ids[0]
    step = seqlen - 1 if bos else seqlen
    nll, count, w0 = 0.0, 0, None
    with torch.inference_mode():
        for w in range(windows):
            x = ids[w * step:(w + 1) * step]
            if bos:
                x = torch.cat([torch.tensor([tok.bos_token_id]), x])
            logits = model(x.unsqueeze(0)).logits[0].float()
            if w == 0:
                w0 = {str(p): row_summary(logits[p], stride) for p in positions}
            nll += torch.nn.functional.cross_entropy(logits[:-1], x[1:], reduction="sum").item()
            count += x.numel() - 1
        prompt_ids = tok(prompt, add_special_tokens=bos, return_tensors="pt").input_ids[0]
        seq = prompt_ids.clone()
        for _ in range(32):
            nxt = model(seq.unsqueeze(0)).logits[0, -1].argmax()
            seq = torch.cat([seq, nxt.view(1)])
    out = {"model": os.path.basename(path), "text": os.path.basename(text), "seqlen": seqlen, "bos": bos,
           "bos_token_id": tok.bos_token_id, "ids": ids[:windows * step].tolist(), "positions": positions,
           "stride": stride, "window0": w0,
           "ppl": {"windows": windows, "tokens_scored": count, "ppl": math.exp(nll / count), "nll_sum": nll},
           "greedy": {"prompt": prompt, "prompt_ids": prompt_ids.tolist(),
                      "generated": seq[prompt_ids.numel():].tolist()}}
    write_split(name, out)
    print(name, out["ppl"], out["greedy"]["generated"][:8])


def write_split(name, out):
    """Logits go to TransformerRuntimeTests/Fixtures/<name>_logits.json; ids, perplexity and greedy tokens (what the
    Evaluation functions are checked against) to EvaluationTests/Fixtures/<name>_eval.json."""
    common = {k: out[k] for k in ("model", "text", "seqlen", "bos", "bos_token_id")}
    logits = dict(common, ids=out["ids"][:out["seqlen"] - (1 if out["bos"] else 0)], positions=out["positions"],
                  stride=out["stride"], window0=out["window0"])
    evaluation = dict(common, ids=out["ids"], ppl=out["ppl"], greedy=out["greedy"])
    with open(os.path.join(HERE, f"{name}_logits.json"), "w") as f:
        json.dump(logits, f)
    os.makedirs(os.path.join(HERE, "../../EvaluationTests/Fixtures"), exist_ok=True)
    with open(os.path.join(HERE, f"../../EvaluationTests/Fixtures/{name}_eval.json"), "w") as f:
        json.dump(evaluation, f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", default=os.path.expanduser("~/.cache/swift-svd-llm"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--only", choices=["smollm2", "gemma3"])
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    text = os.path.join(a.cache, "text/ptb.test.txt")
    prompt = "The history of the printing press begins"
    if a.only in (None, "smollm2"):
        make("smollm2", os.path.join(a.cache, "models/SmolLM2-135M-Instruct.Q4_1.gguf"), text, bos=False,
             windows=4, positions=[0, 1, 2, 100, 511], stride=16, prompt=prompt)
    if a.only in (None, "gemma3"):
        make("gemma3", os.path.join(a.cache, "models/gemma-3-270m-q4_k_m.gguf"), text, bos=True,
             windows=2, positions=[0, 1, 2, 100, 511], stride=64, prompt=prompt)


if __name__ == "__main__":
    main()
