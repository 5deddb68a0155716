/**
 * @file Tree-sitter grammar for `.hps`, the hyperparameter-search language of hps.
 * @license MIT OR Apache-2.0
 *
 * A rule-by-rule mirror of `grammar/hps.pest` (the grammar hps itself parses with); the pest rule
 * each rule mirrors is named in its comment. Where the two differ, pest is right.
 *
 * Line breaks: statements end at a line break or a comma; inside `( )` and `[ ]`, after a binary
 * operator and around the `|` of `choose { A | B }` line breaks are free. The external scanner
 * (`src/scanner.c`) returns a `_newline` token only where the grammar accepts one (a separator),
 * and a `_line_continuation` (an extra) instead when the next line that is not blank or a comment
 * starts with `|` (a dataset pipeline going on); everywhere else a line break is whitespace. It
 * also reads nesting block comments, which a regular expression cannot.
 *
 * Reserved words (pest's `keyword`) are a `reserved` set: they never lex as identifiers, as in
 * pest (this needs ABI 15). `choose`, `maximize` and `minimize` are contextual, as in pest.
 *
 * `cargo test --test tree_sitter` (at the repository root) checks that tree-sitter and pest accept
 * and reject the same files. After a change: `tree-sitter generate` here, and commit `src/`.
 */

/// <reference types="tree-sitter-cli/dsl" />
// @ts-check

// Operator precedence, loosest first (docs/language.md §4).
const PREC = {
  or: 1,
  and: 2,
  not: 3,
  compare: 4,
  add: 5,
  mul: 6,
  neg: 7,
  pow: 8,
};

// The reserved words: pest's `keyword` rule (`hps::syntax::KEYWORDS`).
const RESERVED = [
  'import', 'dataset', 'space', 'arch', 'study', 'when', 'else', 'forbid', 'repeat', 'residual',
  'and', 'or', 'not', 'in', 'true', 'false',
];

/**
 * One or more `rule` separated by commas, with an optional trailing comma.
 * @param {RuleOrLiteral} rule
 */
function commaSep1Trailing(rule) {
  return seq(rule, repeat(seq(',', rule)), optional(','));
}

/**
 * The binary operators over operands `operand` (pest `expr` / `cond`: `prefix_op* primary
 * (infix_op prefix_op* primary)*`, with the precedence of docs/language.md §4). pest's `infix_op`:
 * `or`, `and`, `eq` (`==`), `ne` (`!=`), `le` (`<=`), `ge` (`>=`), `lt` (`<`), `gt` (`>`), `in_op`
 * (`in`), `add` (`+`), `sub` (`-`), `pow` (`**`), `mul` (`*`), `div` (`/`).
 * @param {RuleOrLiteral} operand
 */
function binaryOperators(operand) {
  /** @type {[number, RuleOrLiteral, string][]} */
  const table = [
    [PREC.or, 'or', 'left'],
    [PREC.and, 'and', 'left'],
    [PREC.compare, choice('==', '!=', '<=', '>=', '<', '>', 'in'), 'left'],
    [PREC.add, choice('+', '-'), 'left'],
    [PREC.mul, choice('*', '/'), 'left'],
    [PREC.pow, '**', 'right'],
  ];
  return choice(...table.map(([p, operator, assoc]) => {
    const body = seq(field('left', operand), field('operator', operator), field('right', operand));
    return assoc === 'right' ? prec.right(p, body) : prec.left(p, body);
  }));
}

/**
 * The prefix operators over `operand` (pest's `prefix_op`): `not` and `neg`, unary minus.
 * @param {RuleOrLiteral} operand
 */
function unaryOperators(operand) {
  return choice(
    prec(PREC.not, seq(field('operator', 'not'), field('operand', operand))),
    prec(PREC.neg, seq(field('operator', '-'), field('operand', operand))),
  );
}

