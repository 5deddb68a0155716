#!/usr/bin/env bash
# HyperSTAR leave-one-task-out on the meta-training corpus: builds (or continues) the corpus with
# scripts/meta/build-corpus.sh, then runs benches/hyperstar_loto.rs on meta/tables/ with the tasks'
# converted CSVs from the corpus work folder. Prints per-task AP@10 for hyperstar and the baselines,
# the means of every metric, one-sided Wilcoxon p-values, the share of the headroom captured, and the
# time to train a predictor and to rank a task. Not part of CI (the corpus takes hours to build).
#
#   bash benches/hyperstar_loto.sh [WORKDIR] [STEPS]     # STEPS default 300; WORKDIR default: ~/.cache/hps-meta
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-$HOME/.cache/hps-meta}
steps=${2:-300}
shared=${HPS_SHARED:-$PWD/../shared}
[ -n "${HPS_SKIP_CORPUS:-}" ] || bash scripts/meta/build-corpus.sh "$work"
cargo bench --quiet --bench hyperstar_loto -- meta/tables "$work/tasks/train" "$shared/meta/space.hps" "$steps"
