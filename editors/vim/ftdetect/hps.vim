" .hps files: the hps hyperparameter search language.
autocmd BufRead,BufNewFile *.hps setfiletype hps
