#!/usr/bin/env bash
# AutoHAS against random search and BO (both under Hyperband) on the same small-CNN space over digits
# (benches/autohas/*.hps), over several seeds: AutoHAS at its own compute, the searches at 1x, 5x
# and 10x it. Compute is counted in training-sample passes (forward + backward of one sample on one
# network): epochs trained x training rows, AutoHAS' reward forwards on validation batches counted
# as a third of a pass each. Every method's result is retrained from scratch for the recipe's 18
# epochs (AutoHAS does it itself; a search's best configuration by validation accuracy is retrained
# by benches/autohas/retrain.hps) and judged on the held-out test rows (split(test = 0.2)), which no
# method sees while searching; the retraining counts in each method's compute, so a search at kx has
# an epoch budget of k x 36 - 18. Prints one row per method and budget: test accuracy (mean and
# standard error over seeds), the search's best validation accuracy, compute, wall time.
#
#   bash benches/autohas_vs_search.sh [WORKDIR] [SEEDS]     (defaults: /tmp/hps-autohas-bench, 5)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/hps-autohas-bench}
seeds=${2:-5}
cargo build --release --quiet
hps=$PWD/target/release/hps
mkdir -p "$work"
# AutoHAS' epochs: 18 super-network + 18 retraining.
autohas_epochs=36
for seed in $(seq 1 "$seeds"); do
  dir=$work/seed$seed
  mkdir -p "$dir"
  sed "s/SEED/$seed/" benches/autohas/autohas.hps > "$dir/autohas.hps"
  runs=("autohas:autohas.hps")
  for sampler in random bo; do
    for times in 1 5 10; do
      name=${sampler}_${times}x
      sed -e "s/SEED/$seed/" -e "s/SAMPLER/$sampler/" -e "s/EPOCHS/$((autohas_epochs * times - 18))/" \
        -e "s/study bench/study $name/" benches/autohas/search.hps > "$dir/$name.hps"
      runs+=("$name:$name.hps")
    done
  done
  for run in "${runs[@]}"; do
    name=${run%%:*}; file=${run#*:}
    [ -f "$dir/$name.json" ] && continue
    start=$(date +%s.%N)
    (cd "$dir" && "$hps" run "$file" --storage "sqlite://$dir/$name.db" -q >/dev/null 2>"$dir/$name.log")
    study=$(grep -o 'study [a-z0-9_]*' "$dir/$file" | head -1 | cut -d' ' -f2)
    (cd "$dir" && "$hps" export "$study" --storage "sqlite://$dir/$name.db" --format json > "$dir/$name.export.json")
    python3 - "$dir" "$name" "$start" "$seed" "$hps" > "$dir/$name.json" <<'PY'
import json, subprocess, sys, time
folder, name, start, seed, hps = sys.argv[1:6]
export = json.load(open(f"{folder}/{name}.export.json"))
trials = [t for t in export["trials"] if t.get("value") is not None]
best = max(trials, key=lambda t: (t["value"], -t["number"]))
epochs = sum(t["epochs"] for t in export["trials"])
test = export.get("test", {}).get(str(best["number"]))
if name != "autohas":
    # Retrain the best configuration from scratch, as AutoHAS does its result.
    p = best["params"]
    block = {
        0: "conv(channels = 16, kernel = 3)  relu()",
        1: "residual { conv(channels = 16, kernel = 3)  relu() }",
        2: "avgpool(2)  conv(channels = 32, kernel = 3)  relu()",
    }[int(p["model.choose_1"])]
    text = open("benches/autohas/retrain.hps").read()
    for key, value in [("BLOCK", block), ("CHANNELS", p["model.channels"]), ("KERNEL", p["model.kernel"]),
                       ("DROP", repr(float(p["model.drop"]))), ("LR", repr(float(p["train.lr"]))),
                       ("WEIGHT_DECAY", repr(float(p["train.weight_decay"]))), ("SEED", seed)]:
        text = text.replace(key, str(value))
    open(f"{folder}/{name}.retrain.hps", "w").write(text)
    store = f"sqlite://{folder}/{name}.retrain.db"
    subprocess.run([hps, "run", f"{name}.retrain.hps", "--storage", store, "-q"], cwd=folder, check=True,
                   stdout=subprocess.DEVNULL)
    retrained = json.loads(subprocess.run([hps, "export", "retrain", "--storage", store, "--format", "json"],
                                          cwd=folder, check=True, capture_output=True).stdout)
    test = retrained["test"]["0"]
    epochs += 18
print(json.dumps({
    "method": name, "val": best["value"], "test": test, "trial_epochs": epochs,
    "trials": len(export["trials"]), "seconds": time.time() - float(start),
}))
PY
    echo "seed $seed $(cat "$dir/$name.json")"
  done
done
python3 - "$work" "$seeds" "$autohas_epochs" <<'PY'
import json, math, sys, glob, collections
work, seeds, autohas_epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
train_rows = 1078  # digits: 1797 rows, 20% validation and 20% test held back
rows = collections.defaultdict(list)
for seed in range(1, seeds + 1):
    for path in glob.glob(f"{work}/seed{seed}/*.json"):
        if path.endswith(".export.json"):
            continue
        r = json.load(open(path))
        rows[r["method"]].append(r)
def stats(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return float("nan"), float("nan")
    m = sum(xs) / len(xs)
    se = math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1) / len(xs)) if len(xs) > 1 else 0.0
    return m, se
# AutoHAS: 18 search epochs (16 of them with reward forwards on validation batches as large as the
# training ones, a third of a pass each) + 18 retraining.
autohas_passes = (18 + 16 / 3 + 18) * train_rows
print(f"{'method':<12} {'seeds':>5} {'test acc (mean ± se)':>22} {'val acc':>8} {'compute (passes)':>17} {'x AutoHAS':>9} {'wall s':>7}")
for method in ["autohas"] + [f"{s}_{t}x" for s in ("random", "bo") for t in (1, 5, 10)]:
    rs = rows.get(method, [])
    if not rs:
        continue
    t, tse = stats([r["test"] for r in rs])
    v, _ = stats([r["val"] for r in rs])
    passes = autohas_passes if method == "autohas" else stats([r["trial_epochs"] * train_rows for r in rs])[0]
    secs, _ = stats([r["seconds"] for r in rs])
    print(f"{method:<12} {len(rs):>5} {t:>14.4f} ± {tse:.4f} {v:>8.4f} {passes:>17,.0f} {passes / autohas_passes:>9.1f} {secs:>7.1f}")
PY
