#!/usr/bin/env bash
# Builds the HyperSTAR meta-training corpus of ../shared/meta/README.md with hps itself: fetches and
# converts the 35 tasks (registries only), runs the 108-configuration grid of ../shared/meta/space.hps
# on each task with initialisation seeds 1-3 (one study `table_<task>_s<seed>` per task and seed, in
# one SQLite store), exports each study's curves (WORKDIR/exports/), and writes one compact table per
# task into meta/tables/<task>.csv (scripts/meta/compact_table.py: a row per configuration and seed,
# its validation accuracy after each epoch). Resumable: a finished study is skipped, an interrupted one
# continues where it stopped (the store keeps every epoch). The converted CSVs stay in the work folder
# (their licences do not allow committing them); only the compact tables are meant for the repository.
#
#   bash scripts/meta/build-corpus.sh [WORKDIR]     # default: ~/.cache/hps-meta
#
# About an hour on 2 cores (the README's estimate); HPS_META_TASKS="iris wine" limits the tasks.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
shared=${HPS_SHARED:-$repo/../shared}
meta=$shared/meta
work=${1:-$HOME/.cache/hps-meta}
mkdir -p "$work"
cd "$work"

source "$repo/scripts/meta/fetch-tasks.sh"

(cd "$repo" && cargo build --quiet --release)
hps=$repo/target/release/hps
tables=$repo/meta/tables
mkdir -p "$tables" studies exports
tasks=${HPS_META_TASKS:-$(tail -n +2 tasks/manifest.tsv | cut -f2)}
for task in $tasks; do
  [ -s "$tables/$task.csv" ] && continue
  for seed in 1 2 3; do
    name="table_${task//-/_}_s$seed"
    out="exports/${task}_s$seed.csv"
    [ -s "$out" ] && continue
    sed -e "s|TASK|$work/tasks/train/$task.csv|" -e "s|SEED|$seed|" -e "s|study table|study $name|" \
      "$meta/space.hps" > "studies/$name.hps"
    echo "== $name"
    start=$(date +%s)
    "$hps" run "studies/$name.hps" --storage meta.db --quiet > /dev/null
    "$hps" export "$name" --storage meta.db --format csv --curves > "$out.partial"
    mv "$out.partial" "$out"
    echo "   $(( $(date +%s) - start )) s"
  done
  python3 "$repo/scripts/meta/compact_table.py" "$task" exports/"${task}"_s{1,2,3}.csv > "$tables/$task.csv.partial"
  mv "$tables/$task.csv.partial" "$tables/$task.csv"
done
grep -v "^split" tasks/manifest.tsv | cut -f2,4- > "$tables/tasks.tsv.body"
{ printf 'name\trows_raw\trows_kept\tfeatures\tclasses\tmajority\tsha256\n'; cat "$tables/tasks.tsv.body"; } > "$tables/tasks.tsv"
rm "$tables/tasks.tsv.body"
echo "tables in $tables"
