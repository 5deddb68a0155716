" Vim indent file
" Language: hps (hyperparameter search), *.hps
" Brace-based: one 'shiftwidth' after a line that leaves a `{`, `(` or `[` open (for `f(a,`, the
" column after the bracket); a closing bracket lines up with the text of the line that opened it; a
" dataset pipeline's `| transform` lines are indented once under the `dataset` line, and the `|`
" between `choose { … }` alternatives lines up with `choose`. Works in Vim and Neovim.

if exists("b:did_indent")
  finish
endif
let b:did_indent = 1

setlocal autoindent
setlocal nosmartindent
setlocal nolisp
setlocal indentexpr=GetHpsIndent(v:lnum)
setlocal indentkeys=0{,0},0),0],0\|,!^F,o,O

let b:undo_indent = "setlocal autoindent< smartindent< lisp< indentexpr< indentkeys<"

if exists("*GetHpsIndent")
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

" The line with strings and comments blanked out, so that brackets inside them do not count.
function! s:Code(lnum) abort
  let line = getline(a:lnum)
  let line = substitute(line, '"\%(\\.\|[^"\\]\)*"\=', '\=repeat(" ", strlen(submatch(0)))', 'g')
  let line = substitute(line, '/\*.\{-}\*/', '\=repeat(" ", strlen(submatch(0)))', 'g')
  let line = substitute(line, '//.*$', '', '')
  return line
endfunction

" Whether the character at (lnum, col) is in a string or a comment (needs syntax highlighting on).
function! s:Ignored(lnum, col) abort
  return synIDattr(synID(a:lnum, a:col, 0), "name") =~? 'string\|comment'
endfunction

" The line of the bracket matching the closing one at (lnum, col), or 0.
function! s:Opener(lnum, col) abort
  let char = getline(a:lnum)[a:col - 1]
  let open = {'}': '{', ')': '(', ']': '\['}[char]
  let close = char ==# ']' ? '\]' : char
  let save = getcurpos()
  call cursor(a:lnum, a:col)
  let found = searchpair(open, '', close, 'bW', 's:Ignored(line("."), col("."))')
  call setpos('.', save)
  return found > 0 ? found : 0
endfunction

" The line of the innermost unclosed `{` before line lnum, or 0.
function! s:EnclosingBrace(lnum) abort
  let save = getcurpos()
  call cursor(a:lnum, 1)
  let found = searchpair('{', '', '}', 'bW', 's:Ignored(line("."), col("."))')
  call setpos('.', save)
  return found > 0 ? found : 0
endfunction

" Where the text of line lnum starts: after the `| ` of a pipeline step or a `choose` alternative.
function! s:ContentIndent(lnum) abort
  let line = getline(a:lnum)
  if line =~# '^\s*|'
    return strdisplaywidth(matchstr(line, '^\s*|\s*'))
  endif
  return indent(a:lnum)
endfunction

" The first line of the statement that line lnum is part of: back over `| …` continuation lines.
function! s:StatementStart(lnum) abort
  let lnum = a:lnum
  while lnum > 1 && getline(lnum) =~# '^\s*|'
    let prev = prevnonblank(lnum - 1)
    if prev == 0
      break
    endif
    let lnum = s:LogicalLine(prev)
  endwhile
  return lnum
endfunction

" The brackets line lnum leaves open (their byte indexes) and the last closer it has without an
" opener on the line (-1 when none).
function! s:Brackets(lnum) abort
  let code = s:Code(a:lnum)
  let open = []
  let unmatched_close = -1
  let i = 0
  while i < strlen(code)
    let c = code[i]
    if c =~# '[{(\[]'
      call add(open, i)
    elseif c =~# '[})\]]'
      if !empty(open)
        call remove(open, -1)
      else
        let unmatched_close = i
      endif
    endif
    let i += 1
  endwhile
  return [open, unmatched_close]
endfunction

" The line where the construct that line lnum ends began: for `  seed = 7)` or `}`, the line with
" the matching bracket; otherwise lnum itself.
function! s:LogicalLine(lnum) abort
  let [open, close] = s:Brackets(a:lnum)
  if empty(open) && close >= 0
    let opener = s:Opener(a:lnum, close + 1)
    if opener > 0 && opener < a:lnum
      return opener
    endif
  endif
  return a:lnum
endfunction

" The last line before lnum with code: blank lines and the inside of block comments skipped, a
" block comment's first line kept.
function! s:PrevCode(lnum) abort
  let prev = prevnonblank(a:lnum - 1)
  while prev > 1 && getline(prev) !~# '^\s*/\*'
        \ && synIDattr(synID(prev, match(getline(prev), '\S') + 1, 0), "name") ==# 'hpsBlockComment'
    let prev = prevnonblank(prev - 1)
  endwhile
  return prev
endfunction

function! GetHpsIndent(lnum) abort
  let line = getline(a:lnum)
  if prevnonblank(a:lnum - 1) == 0
    return 0
  endif

  " Inside a block comment: keep the indent.
  let last = prevnonblank(a:lnum - 1)
  if synIDattr(synID(last, strlen(getline(last)), 0), "name") ==# 'hpsBlockComment'
        \ && getline(last) !~# '\*/\s*$'
    return -1
  endif
  let prev = s:PrevCode(a:lnum)

  " A closing bracket lines up with the text of the line that opened it.
  let closing = matchstrpos(line, '^\s*\zs[})\]]')
  if closing[1] >= 0
    let opener = s:Opener(a:lnum, closing[1] + 1)
    return opener > 0 ? s:ContentIndent(opener) : indent(prev) - shiftwidth()
  endif

  let [open, close] = s:Brackets(prev)
  let base = s:LogicalLine(prev)

  " `| …`: an alternative of `choose { … }` lines up with `choose`; a pipeline step is indented
  " once under its `dataset` line, and the next step lines up with it.
  if line =~# '^\s*|'
    let brace = s:EnclosingBrace(a:lnum)
    if brace > 0 && getline(brace) =~# '\<choose\s*{'
      return indent(brace)
    endif
    if empty(open)
      if getline(base) =~# '^\s*|'
        return indent(base)
      endif
      return indent(base) + shiftwidth()
    endif
  endif

  " After a line that leaves a bracket open: one level deeper than its text, or for `f(a,` the
  " column after the bracket.
  if !empty(open)
    let at = open[-1]
    let code = s:Code(prev)
    if code[at] !=# '{' && strpart(code, at + 1) =~# '\S'
      return strdisplaywidth(strpart(getline(prev), 0, at + 1))
    endif
    return s:ContentIndent(prev) + shiftwidth()
  endif

  " After a finished statement: the indent of its first line.
  return indent(s:StatementStart(base))
endfunction

let &cpo = s:cpo_save
unlet s:cpo_save
