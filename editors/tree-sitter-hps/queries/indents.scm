; Indentation for .hps files (nvim-treesitter captures): one level inside `{ }`, `( )` and `[ ]`,
; closing brackets back at the level of the line that opened them.

[
  (block)
  (layer_block)
  (choose_layer)
  (arch_parameters)
  (argument_list)
  (list)
  (parenthesized_expression)
] @indent.begin

[
  "}"
  ")"
  "]"
] @indent.branch @indent.end

[
  (block_comment)
  (string)
] @indent.auto
