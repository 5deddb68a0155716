#!/usr/bin/env bash
# A 20-trial random-search study of examples/digits_mlp.hps (its sampler, scheduler and stopping rule
# replaced by random / fifo / none, its budget by 20 trials; the space, model and 27-epoch recipe as
# written): wall time of `hps run` and the best validation accuracy (target >= 0.95).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed -e 's/sampler   = [a-z]*(init = 8)/sampler   = random/' \
    -e 's/scheduler = hyperband(min = 1, max = 27, eta = 3)/scheduler = fifo/' \
    -e 's/stopping  = svr(threshold = 0.95, offset = 0.0, keep = 0.25, min_curves = 10)/stopping  = none/' \
    -e 's/budget    { trials = 150, epochs = 1500, time = 10m }/budget    { trials = 20 }/' \
    examples/digits_mlp.hps > "$work/digits_mlp.hps"
grep -q 'sampler   = random' "$work/digits_mlp.hps"
start=$(date +%s.%N)
./target/release/hps run "$work/digits_mlp.hps" --storage "$work/hps.db" --quiet > "$work/summary.txt"
end=$(date +%s.%N)
cat "$work/summary.txt"
python3 - "$start" "$end" "$work/summary.txt" <<'PY'
import re, sys
start, end, summary = float(sys.argv[1]), float(sys.argv[2]), open(sys.argv[3]).read()
best = float(re.search(r"val\.accuracy = ([0-9.]+)", summary).group(1))
print(f"wall time {end - start:.1f} s for 20 trials; best val.accuracy {best:.4f} ({best / 0.95:.3f}x the 0.95 target)")
PY
