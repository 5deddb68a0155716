" Vim syntax file
" Language:    hps (hyperparameter search), *.hps
" Grammar:     grammar/hps.pest; built-in names: src/semantic/builtins.rs
" Note:        tests/editors.rs fails when a keyword or built-in name is missing here.
" Works in Vim 8+ and Neovim.

if exists("b:current_syntax")
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

syn case match
syn sync minlines=200

" ─── Expressions ──────────────────────────────────────────────────────────────────────────────────

" Names (defined first: every later match starting at the same place wins).
syn match   hpsIdentifier       "\<\h\w*\>" contained
syn match   hpsDefinition       "\<\h\w*\ze\s*=\%(=\)\@!"
syn match   hpsFunctionCall     "\<\h\w*\ze\s*("

" Numbers: `3`, `0.5`, `1e-3`, `2.5E+4`; durations `500ms`, `90s`, `15m`, `2h`, `1d`.
syn match   hpsNumber           "\<\d\+\%(\.\d\+\)\=\%([eE][+-]\=\d\+\)\=\>"
syn match   hpsDuration         "\<\d\+\%(\.\d\+\)\=\%(ms\|s\|m\|h\|d\)\>" contains=hpsUnit
syn match   hpsUnit             "\%(ms\|s\|m\|h\|d\)\>" contained

