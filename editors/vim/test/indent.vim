" Checks the indent file: every file given, with its indentation removed, is indented back exactly
" as written (`gg=G`). Run by test.sh: vim -es -u NONE -S indent.vim FILE…

let s:failures = []
for s:file in argv()
  execute 'silent edit! ' . fnameescape(s:file)
  let s:want = getline(1, '$')
  silent %s/^\s\+//e
  silent normal! gg=G
  let s:got = getline(1, '$')
  for s:i in range(len(s:want))
    if s:got[s:i] !=# s:want[s:i]
      call add(s:failures, printf('%s:%d: want %s, got %s', fnamemodify(s:file, ':t'), s:i + 1,
            \ string(s:want[s:i]), string(s:got[s:i])))
    endif
  endfor
  set nomodified
endfor

if empty(s:failures)
  call writefile([printf('vim indent: %d files indent as written', argc())], '/dev/stdout', 'a')
  qall!
endif
call writefile(s:failures + [printf('vim indent: %d lines differ', len(s:failures))], '/dev/stdout', 'a')
cquit!
