#!/usr/bin/env bash
# Issue 17: how diverse are a Hyperband bracket's proposals? examples/digits_mlp.hps (its README
# budget: 150 trials, 1,500 epochs, Hyperband 1 → 27, ν-SVR stopping) with each of `bo`, `tpe` and
# `random`, over several seeds. Per bracket: distinct architecture-and-optimiser combinations (width,
# depth, activation, optimiser, batch size) among its trials, and the spread of its learning rates
# (log10 of max/min); per run: the best validation accuracy. Prints means over brackets and seeds.
#
#   bash benches/bracket_diversity.sh [WORKDIR] [SEEDS]     (defaults: /tmp/hps-brackets, 10)
#   HPS_BIN=/path/to/an/older/hps SAMPLERS=bo bash benches/bracket_diversity.sh DIR   (another build)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/hps-brackets}
seeds=${2:-10}
samplers=${SAMPLERS:-bo tpe random}
if [ -z "${HPS_BIN:-}" ]; then cargo build --release --quiet; fi
hps=${HPS_BIN:-$PWD/target/release/hps}
mkdir -p "$work"
for seed in $(seq 1 "$seeds"); do
  for sampler in $samplers; do
    name=${sampler}_$seed
    [ -f "$work/$name.json" ] && continue
    sed -e "s/seed      = 42/seed      = $seed/" -e "s/sampler   = bo(init = 8)/sampler   = $sampler/" \
      -e "s/study digits_mlp/study $name/" examples/digits_mlp.hps > "$work/$name.hps"
    (cd "$work" && "$hps" run "$name.hps" --storage "sqlite://$work/$name.db" -q > /dev/null 2>&1 || true)
    (cd "$work" && "$hps" export "$name" --storage "sqlite://$work/$name.db" --format json > "$work/$name.json")
    echo "done $name"
  done
done
python3 - "$work" "$seeds" "$samplers" <<'PY'
import collections, glob, json, math, statistics, sys
work, seeds, samplers = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
keys = ["model.width", "model.depth", "model.act", "train.optimizer", "train.batch_size"]
rows = collections.defaultdict(lambda: {"distinct": [], "size": [], "spread": [], "best": []})
for sampler in samplers:
    for seed in range(1, seeds + 1):
        export = json.load(open(f"{work}/{sampler}_{seed}.json"))
        brackets = collections.defaultdict(list)
        for t in export["trials"]:
            if t.get("bracket") is not None:
                brackets[t["bracket"]].append(t["params"])
        for params in brackets.values():
            if len(params) < 3:
                continue
            combos = {tuple(str(p.get(k)) for k in keys) for p in params}
            lrs = [p["train.lr"] for p in params]
            rows[sampler]["distinct"].append(len(combos) / len(params))
            rows[sampler]["size"].append(len(params))
            rows[sampler]["spread"].append(math.log10(max(lrs) / min(lrs)))
        values = [t["value"] for t in export["trials"] if t.get("value") is not None]
        rows[sampler]["best"].append(max(values))
print(f"{'sampler':<8} {'brackets':>8} {'distinct combos / trials':>25} {'lr spread (decades)':>20} {'best val acc (mean ± sd)':>25}")
for sampler, r in rows.items():
    sd = statistics.stdev(r["best"]) if len(r["best"]) > 1 else 0.0
    print(f"{sampler:<8} {len(r['distinct']):>8} {statistics.mean(r['distinct']):>25.2f} {statistics.mean(r['spread']):>20.2f} {statistics.mean(r['best']):>17.4f} ± {sd:.4f}")
PY
