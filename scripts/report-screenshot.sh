#!/usr/bin/env bash
# The README's picture of `hps report`: runs the README's main study (examples/digits_mlp.hps) into a
# throw-away store, writes its report, and photographs the page's first 1,950 pixels in headless
# Chromium (Debian's `chromium`) to docs/images/report.png.
# Usage: bash scripts/report-screenshot.sh [HPS_BINARY]   (default: target/release/hps)
set -euo pipefail
cd "$(dirname "$0")/.."
hps=${1:-target/release/hps}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$hps" run -q examples/digits_mlp.hps --storage "$work/hps.db" >/dev/null
"$hps" report digits_mlp --storage "$work/hps.db" -o "$work/report.html"
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$work/profile" --hide-scrollbars --window-size=1280,1950 \
  --screenshot="$PWD/docs/images/report.png" "file://$work/report.html" 2>/dev/null
ls -l docs/images/report.png
