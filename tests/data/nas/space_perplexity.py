#!/usr/bin/env python3
"""A deterministic perplexity evaluator for `coda nas` tests on real search spaces: one candidate JSON per line on
stdin (nas::to_json: layers, hidden, heads[], ffn[], ...), one perplexity per line on stdout. Larger models score
lower, as a trained supernet's subnets would."""
import json
import sys

for line in sys.stdin:
    if not line.strip():
        continue
    d = json.loads(line)
    ffn = sum(d["ffn"]) / len(d["ffn"])
    print(repr(3.0 + 6.0 / d["layers"] + 200.0 / d["hidden"] + 100.0 / ffn + 1.0 / sum(d["heads"])))
