"""Calibration windows of the official SVD-LLM sampler, for SVDLLMTests/CalibrationSamplerTests.

Reproduces `get_calib_train_data` (SVD-LLM utils/data_utils.py): random.seed(seed); per sample
i = random.randint(0, len(text) - seqlen - 1); ids = tokenizer(text[i:i + seqlen*10]).input_ids[:seqlen].
Text: PTB train in the paper's form (Scripts/fetch-assets' ptb.train.txt). Tokenizer: SmolLM2's tokenizer.json
as written by `svdllm convert` (identical ids to the Hub tokenizer, see TokenizersTests).

  python make_calibration_fixture.py PTB_TRAIN_TXT TOKENIZER_JSON > calibration_windows.json
"""
import json
import random
import sys

from tokenizers import Tokenizer

text = open(sys.argv[1], encoding="utf-8").read()
tok = Tokenizer.from_file(sys.argv[2])
seed, seqlen, nsamples = 3, 128, 4
random.seed(seed)
offsets, windows = [], []
while len(windows) < nsamples:
    i = random.randint(0, len(text) - seqlen - 1)
    ids = tok.encode(text[i:i + seqlen * 10]).ids
    if len(ids) < seqlen:
        continue
    offsets.append(i)
    windows.append(ids[:seqlen])
json.dump({"seed": seed, "seqlen": seqlen, "nsamples": nsamples, "offsets": offsets, "windows": windows},
          sys.stdout)
