#!/usr/bin/env bash
# Checks the VS Code extension: its JSON files parse, extension.js finds `hps` and starts `hps lsp`
# (tests/extension.test.js, with a fake `vscode` module), and every scope assertion in tests/*.hps
# holds (vscode-tmgrammar-test, the same TextMate engine as VS Code).
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
