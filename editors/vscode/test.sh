#!/usr/bin/env bash
# Checks the VS Code extension: its JSON files parse, extension.js finds `hps` and starts `hps lsp`
# (tests/extension.test.js, with a fake `vscode` module), and every scope assertion in tests/*.hps
# holds (vscode-tmgrammar-test, the same TextMate engine as VS Code); render.js must still colour
# examples/digits_mlp.hps.
# Exits non-zero on the first failure. Needs Node.js 18+ and npm (the registry, for `npm ci`).
set -euo pipefail
cd "$(dirname "$0")"

if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
else
  npm install --no-audit --no-fund --loglevel=error
fi

for json in package.json language-configuration.json syntaxes/hps.tmLanguage.json; do
  node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$json" \
    || { echo "invalid JSON: $json" >&2; exit 1; }
done
node tests/extension.test.js

npx --no-install vscode-tmgrammar-test --grammar syntaxes/hps.tmLanguage.json "tests/*.hps"

# render.js (which drew docs/images/digits_mlp-highlighted.svg) still runs and still colours tokens:
# at least 5 distinct Dark+ colours in both the HTML and the SVG of examples/digits_mlp.hps.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node render.js ../../examples/digits_mlp.hps --html "$tmp/out.html" --svg "$tmp/out.svg"
html_colours=$( { grep -o '<span style="color:#[0-9A-F]\{6\}"' "$tmp/out.html" || true; } | sort -u | wc -l)
svg_colours=$( { grep -o '<tspan fill="#[0-9A-F]\{6\}"' "$tmp/out.svg" || true; } | sort -u | wc -l)
if [ "$html_colours" -lt 5 ] || [ "$svg_colours" -lt 5 ]; then
  echo "render.js: too few coloured spans (HTML: $html_colours colours, SVG: $svg_colours)" >&2
  exit 1
fi
echo "render.js: $html_colours colours in the HTML, $svg_colours in the SVG"