module.exports = grammar({
  name: 'hps',

  externals: $ => [
    $._newline,
    $._line_continuation,
    $.block_comment,
    $._error_sentinel,
  ],

  // WHITESPACE and COMMENT. Line breaks are whitespace unless the scanner makes them a `_newline`.
  extras: $ => [
    /[ \t\r\n\uFEFF]/,
    $._line_continuation,
    $.doc_comment,
    $.line_comment,
    $.block_comment,
  ],

  word: $ => $.identifier,

  reserved: {
    global: _ => RESERVED,
  },

  supertypes: $ => [
    $._item,
    $._statement,
    $._layer,
    $._expression,
  ],

  rules: {
    // file = { SOI ~ sep? ~ (item ~ (sep ~ item)* ~ sep?)? ~ EOI }
    source_file: $ => seq(
      repeat($._sep),
      optional(seq(
        $._item,
        repeat(seq(repeat1($._sep), $._item)),
        repeat($._sep),
      )),
    ),

    // sep = { (NEWLINE | ",")+ }: one piece of it.
    _sep: $ => choice($._newline, ','),

    // item = { import | dataset | space | arch | study }
    _item: $ => choice(
      $.import,
      $.dataset,
      $.space,
      $.arch,
      $.study,
    ),

    // import = { kw_import ~ string }
    import: $ => seq('import', field('path', $.string)),

    // dataset = { kw_dataset ~ ident ~ "=" ~ call ~ (nl ~ "|" ~ nl ~ call)* }
    dataset: $ => seq(
      'dataset',
      field('name', $.identifier),
      '=',
      field('source', $.call),
      repeat(seq('|', field('transform', $.call))),
    ),

    // space = { kw_space ~ ident ~ block }
    space: $ => seq('space', field('name', $.identifier), field('body', $.block)),

    // arch = { kw_arch ~ ident ~ arch_params ~ layer_block }
    arch: $ => seq(
      'arch',
      field('name', $.identifier),
      field('parameters', $.arch_parameters),
      field('body', $.layer_block),
    ),

    // study = { kw_study ~ ident ~ block }
    study: $ => seq('study', field('name', $.identifier), field('body', $.block)),

    // ─── Statements ────────────────────────────────────────────────────────────────────────────

    // block = { "{" ~ sep? ~ (statement ~ (sep ~ statement)* ~ sep?)? ~ "}" }
    block: $ => seq(
      '{',
      repeat($._sep),
      optional(seq(
        $._statement,
        repeat(seq(repeat1($._sep), $._statement)),
        repeat($._sep),
      )),
      '}',
    ),

    // statement = { when_stmt | forbid_stmt | assign | field_block }
    _statement: $ => choice(
      $.when_statement,
      $.forbid_statement,
      $.assignment,
      $.field_block,
    ),

    // assign = { ident ~ assign_op ~ expr }
    assignment: $ => seq(field('name', $.identifier), '=', field('value', $._expression)),

    // field_block = { ident ~ block }
    field_block: $ => seq(field('name', $.identifier), field('body', $.block)),

    // when_stmt = { kw_when ~ cond ~ block ~ (kw_else ~ block)? }
    when_statement: $ => seq(
      'when',
      field('condition', $._condition),
      field('consequence', $.block),
      optional(seq('else', field('alternative', $.block))),
    ),

    // forbid_stmt = { kw_forbid ~ cond }
    forbid_statement: $ => seq('forbid', field('condition', $._condition)),

    // ─── Architectures ─────────────────────────────────────────────────────────────────────────

    // arch_params = { "(" ~ (arch_param ~ ("," ~ arch_param)* ~ ","?)? ~ ")" }
    arch_parameters: $ => seq('(', optional(commaSep1Trailing($.arch_parameter)), ')'),

    // arch_param = { ident ~ (":" ~ ident)? ~ (assign_op ~ expr)? }
    arch_parameter: $ => seq(
      field('name', $.identifier),
      optional(seq(':', field('type', alias($.identifier, $.type)))),
      optional(seq('=', field('default', $._expression))),
    ),

    // layer_block = { "{" ~ sep? ~ (layer ~ (sep? ~ layer)* ~ sep?)? ~ "}" }: layers and
    // separators in any order, which is the same language.
    layer_block: $ => seq('{', repeat(choice($._layer, $._sep)), '}'),

    // layer = { repeat_layer | residual_layer | choose_layer | call }
    _layer: $ => choice(
      $.repeat_layer,
      $.residual_layer,
      $.choose_layer,
      $.call,
      // `choose(…)` called where a layer may stand (`choose` is no reserved word).
      alias($._choose_call, $.call),
    ),

    // repeat_layer = { kw_repeat ~ cond ~ layer_block }
    repeat_layer: $ => seq('repeat', field('count', $._condition), field('body', $.layer_block)),

    // residual_layer = { kw_residual ~ layer_block }
    residual_layer: $ => seq('residual', field('body', $.layer_block)),

    // choose_layer = { kw_choose ~ "{" ~ alternative ~ ("|" ~ alternative)* ~ "}" }
    choose_layer: $ => seq(
      'choose',
      '{',
      field('alternative', $._alternative),
      repeat(seq('|', field('alternative', $._alternative))),
      '}',
    ),

    // alternative = { layer_block | layer }
    _alternative: $ => choice($.layer_block, $._layer),

    // ─── Expressions ───────────────────────────────────────────────────────────────────────────

    // expr = { prefix_op* ~ primary ~ (infix_op ~ prefix_op* ~ primary)* }
    _expression: $ => choice(
      $.binary_expression,
      $.unary_expression,
      $._primary,
    ),

    binary_expression: $ => binaryOperators($._expression),

    unary_expression: $ => unaryOperators($._expression),

    // cond = { prefix_op* ~ plain_primary ~ (infix_op ~ prefix_op* ~ plain_primary)* }: an
    // expression in which `NAME {` is not a record (conditions, repeat counts). Its nodes are
    // named as those of `expr`.
    _condition: $ => choice(
      alias($._condition_binary, $.binary_expression),
      alias($._condition_unary, $.unary_expression),
      $._plain_primary,
    ),

    _condition_binary: $ => binaryOperators($._condition),

    _condition_unary: $ => unaryOperators($._condition),

    // primary = { objective_value | record | plain_primary }
    _primary: $ => choice(
      $.objective,
      $.record,
      $._plain_primary,
      // `maximize` alone is a name: `objective_value` needs a metric after it.
      alias($.direction, $.identifier),
    ),

    // plain_primary = { duration | number | string | boolean | list | call | path | paren }
    _plain_primary: $ => choice(
      $.duration,
      $.number,
      $.string,
      $.boolean,
      $.list,
      $.call,
      $._name,
      $.parenthesized_expression,
    ),

    // paren = { "(" ~ expr ~ ")" }
    parenthesized_expression: $ => seq('(', $._expression, ')'),

    // list = { "[" ~ (expr ~ ("," ~ expr)* ~ ","?)? ~ "]" }
    list: $ => seq('[', optional(commaSep1Trailing($._expression)), ']'),

    // call = { ident ~ "(" ~ (arg ~ ("," ~ arg)* ~ ","?)? ~ ")" }
    call: $ => seq(
      field('function', choice($.identifier, alias($.direction, $.identifier))),
      field('arguments', $.argument_list),
    ),

    _choose_call: $ => seq(
      field('function', alias('choose', $.identifier)),
      field('arguments', $.argument_list),
    ),

    argument_list: $ => seq('(', optional(commaSep1Trailing($._argument)), ')'),

    // arg = { (ident ~ assign_op)? ~ expr }
    _argument: $ => choice($.named_argument, $._expression),

    named_argument: $ => seq(field('name', $.identifier), '=', field('value', $._expression)),

    // record = { (path)? ~ block }
    record: $ => seq(optional(field('name', $._name)), field('body', $.block)),

    // objective_value = { direction ~ path }
    objective: $ => seq(field('direction', $.direction), field('metric', $._name)),

    // direction = @{ ("maximize" | "minimize") ~ !ident_char }
    direction: _ => choice('maximize', 'minimize'),

    // ─── Lexical ───────────────────────────────────────────────────────────────────────────────

    // path = ${ ident ~ ("." ~ ident)* }: a bare `identifier`, or a dotted `path`.
    _name: $ => choice($.identifier, $.path),

    path: $ => seq(
      $.identifier,
      repeat1(seq(token.immediate('.'), alias($._immediate_identifier, $.identifier))),
    ),

    _immediate_identifier: _ => token.immediate(/[A-Za-z_][A-Za-z0-9_]*/),

    // ident = @{ !keyword ~ (ASCII_ALPHA | "_") ~ ident_char* }
    identifier: _ => /[A-Za-z_][A-Za-z0-9_]*/,

    // number = @{ ASCII_DIGIT+ ~ ("." ~ ASCII_DIGIT+)? ~ (^"e" ~ ("+" | "-")? ~ ASCII_DIGIT+)? }
    number: _ => /[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/,

    // duration = @{ ASCII_DIGIT+ ~ ("." ~ ASCII_DIGIT+)? ~ ("ms" | "s" | "m" | "h" | "d") }
    duration: $ => seq(
      field('value', $.number),
      field('unit', alias(token.immediate(choice('ms', 's', 'm', 'h', 'd')), $.unit)),
    ),

    // string = ${ "\"" ~ string_inner ~ "\"" }
    string: $ => seq(
      '"',
      repeat(choice($.string_content, $.escape_sequence, $.placeholder)),
      token.immediate('"'),
    ),

    // string_inner: the characters between the quotes, no line break.
    string_content: _ => token.immediate(prec(1, /[^"\\\n\r{]+|\{/)),

    // string_escape = _{ "\\" ~ ("\"" | "\\" | "n" | "t") }
    escape_sequence: _ => token.immediate(/\\["\\nt]/),

    // `{name}` in a `command(…)` template (hps::semantic fills it in; pest reads it as text).
    placeholder: _ => token.immediate(prec(2,
      /\{[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\}/,
    )),

    // boolean = @{ ("true" | "false") ~ !ident_char }
    boolean: _ => choice('true', 'false'),

    // line_comment = _{ "//" ~ (!NEWLINE ~ ANY)* }, less `/// …` doc comments (`////` is none).
    line_comment: _ => token(choice(/\/\/([^\/\n\r][^\n\r]*)?/, /\/\/\/\/[^\n\r]*/)),

    // `/// …`: documents the item or statement below it.
    doc_comment: _ => token(/\/\/\/([^\/\n\r][^\n\r]*)?/),
  },
});
