#!/usr/bin/env bash
# Checks the Vim runtime files headless: the syntax groups against the scope assertions of the VS
# Code fixtures (editors/vscode/tests/*.hps, mapped in test/syntax.vim), and the indent file by
# re-indenting the examples and the standard library. HPS_VIM=nvim runs them under Neovim.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
vim="${HPS_VIM:-vim}"
if [ "${vim##*/}" = "nvim" ]; then
  run=("$vim" --headless -n -u NONE -i NONE)
else
  run=("$vim" -N -n -u NONE -i NONE -es)
fi
setup=(--cmd "set runtimepath^=$here" -c "filetype plugin indent on" -c "syntax on")

"${run[@]}" "${setup[@]}" -S "$here/test/syntax.vim" "$root"/editors/vscode/tests/*.hps </dev/null
"${run[@]}" "${setup[@]}" -S "$here/test/indent.vim" "$root"/examples/*.hps "$root"/stdlib/std/*.hps </dev/null
