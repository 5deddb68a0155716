#!/usr/bin/env bash
# fANOVA importances, hps vs Optuna (issue: "fANOVA checked against a reference"): the same points
# fed to hps's importances (benches/fanova_points.rs, a `cargo bench` target that reads a CSV) and to
# Optuna's FanovaImportanceEvaluator (benches/fanova_vs_optuna.py, which draws the points, writes the
# CSVs and prints one table per case with the max |diff| and whether the rankings agree). Not run by
# CI; about a minute on 2 cores once the bench is built.
#
#   benches/fanova_vs_optuna.sh [--seeds 0,1,2,3,4] [--cases linear,log_cat,interaction,digits]
#                               [--out-dir target/fanova]
#
# PYTHON may name an interpreter with optuna and scikit-learn; otherwise a venv is made (once) in
# /tmp/optuna-fanova-venv.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then sed -n '2,12p' "$0"; exit 0; fi

if [ -z "${PYTHON:-}" ]; then
  venv=/tmp/optuna-fanova-venv
  if ! "$venv/bin/python" -c 'import optuna, sklearn' 2>/dev/null; then
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet optuna scikit-learn
  fi
  PYTHON=$venv/bin/python
fi

echo "== building the hps side (cargo bench --no-run --bench fanova_points)"
cargo bench --quiet --no-run --bench fanova_points
echo
exec "$PYTHON" benches/fanova_vs_optuna.py --hps "cargo bench --quiet --bench fanova_points --" "$@"
