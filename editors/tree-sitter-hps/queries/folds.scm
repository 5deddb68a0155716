; Folds for .hps files: blocks, layer blocks, wrapped argument lists and lists, block comments.

[
  (block)
  (layer_block)
  (choose_layer)
  (arch_parameters)
  (argument_list)
  (list)
  (block_comment)
] @fold
