#!/usr/bin/env bash
# Samplers vs Optuna (issue 4): hps's random / tpe / bo (benches/samplers.rs; a sampler this build
# cannot run is reported as not available) against Optuna's RandomSampler, TPESampler (default =
# multivariate in Optuna 5, and multivariate=False) and GPSampler (benches/samplers_optuna.py) on
# Branin, Hartmann-6 and the recorded digits table: simple regret of the best trial after 25, 50 and
# 100 trials (median and IQR over the seeds) and ms per ask with 200 observations, side by side with
# the ratios the targets need.
#
#   benches/samplers_vs_optuna.sh [--seeds 20] [--trials 100] [--timing-seeds 3] [--asks 5]
#                                 [--at 200] [--problems branin,hartmann6,digits] [--jobs 2]
#                                 [--out-dir target] [--hps-only]
#
# --hps-only reruns only hps and compares with the Optuna results already in --out-dir (Optuna's
# GPSampler is the slow half: about half an hour on 2 cores). PYTHON may name an interpreter with
# optuna, scipy and torch; otherwise a venv is made (once) in /tmp/optuna-venv, with torch from the
# CPU wheel index when it is reachable and from PyPI otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

seeds=20 trials=100 timing_seeds=3 asks=5 at=200 problems=branin,hartmann6,digits jobs=2
out_dir=target hps_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds=$2; shift 2 ;;
    --trials) trials=$2; shift 2 ;;
    --timing-seeds) timing_seeds=$2; shift 2 ;;
    --asks) asks=$2; shift 2 ;;
    --at) at=$2; shift 2 ;;
    --problems) problems=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --out-dir) out_dir=$2; shift 2 ;;
    --hps-only) hps_only=1; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
mkdir -p "$out_dir"
hps_json=$out_dir/samplers-hps.json
optuna_json=$out_dir/samplers-optuna.json

if [ -z "${PYTHON:-}" ]; then
  venv=/tmp/optuna-venv
  if ! "$venv/bin/python" -c 'import optuna, scipy, torch' 2>/dev/null; then
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
    "$venv/bin/pip" install --quiet torch --index-url https://download.pytorch.org/whl/cpu \
      || "$venv/bin/pip" install --quiet torch
    "$venv/bin/pip" install --quiet optuna scipy
  fi
  PYTHON=$venv/bin/python
fi

common=(--seeds "$seeds" --trials "$trials" --timing-seeds "$timing_seeds" --asks "$asks" --at "$at"
        --problems "$problems")

echo "== hps (cargo bench --bench samplers)"
cargo bench --quiet --bench samplers -- "${common[@]}" --threads "$jobs" --out "$hps_json"

if [ "$hps_only" = 0 ] || [ ! -f "$optuna_json" ]; then
  echo
  echo "== Optuna ($("$PYTHON" -c 'import optuna; print("optuna", optuna.__version__)'))"
  "$PYTHON" benches/samplers_optuna.py run "${common[@]}" --jobs "$jobs" --out "$optuna_json"
else
  echo
  echo "== Optuna: reusing $optuna_json (--hps-only)"
fi

echo
echo "== side by side"
"$PYTHON" benches/samplers_optuna.py compare "$hps_json" "$optuna_json" \
  | tee "$out_dir/samplers-vs-optuna.txt"
exit 0
