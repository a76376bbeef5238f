"""Update windows of the official SVD-LLM code's `get_loaders` (GPTQ's loader), for
SVDLLMTests/TokenWindowSamplerTests.

Reproduces `get_ptb` (SVD-LLM utils/data_utils.py): ids = tokenizer(text).input_ids (the whole text at once);
random.seed(seed); per sample i = random.randint(0, len(ids) - seqlen - 1); window = ids[i:i + seqlen].
Text: PTB train in the paper's form (Scripts/fetch-assets' ptb.train.txt, the "\n\n"-joined sentences get_ptb
joins). Tokenizer: SmolLM2's tokenizer.json as written by `svdllm convert` (identical ids to the Hub tokenizer,
see TokenizersTests).

  python make_token_windows_fixture.py PTB_TRAIN_TXT TOKENIZER_JSON > token_windows.json
"""
import json
import random
import sys

from tokenizers import Tokenizer

text = open(sys.argv[1], encoding="utf-8").read()
ids = Tokenizer.from_file(sys.argv[2]).encode(text).ids
seed, seqlen, nsamples = 3, 128, 6
random.seed(seed)
offsets = [random.randint(0, len(ids) - seqlen - 1) for _ in range(nsamples)]
json.dump({"seed": seed, "seqlen": seqlen, "nsamples": nsamples, "tokens": len(ids), "offsets": offsets,
           "windows": [ids[i:i + seqlen] for i in offsets]}, sys.stdout)
