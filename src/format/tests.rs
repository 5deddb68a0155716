//! Unit tests of [`super::format_source`]: the style, comments, idempotence, and no panic on any text.

use super::{FormatError, format_source};

/// Formats `text`, asserting that formatting the result again changes nothing.
fn fmt(text: &str) -> String {
    let formatted = format_source(text).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    let again = format_source(&formatted).unwrap_or_else(|e| panic!("{e:?}\n{formatted}"));
    assert_eq!(again, formatted, "not idempotent");
    formatted
}

#[test]
fn odd_spacing_is_normalised() {
    let text = "\n\nimport   \"std/nets.hps\"\nspace   s{x=1,long_name   =loguniform( 1e-4 ,1e-1 )\n\
                y=-2+3*x**2,forbid x==1 and not(y<2)}\n\n\n\nstudy t{data=d}";
    assert_eq!(
        fmt(text),
        "import \"std/nets.hps\"\n\
         \n\
         space s {\n\
         \x20 x         = 1\n\
         \x20 long_name = loguniform(1e-4, 1e-1)\n\
         \x20 y         = -2 + 3 * x ** 2\n\
         \x20 forbid x == 1 and not (y < 2)\n\
         }\n\
         \n\
         study t {\n\
         \x20 data = d\n\
         }\n"
    );
}

#[test]
fn comments_are_kept_in_place() {
    let text = "/* header\n   block */\nimport \"a.hps\"    // trailing\n\n/// Doc of s.\n/// Two lines.\n\
                space s {\n  /// Doc of x.\n  x = f(1 /* inline */, 2) // after x\n  // own line\n\n  \
                // after a blank\n  y = 2\n  // last\n}\n// end\n";
    assert_eq!(
        fmt(text),
        "/* header\n   block */\nimport \"a.hps\" // trailing\n\n/// Doc of s.\n/// Two lines.\n\
         space s {\n  /// Doc of x.\n  x = f(1 /* inline */, 2) // after x\n  // own line\n\n  \
         // after a blank\n  y = 2\n  // last\n}\n// end\n"
    );
}

#[test]
fn trailing_comments_of_neighbouring_lines_line_up() {
    let text = "space s {\n  a = 1 // one\n  bb = 22 // two\n}\n";
    assert_eq!(
        fmt(text),
        "space s {\n  a  = 1  // one\n  bb = 22 // two\n}\n"
    );
}

#[test]
fn a_line_comment_inside_a_bracket_breaks_it() {
    let text = "study s {\n  model = mlp(width = 64, // wide\n depth = 2)\n}\n";
    assert_eq!(
        fmt(text),
        "study s {\n  model = mlp(\n    width = 64, // wide\n    depth = 2,\n  )\n}\n"
    );
}

#[test]
fn nested_blocks_are_indented_and_one_line_blocks_stay() {
    let text = "space s {\nopt = choice(a, b)\nwhen opt == a {\nwhen opt != b {\nm = 1\n}\n} else { n = 2 }\n\
                r = { p = 1, q = 2 }\n}\n";
    assert_eq!(
        fmt(text),
        "space s {\n  opt = choice(a, b)\n  when opt == a {\n    when opt != b {\n      m = 1\n    }\n  \
         } else { n = 2 }\n  r   = { p = 1, q = 2 }\n}\n"
    );
}

#[test]
fn brackets_written_over_lines_get_one_element_per_line() {
    let text = "study s {\n  model = mlp(width = ordinal(32,\n 64), depth = 2)\n}\n";
    assert_eq!(
        fmt(text),
        "study s {\n  model = mlp(\n    width = ordinal(\n      32,\n      64,\n    ),\n    \
         depth = 2,\n  )\n}\n"
    );
}

#[test]
fn architectures_pipelines_and_choose() {
    let text = "dataset d = builtin(\"digits\")\n| split(val = 0.2) | standardize()\n\
                arch a(w: int = 8) {\nrepeat 2 { linear(w)  relu() }\nchoose {\n{ linear(w) }\n| residual { linear(w) }\n}\n}\n";
    assert_eq!(
        fmt(text),
        "dataset d = builtin(\"digits\")\n  | split(val = 0.2)\n  | standardize()\n\n\
         arch a(w: int = 8) {\n  repeat 2 { linear(w)  relu() }\n  choose {\n    { linear(w) }\n  \
         | residual { linear(w) }\n  }\n}\n"
    );
}

#[test]
fn line_breaks_after_operators_are_kept() {
    let text = "space s {\n  forbid a == 1 and\n b == 2\n}\n";
    assert_eq!(fmt(text), "space s {\n  forbid a == 1 and\n    b == 2\n}\n");
}

#[test]
fn consecutive_imports_keep_their_spacing_and_other_items_get_a_blank_line() {
    let text = "import \"a.hps\"\nimport \"b.hps\"\n\n\n\nimport \"c.hps\"\nspace s {}\nspace t {}";
    assert_eq!(
        fmt(text),
        "import \"a.hps\"\nimport \"b.hps\"\n\nimport \"c.hps\"\n\nspace s {}\n\nspace t {}\n"
    );
}

#[test]
fn empty_and_comment_only_texts() {
    assert_eq!(fmt(""), "");
    assert_eq!(fmt("\n\n  \n"), "");
    assert_eq!(fmt("// only\n\n\n"), "// only\n");
}

#[test]
fn syntax_errors_are_diagnostics() {
    let Err(FormatError::Syntax(diagnostics)) = format_source("space s {\n  x = \n") else {
        panic!("expected a syntax error");
    };
    assert!(!diagnostics.is_empty());
    assert!(
        diagnostics
            .iter()
            .all(|d| d.code == crate::diagnostic::Code::Syntax)
    );
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    let garbage = [
        "{",
        "}",
        "((((",
        "/*",
        "*/",
        "\"",
        "study",
        "study s {",
        "space s { x = ( }",
        "//\u{0}",
        "\u{FEFF}",
        "é = 1",
        "arch a( {",
        "choose { | }",
        "dataset d = | |",
        "\r\r\r",
        "1e",
        "import \"",
        "space s { x = [1,,] }",
        "space s { when { } }",
    ];
    for text in garbage {
        // A few are only comments or blanks, and format; none may meet an internal error.
        match format_source(text) {
            Err(FormatError::Syntax(diagnostics)) => assert!(!diagnostics.is_empty(), "{text:?}"),
            Ok(formatted) => assert_eq!(
                format_source(&formatted).as_ref(),
                Ok(&formatted),
                "{text:?}"
            ),
            Err(e @ FormatError::Internal(_)) => panic!("{text:?}: {e}"),
        }
    }
    let mut text = String::from("space s { x = 1 }\n");
    for byte in 0u8..128 {
        text.insert(text.len() / 2, char::from(byte));
        if let Ok(formatted) = format_source(&text) {
            assert_eq!(format_source(&formatted).as_ref(), Ok(&formatted));
        }
    }
}
