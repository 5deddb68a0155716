#!/usr/bin/env bash
# Trainer throughput, hps (Candle) vs PyTorch, same machine, same run, same models and batch size.
# Needs python3 with torch and numpy (PYTHON=/path/to/python to pick one). Prints samples/s and the
# ratio hps / PyTorch for each model and thread count.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
# Candle's element-wise worker pool off and its matrix multiplies on one thread, as `hps run` trains
# (docs/architecture.md, "Candle's thread settings"); set either variable to measure another setting.
hps_out=$(CANDLE_NUM_THREADS=${CANDLE_NUM_THREADS:-1} RAYON_NUM_THREADS=${RAYON_NUM_THREADS:-1} cargo bench --quiet --bench trainer_throughput 2>/dev/null)
torch_out=$("$python" benches/trainer_pytorch.py data/digits/digits.csv.gz)
"$python" - "$hps_out" "$torch_out" <<'PY'
import json, sys
rows = [json.loads(l) for block in sys.argv[1:] for l in block.splitlines() if l.strip()]
key = lambda r: (r["model"], r["threads"])
hps = {key(r): r["samples_per_s"] for r in rows if r["impl"] == "hps"}
torch = {key(r): r["samples_per_s"] for r in rows if r["impl"] == "pytorch"}
print(f"{'model':<6} {'threads':>7} {'hps samples/s':>14} {'pytorch samples/s':>18} {'hps/pytorch':>12}")
for k in sorted(hps):
    print(f"{k[0]:<6} {k[1]:>7} {hps[k]:>14,} {torch[k]:>18,} {hps[k] / torch[k]:>11.2f}x")
PY
