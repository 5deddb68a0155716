" Checks the Vim syntax against the scope assertions of the VS Code fixtures
" (editors/vscode/tests/*.hps): each `// ^^^ scope` (or `// <--- scope`) line names the TextMate
" scope of the characters above it; the scopes map to Vim syntax groups below, and every marked
" character must have that group in its syntax stack (or, for `- scope`, must not). Scopes without
" a Vim counterpart are skipped. Run by test.sh: vim -es -u NONE -S syntax.vim FILE…

let s:groups = {
      \ 'keyword.control.import.hps': ['hpsImport'],
      \ 'keyword.declaration.dataset.hps': ['hpsItem'],
      \ 'keyword.declaration.space.hps': ['hpsItem'],
      \ 'keyword.declaration.arch.hps': ['hpsItem'],
      \ 'keyword.declaration.study.hps': ['hpsItem'],
      \ 'entity.name.type.dataset.hps': ['hpsItemName'],
      \ 'entity.name.type.space.hps': ['hpsItemName'],
      \ 'entity.name.type.arch.hps': ['hpsItemName'],
      \ 'entity.name.type.study.hps': ['hpsItemName'],
      \ 'keyword.control.conditional.hps': ['hpsConditional'],
      \ 'keyword.control.forbid.hps': ['hpsForbid'],
      \ 'keyword.control.repeat.hps': ['hpsRepeat'],
      \ 'keyword.control.residual.hps': ['hpsResidual'],
      \ 'keyword.control.choose.hps': ['hpsChoose'],
      \ 'keyword.operator.logical.hps': ['hpsLogical'],
      \ 'keyword.operator.in.hps': ['hpsLogical'],
      \ 'constant.language.boolean.hps': ['hpsBoolean'],
      \ 'keyword.other.objective.hps': ['hpsObjective'],
      \ 'support.function.distribution.hps': ['hpsDistribution'],
      \ 'support.function.layer.hps': ['hpsLayer'],
      \ 'support.function.source.hps': ['hpsSource'],
      \ 'support.function.transform.hps': ['hpsTransform'],
      \ 'support.function.sampler.hps': ['hpsSampler'],
      \ 'support.function.scheduler.hps': ['hpsScheduler'],
      \ 'support.function.stopping.hps': ['hpsStopping'],
      \ 'support.function.strategy.hps': ['hpsStrategy'],
      \ 'support.function.trial.hps': ['hpsTrial'],
      \ 'support.function.metrics.hps': ['hpsMetrics'],
      \ 'support.function.device.hps': ['hpsDevice'],
      \ 'support.type.property-name.study.hps': ['hpsStudyField'],
      \ 'support.type.property-name.budget.hps': ['hpsBudgetField'],
      \ 'support.type.property-name.train.hps': ['hpsTrainKey', 'hpsBudgetField'],
      \ 'support.constant.activation.hps': ['hpsActivation'],
      \ 'support.constant.optimizer.hps': ['hpsOptimizer'],
      \ 'support.constant.schedule.hps': ['hpsSchedule'],
      \ 'storage.type.primitive.hps': ['hpsArchType'],
      \ 'variable.language.outputs.hps': ['hpsOutputs'],
      \ 'entity.name.function.hps': ['hpsFunctionCall'],
      \ 'constant.numeric.integer.hps': ['hpsNumber'],
      \ 'constant.numeric.float.hps': ['hpsNumber'],
      \ 'constant.numeric.duration.hps': ['hpsDuration'],
      \ 'keyword.other.unit.hps': ['hpsUnit'],
      \ 'string.quoted.double.hps': ['hpsString'],
      \ 'constant.character.escape.hps': ['hpsEscape'],
      \ 'constant.other.placeholder.hps': ['hpsPlaceholder'],
      \ 'comment.line.double-slash.hps': ['hpsLineComment'],
      \ 'comment.line.documentation.hps': ['hpsDocComment'],
      \ 'comment.block.hps': ['hpsBlockComment'],
      \ 'keyword.operator.comparison.hps': ['hpsOperator'],
      \ 'keyword.operator.arithmetic.hps': ['hpsOperator'],
      \ 'keyword.operator.assignment.hps': ['hpsOperator'],
      \ 'keyword.operator.pipe.hps': ['hpsPipe'],
      \ 'keyword.operator.alternative.hps': ['hpsPipe'],
      \ }

function! s:Stack(lnum, col) abort
  return map(synstack(a:lnum, a:col), 'synIDattr(v:val, "name")')
endfunction

function! s:Check(file) abort
  execute 'silent edit ' . fnameescape(a:file)
  setfiletype hps
  let failures = []
  let checked = 0
  let source = 0
  for lnum in range(1, line('$'))
    let text = getline(lnum)
    let m = matchlist(text, '^//\(\s*\)\(\^\+\|<\~*-\+\)\s\+\(.*\)$')
    if empty(m)
      let source = lnum
      continue
    endif
    if m[2][0] ==# '<'
      let first = strlen(matchstr(m[2], '\~*'))
      let width = strlen(matchstr(m[2], '-\+'))
    else
      let first = 2 + strlen(m[1])
      let width = strlen(m[2])
    endif
    let negative = 0
    for scope in split(m[3])
      if scope ==# '-'
        let negative = 1
        continue
      endif
      if !has_key(s:groups, scope)
        continue
      endif
      let wanted = s:groups[scope]
      for col in range(first + 1, first + width)
        let stack = s:Stack(source, col)
        let found = !empty(filter(copy(wanted), 'index(stack, v:val) >= 0'))
        let checked += 1
        if found == negative
          call add(failures, printf('%s:%d:%d: %s%s expected (%s), found [%s] in %s',
                \ fnamemodify(a:file, ':t'), source, col, negative ? 'no ' : '', scope,
                \ join(wanted, '|'), join(stack, ' '), string(getline(source))))
          break
        endif
      endfor
    endfor
  endfor
  return [checked, failures]
endfunction

let s:failures = []
let s:checked = 0
for s:file in argv()
  let [s:n, s:f] = s:Check(s:file)
  let s:checked += s:n
  call extend(s:failures, s:f)
endfor

if empty(s:failures) && s:checked > 0
  call writefile([printf('vim syntax: %d characters checked in %d files', s:checked, argc())], '/dev/stdout', 'a')
  qall!
endif
call writefile(s:failures + [printf('vim syntax: %d failures', len(s:failures))], '/dev/stdout', 'a')
cquit!
