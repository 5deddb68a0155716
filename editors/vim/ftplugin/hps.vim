" Vim filetype plugin for hps (.hps files).
" Comments, formatting and `gf` on imports; works in Vim and Neovim.

if exists("b:did_ftplugin")
  finish
endif
let b:did_ftplugin = 1

let s:cpo_save = &cpo
set cpo&vim

" `gc` (Neovim, vim-commentary) and friends write line comments.
setlocal commentstring=//\ %s
" `///` doc comments continue as doc comments, `//` as line comments.
setlocal comments=s1:/*,mb:*,ex:*/,:///,://
setlocal formatoptions-=t formatoptions+=croql
" `gf` on `import "other.hps"` finds the file beside this one.
setlocal suffixesadd=.hps
setlocal include=^\\s*import\\>

let b:undo_ftplugin = "setlocal commentstring< comments< formatoptions< suffixesadd< include<"

" Two spaces, as the examples and the standard library are written;
" `let g:hps_recommended_style = 0` keeps your own settings.
if get(g:, "hps_recommended_style", 1)
  setlocal expandtab shiftwidth=2 softtabstop=2
  let b:undo_ftplugin .= " expandtab< shiftwidth< softtabstop<"
endif

let &cpo = s:cpo_save
unlet s:cpo_save
