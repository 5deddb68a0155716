; Highlights for .hps files, with the capture names of nvim-treesitter (also read by Zed; see
; README.md for Helix). Every pattern captures nodes no other pattern captures, so the order of the
; patterns does not matter (Neovim lets the last match win, Helix and tree-sitter-highlight the
; first). `cargo test --test tree_sitter` checks that every reserved word and every built-in of
; hps (`hps::syntax::KEYWORDS`, `hps::semantic::builtins::BUILTINS`) is listed here by name.

; ─── Comments ────────────────────────────────────────────────────────────────────────────────────

(line_comment) @comment

(block_comment) @comment

(doc_comment) @comment.documentation

; ─── Keywords ────────────────────────────────────────────────────────────────────────────────────

"import" @keyword.import

[
  "dataset"
  "space"
  "study"
] @keyword.type

"arch" @keyword.function

[
  "when"
  "else"
] @keyword.conditional

"repeat" @keyword.repeat

[
  "forbid"
  "residual"
  "choose"
] @keyword

[
  "and"
  "or"
  "not"
  "in"
] @keyword.operator

; `maximize val.accuracy`, `minimize val.loss`.
[
  "maximize"
  "minimize"
] @keyword

[
  "true"
  "false"
] @boolean

; ─── Items ───────────────────────────────────────────────────────────────────────────────────────

(dataset
  name: (identifier) @type.definition)

(space
  name: (identifier) @type.definition)

(study
  name: (identifier) @type.definition)

(arch
  name: (identifier) @function)

; `recipe { epochs = 27 }`: a space instantiated with overrides.
(record
  name: (_) @type)

; ─── Built-ins ───────────────────────────────────────────────────────────────────────────────────

; Calls of built-ins: distributions, layers, dataset sources and transforms, samplers, schedulers,
; stopping rules, strategies, trial kinds, metrics formats, devices.
(call
  function: (identifier) @function.builtin
  (#any-of? @function.builtin
    ; distributions
    "uniform" "loguniform" "int" "choice" "ordinal" "choose" "bases"
    ; layers
    "linear" "conv" "maxpool" "avgpool" "globalpool" "flatten" "dropout" "batchnorm" "layernorm"
    "relu" "gelu" "tanh" "sigmoid" "silu" "elu" "identity"
    ; dataset sources
    "builtin" "csv" "idx" "npz" "folder"
    ; dataset transforms
    "split" "standardize" "scale" "take" "subsample"
    ; samplers
    "random" "grid" "bo" "tpe" "hyperstar"
    ; schedulers
    "fifo" "sha" "hyperband" "asha"
    ; stopping rules
    "none" "svr"
    ; strategies
    "autohas"
    ; trial kinds
    "command" "lookup" "custom"
    ; metrics formats
    "jsonl" "regex"
    ; devices
    "auto" "cpu" "cuda"))

; Calls of architectures (`mlp(width = 64)`) and of layer parameters (`act()`).
(call
  function: (identifier) @function.call
  (#not-any-of? @function.call
    "uniform" "loguniform" "int" "choice" "ordinal" "choose" "bases"
    "linear" "conv" "maxpool" "avgpool" "globalpool" "flatten" "dropout" "batchnorm" "layernorm"
    "relu" "gelu" "tanh" "sigmoid" "silu" "elu" "identity"
    "builtin" "csv" "idx" "npz" "folder"
    "split" "standardize" "scale" "take" "subsample"
    "random" "grid" "bo" "tpe" "hyperstar"
    "fifo" "sha" "hyperband" "asha"
    "none" "svr"
    "autohas"
    "command" "lookup" "custom"
    "jsonl" "regex"
    "auto" "cpu" "cuda"))

; Built-ins written bare after their field: `sampler = random`, `stopping = none`, `device = cpu`,
; `metrics = jsonl`.
(assignment
  name: (identifier) @_field
  value: (identifier) @function.builtin
  (#any-of? @_field "sampler" "scheduler" "stopping" "strategy" "trial" "device" "metrics"))

(named_argument
  name: (identifier) @_field
  value: (identifier) @function.builtin
  (#any-of? @_field "sampler" "scheduler" "stopping" "strategy" "trial" "device" "metrics"))

; Symbols hps knows: optimisers (`sgd`, `adam`, `adamw`), learning-rate schedules (`constant`,
; `cosine`, `step`) and activations (`relu`, …), as arguments, list elements, operands and values.
([
  (argument_list
    (identifier) @constant.builtin)
  (list
    (identifier) @constant.builtin)
  (binary_expression
    right: (identifier) @constant.builtin)
  (arch_parameter
    default: (identifier) @constant.builtin)
]
  (#any-of? @constant.builtin
    "sgd" "adam" "adamw" "constant" "cosine" "step"
    "relu" "gelu" "tanh" "sigmoid" "silu" "elu" "identity"))

(named_argument
  name: (identifier) @_field
  value: (identifier) @constant.builtin
  (#not-any-of? @_field "sampler" "scheduler" "stopping" "strategy" "trial" "device" "metrics")
  (#any-of? @constant.builtin
    "sgd" "adam" "adamw" "constant" "cosine" "step"
    "relu" "gelu" "tanh" "sigmoid" "silu" "elu" "identity"))

(assignment
  name: (identifier) @_field
  value: (identifier) @constant.builtin
  (#not-any-of? @_field "sampler" "scheduler" "stopping" "strategy" "trial" "device" "metrics")
  (#any-of? @constant.builtin
    "sgd" "adam" "adamw" "constant" "cosine" "step"
    "relu" "gelu" "tanh" "sigmoid" "silu" "elu" "identity"))

; `outputs`: the number of outputs of the dataset, in an arch body.
((argument_list
  (identifier) @variable.builtin)
  (#eq? @variable.builtin "outputs"))

; ─── Names ───────────────────────────────────────────────────────────────────────────────────────

; Parameters, constants and study fields: `lr = …`, `budget { … }`.
(assignment
  name: (identifier) @property)

(field_block
  name: (identifier) @property)

; Arch parameters and their types: `width: int = 64`.
(arch_parameter
  name: (identifier) @variable.parameter)

(arch_parameter
  type: (type) @type.builtin)

; Named arguments: `val` in `split(val = 0.2)`.
(named_argument
  name: (identifier) @variable.parameter)

; The metric of an objective: `val.accuracy` in `maximize val.accuracy`.
(objective
  metric: (_) @variable.member)

; ─── Literals ────────────────────────────────────────────────────────────────────────────────────

(number) @number

(unit) @type

(string) @string

(escape_sequence) @string.escape

; `{lr}` in a `command(…)` template.
(placeholder) @string.special

; ─── Operators and punctuation ───────────────────────────────────────────────────────────────────

[
  "="
  "=="
  "!="
  "<"
  "<="
  ">"
  ">="
  "+"
  "-"
  "*"
  "/"
  "**"
  "|"
] @operator

[
  "("
  ")"
  "["
  "]"
  "{"
  "}"
] @punctuation.bracket

[
  ","
  "."
  ":"
] @punctuation.delimiter
