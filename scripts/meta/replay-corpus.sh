#!/usr/bin/env bash
# The meta-training corpus as studies in a store, from the committed tables (meta/tables/) instead
# of training: each task × seed becomes the study `table_<task>_s<seed>` of ../shared/meta/space.hps,
# its trials replaying that seed's recorded curves (`trial = lookup(…)`, scripts/meta/table_to_lookup.py)
# over the task's converted CSV — the store `hps meta train --studies 'table_*'` learns from, in
# minutes rather than the hour the corpus took to train. The converted CSVs come from the same
# fetch-and-convert step as scripts/meta/build-corpus.sh (their licences keep them out of the repo).
#
#   bash scripts/meta/replay-corpus.sh [WORKDIR] [HPS_BINARY]   # WORKDIR default: ~/.cache/hps-meta
#
# Writes WORKDIR/replay.db; resumable (a finished study is skipped).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
shared=${HPS_SHARED:-$repo/../shared}
meta=$shared/meta
work=${1:-$HOME/.cache/hps-meta}
hps=${2:-$repo/target/release/hps}
mkdir -p "$work"
cd "$work"
source "$repo/scripts/meta/fetch-tasks.sh"
[ -x "$hps" ] || (cd "$repo" && cargo build --quiet --release)
mkdir -p replay
for table in "$repo"/meta/tables/*.csv; do
  task=$(basename "$table" .csv)
  for seed in 1 2 3; do
    name="table_${task//-/_}_s$seed"
    [ -f "replay/$name.done" ] && continue
    python3 "$repo/scripts/meta/table_to_lookup.py" "$table" "$seed" > "replay/$name.csv"
    sed -e "s|TASK|$work/tasks/train/$task.csv|" -e "s|SEED|$seed|" -e "s|study table|study $name|" \
      -e "s|^  data      = task|  data      = task\n  trial     = lookup(\"$work/replay/$name.csv\")|" \
      "$meta/space.hps" > "replay/$name.hps"
    "$hps" run "replay/$name.hps" --storage replay.db --quiet > /dev/null
    touch "replay/$name.done"
  done
done
echo "studies in $work/replay.db"
