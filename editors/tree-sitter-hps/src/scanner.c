// The external scanner of tree-sitter-hps: significant line breaks and nesting block comments.
//
// `_newline`: where the grammar accepts a separator, a line break ends the statement or item, as
// pest's `sep` has it, unless the next line that is not blank or a comment starts with `|` (a
// dataset pipeline goes on: `nl ~ "|"`); those line breaks are a `_line_continuation`, an extra.
// Everywhere else line breaks are whitespace (extras). One token covers the line break and the
// blank lines after it.
//
// `block_comment`: `/* … */`, nesting as pest's `block_comment` does.

#include "tree_sitter/parser.h"

#include <stdbool.h>

enum TokenType {
  NEWLINE,
  LINE_CONTINUATION,
  BLOCK_COMMENT,
  ERROR_SENTINEL,
};

void *tree_sitter_hps_external_scanner_create(void) { return NULL; }

void tree_sitter_hps_external_scanner_destroy(void *payload) { (void)payload; }

unsigned tree_sitter_hps_external_scanner_serialize(void *payload, char *buffer) {
  (void)payload;
  (void)buffer;
  return 0;
}

void tree_sitter_hps_external_scanner_deserialize(void *payload, const char *buffer,
                                                  unsigned length) {
  (void)payload;
  (void)buffer;
  (void)length;
}

static bool is_space(int32_t c) { return c == ' ' || c == '\t' || c == 0xFEFF; }

static bool is_line_break(int32_t c) { return c == '\n' || c == '\r'; }

// After the opening `/*`: reads up to the matching `*/`.
static bool finish_block_comment(TSLexer *lexer) {
  unsigned depth = 1;
  while (depth > 0) {
    if (lexer->eof(lexer)) {
      return false;
    }
    if (lexer->lookahead == '*') {
      lexer->advance(lexer, false);
      if (lexer->lookahead == '/') {
        lexer->advance(lexer, false);
        depth--;
      }
    } else if (lexer->lookahead == '/') {
      lexer->advance(lexer, false);
      if (lexer->lookahead == '*') {
        lexer->advance(lexer, false);
        depth++;
      }
    } else {
      lexer->advance(lexer, false);
    }
  }
  return true;
}

// Past the end of the token: whether the next significant character (after blank lines and
// comments) is the `|` of a pipeline. Reads ahead without moving the token's end.
static bool pipe_follows(TSLexer *lexer) {
  for (;;) {
    if (lexer->eof(lexer)) {
      return false;
    }
    int32_t c = lexer->lookahead;
    if (is_space(c) || is_line_break(c)) {
      lexer->advance(lexer, false);
    } else if (c == '/') {
      lexer->advance(lexer, false);
      if (lexer->lookahead == '/') {
        while (!lexer->eof(lexer) && !is_line_break(lexer->lookahead)) {
          lexer->advance(lexer, false);
        }
      } else if (lexer->lookahead == '*') {
        lexer->advance(lexer, false);
        if (!finish_block_comment(lexer)) {
          return false;
        }
      } else {
        return false;
      }
    } else {
      return c == '|';
    }
  }
}

bool tree_sitter_hps_external_scanner_scan(void *payload, TSLexer *lexer,
                                           const bool *valid_symbols) {
  (void)payload;
  // Error recovery asks for every token: line breaks are then whitespace.
  bool recovering = valid_symbols[ERROR_SENTINEL];

  while (is_space(lexer->lookahead)) {
    lexer->advance(lexer, true);
  }

  if (valid_symbols[NEWLINE] && !recovering && is_line_break(lexer->lookahead)) {
    // The line break, and every blank line after it.
    while (is_space(lexer->lookahead) || is_line_break(lexer->lookahead)) {
      bool line_break = is_line_break(lexer->lookahead);
      lexer->advance(lexer, false);
      if (line_break) {
        lexer->mark_end(lexer);
      }
    }
    // A block comment before the `|` must start a token of its own: it is read by this scanner.
    lexer->result_symbol = pipe_follows(lexer) ? LINE_CONTINUATION : NEWLINE;
    return true;
  }

  if (valid_symbols[BLOCK_COMMENT] && lexer->lookahead == '/') {
    lexer->advance(lexer, false);
    if (lexer->lookahead != '*') {
      return false;
    }
    lexer->advance(lexer, false);
    if (!finish_block_comment(lexer)) {
      return false;
    }
    lexer->mark_end(lexer);
    lexer->result_symbol = BLOCK_COMMENT;
    return true;
  }

  return false;
}
