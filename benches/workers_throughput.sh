#!/usr/bin/env bash
# Throughput of N = 1, 2, 4, 8 worker processes (`hps run` each) on one study, on a SQLite file and
# on PostgreSQL (a throw-away server from scripts/throwaway-postgres.sh), with trials that wait
# rather than compute — a command trainer sleeping 0.2 s per epoch — so that a 2-core machine
# measures coordination, not training. For each store and N: trials and epochs per second, and the
# ratio of epochs per second to N x one worker's (ideal 1.0: no worker ever waits on another; trials
# per second alone would mislead, as ASHA's mix of 1-, 3- and 9-epoch trials changes with the
# number of trials). Schedulers: ASHA (min 1, max 9, eta 3) with the random sampler, and
# `bo` with fifo at N = 8 (its cost of fitting with pending trials). Then the store's own cost per
# trial (benches/store_overhead.rs: claim + three epochs + finish).
#
#   bash benches/workers_throughput.sh            # writes nothing; prints a table
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --release
hps="$PWD/target/release/hps"
work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
coproc POSTGRES { bash scripts/throwaway-postgres.sh "$port"; }
read -r server _ <&"${POSTGRES[0]}"
trap 'rm -rf "$work"' EXIT

cat > "$work/trainer.sh" <<'SH'
i=$((HPS_START_EPOCH + 1))
while [ $i -le $HPS_EPOCHS ]; do
  sleep 0.2
  echo >> "$3"
  echo "{\"epoch\": $i, \"score\": $1}"
  i=$((i + 1))
done
SH

# study NAME SAMPLER SCHEDULER TRIALS EPOCHS
study() {
  cat <<HPS
space s {
  x = uniform(0, 1)
  y = uniform(0, 1)
}
study $1 {
  trial     = command("sh trainer.sh {x} {y} $1.log")
  params    = s
  train     = { epochs = $5 }
  objective = maximize score
  budget    { trials = $4 }
  sampler   = $2
  scheduler = $3
  seed      = 3
}
HPS
}

dbn=0
# run STORE SAMPLER SCHEDULER N TRIALS EPOCHS (study number $dbn): prints "trials/s epochs/s"
run() {
  local store=$1 sampler=$2 scheduler=$3 n=$4 trials=$5 epochs=$6 url
  if [ "$store" = sqlite ]; then
    url="$work/s$dbn.db"
  else
    psql -q "$server" -c "CREATE DATABASE bench$dbn" >/dev/null
    url="${server%/*}/bench$dbn"
  fi
  study "t$dbn" "$sampler" "$scheduler" "$trials" "$epochs" > "$work/t$dbn.hps"
  local start end
  start=$(date +%s.%N)
  for _ in $(seq "$n"); do
    "$hps" run "$work/t$dbn.hps" --storage "$url" --quiet > /dev/null &
  done
  wait
  end=$(date +%s.%N)
  local trained
  trained=$(wc -l < "$work/t$dbn.log")
  python3 -c "print(f'{$trials / ($end - $start):.3f} {$trained / ($end - $start):.3f}')"
}

printf '%-9s %-12s %2s %7s %9s %9s %7s\n' store search N trials trials/s epochs/s ratio
row() { printf '%-9s %-12s %2s %7s %9s %9s %7s\n' "$@"; }
for store in sqlite postgres; do
  base=""
  for n in 1 2 4 8; do
    dbn=$((dbn + 1))
    read -r rate epochs < <(run "$store" random "asha(min = 1, max = 9, eta = 3)" "$n" $((48 * n)) 9)
    base=${base:-$epochs}
    row "$store" "asha random" "$n" $((48 * n)) "$rate" "$epochs" "$(python3 -c "print(f'{$epochs / ($n * $base):.2f}')")"
  done
  dbn=$((dbn + 1))
  read -r rate one < <(run "$store" "bo(init = 8)" fifo 1 16 3)
  row "$store" "fifo bo" 1 16 "$rate" "$one" 1.00
  dbn=$((dbn + 1))
  read -r rate eight < <(run "$store" "bo(init = 8)" fifo 8 96 3)
  row "$store" "fifo bo" 8 96 "$rate" "$eight" "$(python3 -c "print(f'{$eight / (8 * $one):.2f}')")"
done

echo
echo "store cost per trial (median ms):"
cargo bench --quiet --bench store_overhead -- "${server%/*}/postgres" 2>/dev/null
