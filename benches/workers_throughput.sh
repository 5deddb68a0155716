#!/usr/bin/env bash
# Throughput of N = 1, 2, 4, 8 worker processes (`hps run` each) on one study, on a SQLite file and
# on PostgreSQL (a throw-away server from scripts/throwaway-postgres.sh), with trials that wait
# rather than compute — a command trainer sleeping 0.2 s per epoch — so that a 2-core machine
# measures coordination, not training. For each store and N: trials per second and the ratio to
# N x one worker's (ideal 1.0). Schedulers: ASHA (min 1, max 9, eta 3) with the random sampler, and
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
  trial     = command("sh trainer.sh {x} {y}")
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
# run STORE SAMPLER SCHEDULER N TRIALS EPOCHS: prints trials per second
run() {
  local store=$1 sampler=$2 scheduler=$3 n=$4 trials=$5 epochs=$6 url
  dbn=$((dbn + 1))
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
  python3 -c "print(f'{$trials / ($end - $start):.3f}')"
}

printf '%-9s %-22s %2s %8s %9s %7s\n' store scheduler N trials trials/s ratio
for store in sqlite postgres; do
  base=""
  for n in 1 2 4 8; do
    trials=$((12 * n))
    rate=$(run "$store" random "asha(min = 1, max = 9, eta = 3)" "$n" "$trials" 9)
    base=${base:-$rate}
    ratio=$(python3 -c "print(f'{$rate / ($n * $base):.2f}')")
    printf '%-9s %-22s %2s %8s %9s %7s\n' "$store" "asha random" "$n" "$trials" "$rate" "$ratio"
  done
  one=$(run "$store" "bo(init = 8)" fifo 1 12 3)
  eight=$(run "$store" "bo(init = 8)" fifo 8 96 3)
  ratio=$(python3 -c "print(f'{$eight / (8 * $one):.2f}')")
  printf '%-9s %-22s %2s %8s %9s %7s\n' "$store" "fifo bo" 1 12 "$one" 1.00
  printf '%-9s %-22s %2s %8s %9s %7s\n' "$store" "fifo bo" 8 96 "$eight" "$ratio"
done

echo
echo "store cost per trial (median ms):"
cargo bench --quiet --bench store_overhead -- "${server%/*}/postgres" 2>/dev/null