" Strings, with escapes and the `{name}` placeholders of `command(…)` templates.
syn region  hpsString           start=+"+ skip=+\\\\\|\\"+ end=+"+ end=+$+ oneline contains=hpsEscape,hpsPlaceholder,@Spell
syn match   hpsEscape           +\\[\\"nt]+ contained
syn match   hpsPlaceholder      "{\h\w*\%(\.\h\w*\)*}" contained

" Operators.
syn match   hpsOperator         "==\|!=\|<=\|>=\|<\|>\|\*\*\|[-+*/=]"
syn match   hpsPipe             "|"
syn keyword hpsLogical          and or not in
syn keyword hpsBoolean          true false

" Symbols the checker knows as values.
syn match   hpsActivation       "\<\%(relu\|gelu\|tanh\|sigmoid\|silu\|elu\|identity\)\>"
syn match   hpsOptimizer        "\<\%(sgd\|adam\|adamw\)\>"
syn match   hpsSchedule         "\<\%(constant\|cosine\|step\)\>"
syn match   hpsOutputs          "\<outputs\>"

" `maximize METRIC` / `minimize METRIC` (not reserved words).
syn match   hpsObjective        "\<\%(maximize\|minimize\)\>\ze\s\+\h"

" Calls of built-ins, by family.
syn match   hpsDistribution     "\<\%(uniform\|loguniform\|int\|choice\|ordinal\|choose\|bases\)\ze\s*("
syn match   hpsLayer            "\<\%(linear\|conv\|maxpool\|avgpool\|globalpool\|flatten\|dropout\|batchnorm\|layernorm\|relu\|gelu\|tanh\|sigmoid\|silu\|elu\|identity\)\ze\s*("
syn match   hpsSource           "\<\%(builtin\|csv\|idx\|npz\|folder\)\ze\s*("
syn match   hpsTransform        "\<\%(split\|standardize\|scale\|take\|subsample\)\ze\s*("
syn match   hpsSampler          "\<\%(random\|grid\|bo\|tpe\|hyperstar\)\ze\s*("
syn match   hpsScheduler        "\<\%(fifo\|sha\|hyperband\|asha\)\ze\s*("
syn match   hpsStopping         "\<\%(none\|svr\)\ze\s*("
syn match   hpsStrategy         "\<\%(autohas\)\ze\s*("
syn match   hpsTrial            "\<\%(command\|lookup\|custom\)\ze\s*("
syn match   hpsMetrics          "\<\%(jsonl\|regex\)\ze\s*("
syn match   hpsDevice           "\<\%(auto\|cpu\|cuda\)\ze\s*("

" Built-ins written bare, without arguments: `sampler = random`, `device = cpu`, `metrics = jsonl`.
syn match   hpsSampler          "\%(\<sampler\s*=\s*\)\@<=\%(random\|grid\|bo\|tpe\|hyperstar\)\>"
syn match   hpsScheduler        "\%(\<scheduler\s*=\s*\)\@<=\%(fifo\|sha\|hyperband\|asha\)\>"
syn match   hpsStopping         "\%(\<stopping\s*=\s*\)\@<=\%(none\|svr\)\>"
syn match   hpsStrategy         "\%(\<strategy\s*=\s*\)\@<=\%(autohas\)\>"
syn match   hpsTrial            "\%(\<trial\s*=\s*\)\@<=\%(command\|lookup\|custom\)\>"
syn match   hpsDevice           "\%(\<device\s*=\s*\)\@<=\%(auto\|cpu\|cuda\)\>"
syn match   hpsMetrics          "\%(\<metrics\s*=\s*\)\@<=\%(jsonl\|regex\)\>" contained

" Inside `( … )` a `NAME =` is a named argument, not a field.
syn match   hpsNamedArgument    "\<\h\w*\ze\s*=\%(=\)\@!" contained
syn region  hpsParens           matchgroup=hpsDelimiter start="(" end=")" contains=@hpsExpression,hpsNamedArgument,hpsMetrics
syn region  hpsList             matchgroup=hpsDelimiter start="\[" end="\]" contains=@hpsExpression

syn cluster hpsExpression       contains=hpsLineComment,hpsDocComment,hpsBlockComment,hpsNumber,hpsDuration,hpsString,hpsOperator,hpsLogical,hpsBoolean,hpsActivation,hpsOptimizer,hpsSchedule,hpsOutputs,hpsObjective,hpsFunctionCall,hpsDistribution,hpsLayer,hpsSource,hpsTransform,hpsSampler,hpsScheduler,hpsStopping,hpsStrategy,hpsTrial,hpsMetrics,hpsDevice,hpsParens,hpsList,hpsIdentifier,hpsArchType

" ─── Statements and items ─────────────────────────────────────────────────────────────────────────

" Fields of a study, a budget and a training recipe (`NAME =` or `NAME {`).
syn match   hpsTrainKey         "\<\%(optimizer\|lr\|batch_size\|epochs\|weight_decay\|momentum\|schedule\|warmup\|step_size\|gamma\)\ze\s*=\%(=\)\@!"
syn match   hpsBudgetField      "\<\%(trials\|epochs\|time\|parallel\)\ze\s*=\%(=\)\@!"
syn match   hpsStudyField       "\<\%(data\|model\|train\|params\|trial\|objective\|budget\|sampler\|scheduler\|stopping\|strategy\|device\|artifacts\|seed\)\ze\s*\%(=\%(=\)\@!\|{\)"

syn keyword hpsConditional      when else
syn keyword hpsForbid           forbid
syn keyword hpsRepeat           repeat
syn keyword hpsResidual         residual
syn match   hpsChoose           "\<choose\ze\s*{"

" Items: `import "…"`, `dataset NAME`, `space NAME`, `arch NAME(…)`, `study NAME`.
syn keyword hpsImport           import
syn keyword hpsItem             dataset space arch study nextgroup=hpsItemName skipwhite
syn match   hpsItemName         "\h\w*" contained

" Arch parameter types: `width: int`.
syn match   hpsArchType         "\%(\<\h\w*\s*:\s*\)\@<=\%(int\|float\|bool\|str\|layer\)\>"

" ─── Comments ─────────────────────────────────────────────────────────────────────────────────────

syn keyword hpsTodo             TODO FIXME XXX NOTE contained
syn match   hpsLineComment      "//.*$" contains=hpsTodo,@Spell
" `/// …` documents the item or statement below it; `////` does not.
syn match   hpsDocComment       "///\%(/\)\@!.*$" contains=hpsTodo,@Spell
" Block comments nest.
syn region  hpsBlockComment     start="/\*" end="\*/" contains=hpsBlockComment,hpsTodo,@Spell

" ─── Highlighting ─────────────────────────────────────────────────────────────────────────────────

hi def link hpsLineComment      Comment
hi def link hpsBlockComment     Comment
hi def link hpsDocComment       SpecialComment
hi def link hpsTodo             Todo
hi def link hpsString           String
hi def link hpsEscape           SpecialChar
hi def link hpsPlaceholder      Special
hi def link hpsNumber           Number
hi def link hpsDuration         Number
hi def link hpsUnit             Type
hi def link hpsBoolean          Boolean
hi def link hpsOperator         Operator
hi def link hpsPipe             Operator
hi def link hpsLogical          Operator
hi def link hpsImport           Include
hi def link hpsItem             Keyword
hi def link hpsItemName         Identifier
hi def link hpsConditional      Conditional
hi def link hpsForbid           Statement
hi def link hpsRepeat           Repeat
hi def link hpsResidual         Structure
hi def link hpsChoose           Conditional
hi def link hpsObjective        Keyword
hi def link hpsArchType         Type
hi def link hpsStudyField       Label
hi def link hpsBudgetField      Label
hi def link hpsTrainKey         Label
hi def link hpsDistribution     Function
hi def link hpsLayer            Function
hi def link hpsSource           Function
hi def link hpsTransform        Function
hi def link hpsSampler          Function
hi def link hpsScheduler        Function
hi def link hpsStopping         Function
hi def link hpsStrategy         Function
hi def link hpsTrial            Function
hi def link hpsMetrics          Function
hi def link hpsDevice           Function
hi def link hpsActivation       Constant
hi def link hpsOptimizer        Constant
hi def link hpsSchedule         Constant
hi def link hpsOutputs          Special
hi def link hpsFunctionCall     Function
hi def link hpsNamedArgument    Identifier
hi def link hpsDefinition       Identifier
hi def link hpsDelimiter        Delimiter

let b:current_syntax = "hps"

let &cpo = s:cpo_save
unlet s:cpo_save
