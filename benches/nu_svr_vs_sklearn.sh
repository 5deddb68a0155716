#!/usr/bin/env bash
# hps's ν-SVR vs scikit-learn's NuSVR on identical data (written once as CSV, read by both) at the same
# C, ν, γ: R² on held-out rows (target: within 0.01) and median fit + predict time (target: hps
# faster). Datasets: Friedman #1 (100 train / 500 test), and Baker et al.'s task on hps's recorded
# digits curves (features: the first 25% of each curve and its differences, target: the final value;
# 100 curves train, 116 test). PYTHON may name an interpreter with scikit-learn; otherwise a venv is
# made in /tmp.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${PYTHON:-}" ]; then
  if [ ! -x /tmp/hps-sklearn/bin/python ]; then
    python3 -m venv /tmp/hps-sklearn
    /tmp/hps-sklearn/bin/pip install --quiet scikit-learn numpy
  fi
  PYTHON=/tmp/hps-sklearn/bin/python
fi
cargo build --quiet --release --bench nu_svr
hps_bin=$(ls -t target/release/deps/nu_svr-* | grep -v '\.d$' | head -1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$PYTHON" - "$work" <<'PY'
import csv, sys
from collections import defaultdict
import numpy as np
from sklearn.datasets import make_friedman1
from sklearn.preprocessing import StandardScaler
out = sys.argv[1]
def write(name, x, y, n_train):
    scaler = StandardScaler().fit(x[:n_train])
    x = scaler.transform(x)
    import os; os.makedirs(f"{out}/{name}", exist_ok=True)
    np.savetxt(f"{out}/{name}/train.csv", np.column_stack([x[:n_train], y[:n_train]]), delimiter=",", fmt="%.17g")
    np.savetxt(f"{out}/{name}/test.csv", np.column_stack([x[n_train:], y[n_train:]]), delimiter=",", fmt="%.17g")
x, y = make_friedman1(n_samples=600, noise=1.0, random_state=0)
write("friedman1", x, y, 100)
curves = defaultdict(dict)
for row in csv.DictReader(open("benches/data/digits_curves.csv")):
    key = tuple(row[k] for k in ("model.depth", "model.drop", "model.width", "train.lr", "train.optimizer"))
    curves[key][int(row["epoch"])] = float(row["val.accuracy"])
rows = []
for key, c in sorted(curves.items()):
    seen = [c[e] for e in range(1, 8)]  # 25% of 27 epochs
    d1 = np.diff(seen); d2 = np.diff(d1)
    rows.append(seen + list(d1) + list(d2) + [c[27]])
rows = np.array(rows)
np.random.default_rng(0).shuffle(rows)
write("digits_curves", rows[:, :-1], rows[:, -1], 100)
PY
printf '%-14s %5s %5s %6s | %9s %9s %8s | %10s %10s %7s\n' dataset C nu gamma "R² hps" "R² sk" "|ΔR²|" "ms hps" "ms sk" "sk/hps"
while read -r name c nu gamma repeats; do
  ours=$("$hps_bin" "$work/$name" "$c" "$nu" "$gamma" "$repeats")
  theirs=$("$PYTHON" benches/nu_svr_sklearn.py "$work/$name" "$c" "$nu" "$gamma" "$repeats")
  "$PYTHON" - "$name" "$c" "$nu" "$gamma" "$ours" "$theirs" <<'PY'
import json, sys
name, c, nu, gamma = sys.argv[1:5]
a, b = json.loads(sys.argv[5]), json.loads(sys.argv[6])
print(f"{name:<14} {c:>5} {nu:>5} {gamma:>6} | {a['r2']:9.4f} {b['r2']:9.4f} {abs(a['r2'] - b['r2']):8.4f} | {a['ms']:10.3f} {b['ms']:10.3f} {b['ms'] / a['ms']:7.2f}")
PY
done <<'CASES'
friedman1 10 0.5 0.1 51
friedman1 1 0.2 0.02 51
digits_curves 1 0.5 0.05 51
digits_curves 10 0.3 0.1 51
CASES
