#!/usr/bin/env bash
# Result check for engine speed work: runs the same set of simulations with two coda binaries and compares
# every output byte for byte (reports, --json, and the md5 of the default config's --dump-commands).
#
#   bench/compare_outputs.sh OLD_CODA NEW_CODA [WORKDIR]
#
# The set: BERT-base (seq 512, 12 layers) timing runs on four configs / schedules, and functional --verify runs
# of a reduced model with awkward sizes (2 layers, seq 50, hidden 96, 3 heads, FFN 200, causal) and of
# gemm:300,170,45 in both dataflows, and run 4 again without the dump (with the segment memo) and with --csv. Exit
# status 0 iff everything is identical.
set -euo pipefail
old="$1"; new="$2"; work="${3:-$(mktemp -d)}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$work"
cat > "$work/reduced.yaml" <<'YAML'
name: reduced
layers: 2
seq_len: 50
hidden: 96
heads: 3
ffn: 200
causal: true
YAML
run_set() {  # BINARY OUTDIR
  local b="$1" o="$2" hw="$root/configs/hw"
  mkdir -p "$o"
  "$b" sim -c "$hw/gemmini-baseline.yaml" -w bert-base --json "$o/1.json" > "$o/1.txt"
  "$b" sim -c "$hw/gemmini-ibert.yaml" -w bert-base --schedule fused --json "$o/2.json" > "$o/2.txt"
  "$b" sim -c "$hw/gemmini-ibert-rebalanced.yaml" -w bert-base --schedule attention-fused --json "$o/3.json" > "$o/3.txt"
  "$b" sim -c "$hw/gemmini-default.yaml" -w bert-base --json "$o/4.json" --dump-commands "$o/4.cmds" > "$o/4.txt"
  md5sum < "$o/4.cmds" > "$o/4.cmds.md5" && rm -f "$o/4.cmds"
  "$b" sim -c "$hw/gemmini-ibert.yaml" -w "$work/reduced.yaml" --functional --verify --json "$o/5.json" > "$o/5.txt"
  "$b" sim -c "$hw/gemmini-ibert.yaml" -w "$work/reduced.yaml" --schedule fused --functional --verify --json "$o/6.json" > "$o/6.txt"
  "$b" sim -c "$hw/gemmini-baseline.yaml" -w "$work/reduced.yaml" --functional --verify --json "$o/7.json" > "$o/7.txt"
  "$b" sim -c "$hw/gemmini-ibert-rebalanced.yaml" -w "$work/reduced.yaml" --schedule attention-fused --functional --verify --json "$o/8.json" > "$o/8.txt"
  "$b" sim -c "$hw/gemmini-default.yaml" -w gemm:300,170,45 --functional --verify --json "$o/9.json" > "$o/9.txt"
  "$b" sim -c "$hw/gemmini-default.yaml" -w gemm:300,170,45 --dataflow os --functional --verify --json "$o/10.json" > "$o/10.txt"
  # Run 4 without the command dump, so that the segment memo (off under --dump-commands) is in use, plus the CSV.
  "$b" sim -c "$hw/gemmini-default.yaml" -w bert-base --json "$o/11.json" --csv "$o/11.csv" > "$o/11.txt"
}
run_set "$old" "$work/old"
run_set "$new" "$work/new"
status=0
# A shipped schedule is reported by its absolute path in the binary's own source tree: compare without that prefix
# (two binaries built from different checkouts differ there and nowhere else).
strip_root() { sed -E 's#[^ "]*/configs/schedules/#configs/schedules/#g' "$1"; }
for f in "$work"/old/*; do
  if ! cmp -s <(strip_root "$f") <(strip_root "$work/new/$(basename "$f")"); then
    echo "DIFFERS: $(basename "$f")"
    status=1
  fi
done
[ "$status" = 0 ] && echo "identical: $(ls "$work/old" | wc -l) outputs ($work)"
exit "$status"
