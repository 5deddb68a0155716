; Scopes, definitions and references for .hps files (nvim-treesitter captures).

; ─── Scopes ──────────────────────────────────────────────────────────────────────────────────────

(source_file) @local.scope

; An arch's parameters are visible in its body only.
(arch) @local.scope

; A space, a study or a record (`train = { … }`) holds its own parameters.
(block) @local.scope

; ─── Definitions ─────────────────────────────────────────────────────────────────────────────────

(dataset
  name: (identifier) @local.definition.type)

(space
  name: (identifier) @local.definition.type)

(study
  name: (identifier) @local.definition.type)

(arch
  name: (identifier) @local.definition.function)

(arch_parameter
  name: (identifier) @local.definition.parameter)

(assignment
  name: (identifier) @local.definition.var)

; ─── References ──────────────────────────────────────────────────────────────────────────────────

(identifier) @local.reference
