#!/usr/bin/env python3
"""A deterministic perplexity evaluator for `coda nas --quality command:...` tests: one candidate JSON per line on
stdin, one perplexity per line on stdout (the formula of nas::toy_perplexity)."""
import json
import sys

for line in sys.stdin:
    if not line.strip():
        continue
    d = json.loads(line)
    print(repr(4.0 + 60.0 / d["layers"] + 4000.0 / d["hidden"] + 3000.0 / d["ffn"]))
