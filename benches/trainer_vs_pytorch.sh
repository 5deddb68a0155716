#!/usr/bin/env bash
# Trainer throughput and memory, hps (Candle) vs PyTorch, same machine, same run, same models, data and
# batch sizes (benches/trainer_throughput.rs, benches/trainer_pytorch.py). Each case runs alone in a
# process of its own under /usr/bin/time, so its peak resident memory is its own. Needs python3 with
# torch and numpy (PYTHON=/path/to/python to pick one); the Fashion-MNIST case runs when Fashion-MNIST
# is installed (HPS_FASHION_MNIST, else Debian's dataset-fashion-mnist). Prints samples/s, peak
# memory and the ratios hps / PyTorch for each model and thread count.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
# The environment `hps run` trains in (src/trial/training_env.rs): Candle's element-wise worker pool
# off, its matrix multiplies told the cores, glibc's allocator keeping freed memory; set any of these
# to measure another setting.
export CANDLE_NUM_THREADS=${CANDLE_NUM_THREADS:-1} RAYON_NUM_THREADS=${RAYON_NUM_THREADS:-$(nproc)} \
  MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-1} MALLOC_MMAP_THRESHOLD_=${MALLOC_MMAP_THRESHOLD_:-33554432} \
  MALLOC_TRIM_THRESHOLD_=${MALLOC_TRIM_THRESHOLD_:-268435456} MALLOC_TOP_PAD_=${MALLOC_TOP_PAD_:-67108864}
bench=$(cargo bench --quiet --bench trainer_throughput --no-run --message-format=json 2>/dev/null |
  "$python" -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("executable") and m.get("target", {}).get("name") == "trainer_throughput":
        print(m["executable"])')
fashion=${HPS_FASHION_MNIST:-/usr/share/datasets/fashion-mnist}
models="mlp cnn"
if [ -e "$fashion/train-images-idx3-ubyte.gz" ] || [ -e "$fashion/train-images-idx3-ubyte" ]; then
  models="$models fashion_cnn"
fi
rows=$(mktemp)
memory=$(mktemp)
trap 'rm -f "$rows" "$memory"' EXIT
# One line per case: its JSON line, a tab, its peak resident memory in KiB.
for threads in 1 2; do
  for model in $models; do
    line=$(HPS_BENCH_MODEL=$model HPS_BENCH_THREADS=$threads /usr/bin/time -f %M -o "$memory" \
      "$bench" --bench)
    printf '%s\t%s\n' "$line" "$(cat "$memory")" >> "$rows"
    line=$(/usr/bin/time -f %M -o "$memory" \
      "$python" benches/trainer_pytorch.py data/digits/digits.csv.gz "$model" "$threads")
    printf '%s\t%s\n' "$line" "$(cat "$memory")" >> "$rows"
  done
done
"$python" - "$rows" <<'PY'
import json, sys
rows = []
for line in open(sys.argv[1]):
    if line.strip():
        case, rss = line.rsplit("\t", 1)
        rows.append({**json.loads(case), "mib": int(rss) / 1024})
key = lambda r: (r["model"], r["threads"])
hps = {key(r): r for r in rows if r["impl"] == "hps"}
torch = {key(r): r for r in rows if r["impl"] == "pytorch"}
print(f"{'model':<12} {'threads':>7} {'hps samples/s':>14} {'pytorch samples/s':>18} {'hps/pytorch':>12}"
      f" {'hps MiB':>8} {'pytorch MiB':>12} {'hps/pytorch':>12}")
for k in sorted(hps):
    h, t = hps[k], torch[k]
    print(f"{k[0]:<12} {k[1]:>7} {h['samples_per_s']:>14,} {t['samples_per_s']:>18,}"
          f" {h['samples_per_s'] / t['samples_per_s']:>11.2f}x"
          f" {h['mib']:>8.0f} {t['mib']:>12.0f} {h['mib'] / t['mib']:>11.2f}x")
PY
