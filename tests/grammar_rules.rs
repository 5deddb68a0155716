//! Grammar rule tests: each rule consumes its whole input, and rejects what it must.

use hps::syntax::ast::{Expr, ExprKind, Item, Statement};
use hps::syntax::{HpsParser, Rule};
use pest::Parser;

fn consumes(rule: Rule, input: &str) -> bool {
    HpsParser::parse(rule, input)
        .is_ok_and(|mut pairs| pairs.next().is_some_and(|p| p.as_str() == input))
}

#[test]
fn every_rule_consumes_its_whole_input() {
    let cases: &[(Rule, &str)] = &[
        (Rule::ident, "batch_size"),
        (Rule::ident, "_x1"),
        (Rule::path, "val.accuracy"),
        (Rule::number, "3"),
        (Rule::number, "0.5"),
        (Rule::number, "1e-3"),
        (Rule::number, "2.5E+4"),
        (Rule::duration, "90s"),
        (Rule::duration, "15m"),
        (Rule::duration, "2h"),
        (Rule::duration, "500ms"),
        (Rule::string, r#""a \"q\" \\ \n \t""#),
        (Rule::boolean, "true"),
        (Rule::list, "[a, 1, \"s\"]"),
        (Rule::list, "[\n  1,\n  2,\n]"),
        (Rule::call, "loguniform(1e-4, 3e-1)"),
        (Rule::call, "int(1, 4, log = true)"),
        (Rule::call, "split(\n  val = 0.2,\n  seed = 7\n)"),
        (Rule::call, "bases(loguniform(1e-4, 1), k = 5)"),
        (Rule::expr, "0.1 * epochs"),
        (Rule::expr, "-2 ** 2"),
        (Rule::expr, "1/255"),
        (Rule::expr, "recipe { epochs = 27 }"),
        (Rule::expr, "{ a = 1, b = 2 }"),
        (Rule::expr, "maximize val.accuracy"),
        (Rule::cond, "optimizer == sgd and lr < 1e-3"),
        (Rule::cond, "not (a in [1, 2]) or b >= 3"),
        (Rule::cond, "a !=\n b"),
        (Rule::record, "recipe { epochs = 27 }"),
        (
            Rule::block,
            "{\n  x = 1\n  when x > 0 { y = 2 } else { y = 3 }\n  forbid x == 1\n}",
        ),
        (Rule::assign, "lr = loguniform(1e-4, 1)"),
        (Rule::field_block, "budget { trials = 60, time = 10m }"),
        (
            Rule::when_stmt,
            "when optimizer == sgd { momentum = uniform(0, 0.99) }",
        ),
        (Rule::forbid_stmt, "forbid optimizer == sgd and lr < 1e-3"),
        (Rule::import, "import \"std/nets.hps\""),
        (
            Rule::dataset,
            "dataset d = builtin(\"digits\") | split(val = 0.2) | standardize()",
        ),
        (
            Rule::dataset,
            "dataset d = csv(\"a.csv\", target = \"y\")\n  | standardize()",
        ),
        (Rule::space, "space s {\n  a = 1\n}"),
        (
            Rule::arch,
            "arch m(w: int, d: int = 2, act = relu) {\n  flatten()\n  repeat d { linear(w) act() }\n  linear(outputs)\n}",
        ),
        (Rule::arch_params, "(w: int, d = 2)"),
        (Rule::arch_param, "w: int = 3"),
        (Rule::layer_block, "{ conv(16) batchnorm() relu() }"),
        (Rule::repeat_layer, "repeat blocks { relu() }"),
        (Rule::residual_layer, "residual { linear(8) }"),
        (
            Rule::choose_layer,
            "choose { conv(8) | { relu() gelu() } | identity() }",
        ),
        (Rule::choose_layer, "choose {\n  conv(8)\n| identity()\n}"),
        (Rule::alternative, "{ relu() gelu() }"),
        (Rule::study, "study s {\n  seed = 1\n}"),
        (Rule::objective_value, "minimize val.loss"),
        (Rule::paren, "(a + b)"),
        (Rule::arg, "kernel = 3"),
        (
            Rule::file,
            "// c\n/* a /* nested */ b */\nimport \"x.hps\"\n\n/// doc\nspace s { a = 1 }\n",
        ),
        (Rule::file, ""),
    ];
    for (rule, input) in cases {
        assert!(
            consumes(*rule, input),
            "{rule:?} does not consume {input:?}"
        );
    }
}

#[test]
fn rules_reject_what_they_must() {
    let cases: &[(Rule, &str)] = &[
        (Rule::ident, "when"),
        (Rule::ident, "1abc"),
        (Rule::number, "2e"),
        (Rule::number, "10m"),
        (Rule::string, "\"unterminated"),
        (Rule::file, "space s { a = 1 b = 2 }"),
        (Rule::file, "study { }"),
        (Rule::file, "space s { a: 1 }"),
        (Rule::file, "import std"),
        (Rule::file, "space s { when a = 1 { } }"),
    ];
    for (rule, input) in cases {
        assert!(!consumes(*rule, input), "{rule:?} accepts {input:?}");
    }
}

#[test]
fn doc_comments_attach_to_the_next_item() {
    let (file, errors) = hps::syntax::parse(
        hps::syntax::FileId(0),
        "/// first\n/// second\nspace s { a = 1 }\n\n/// detached\n\nspace t { b = 2 }\n",
    );
    assert!(errors.is_empty());
    let docs: Vec<Option<String>> = file
        .items
        .iter()
        .map(|i| match i {
            Item::Space(s) => s.doc.clone(),
            _ => None,
        })
        .collect();
    assert_eq!(docs, vec![Some("first\nsecond".to_owned()), None]);
}

/// An expression fully parenthesised, prefix style: `2 ** 3 - 1` → `(- (** 2 3) 1)`.
fn shape(expr: &Expr) -> String {
    match &expr.kind {
        ExprKind::Number { value, .. } => value.to_string(),
        ExprKind::Path(path) => hps::syntax::ast::path_text(path),
        ExprKind::Unary { op, operand } => format!("({} {})", op.symbol().trim(), shape(operand)),
        // A chain, shown as the tree it stands for: grouped to the left, `**` to the right.
        ExprKind::Chain { first, rest } if rest[0].0.is_right_associative() => {
            let mut shapes: Vec<String> = std::iter::once(&**first)
                .chain(rest.iter().map(|(_, e)| e))
                .map(shape)
                .collect();
            let mut tree = shapes.pop().expect("operands");
            for ((op, _), lhs) in rest.iter().zip(shapes).rev() {
                tree = format!("({} {lhs} {tree})", op.symbol());
            }
            tree
        }
        ExprKind::Chain { first, rest } => rest.iter().fold(shape(first), |tree, (op, rhs)| {
            format!("({} {tree} {})", op.symbol(), shape(rhs))
        }),
        other => panic!("no shape for {other:?}"),
    }
}

#[test]
fn operators_bind_as_documented() {
    let (file, errors) = hps::syntax::parse(
        hps::syntax::FileId(0),
        "space s {\n a = 1\n when not a == 1 or a > 2 and a < 5 { b = 2 ** 3 ** 2 - 1 }\n c = -2 ** 2\n}",
    );
    assert!(errors.is_empty(), "{errors:?}");
    let [Item::Space(space)] = file.items.as_slice() else {
        panic!("expected one space: {:?}", file.items);
    };
    let [_, Statement::When(when), Statement::Assign(c)] = space.body.statements.as_slice() else {
        panic!("expected `a`, `when` and `c`: {:?}", space.body.statements);
    };
    // `not` binds looser than `==`, `and` tighter than `or`.
    assert_eq!(
        shape(&when.condition),
        "(or (not (== a 1)) (and (> a 2) (< a 5)))"
    );
    let [Statement::Assign(b)] = when.then.statements.as_slice() else {
        panic!("expected `b`: {:?}", when.then.statements);
    };
    // `**` is right-associative and binds tighter than `-`, prefix or infix.
    assert_eq!(shape(&b.value), "(- (** 2 (** 3 2)) 1)");
    assert_eq!(shape(&c.value), "(- (** 2 2))");
    let checked = hps::semantic::check_text(
        "t.hps",
        "space s {\n a = int(0, 9)\n when not a == 1 or a > 2 and a < 5 { b = 2 ** 3 ** 2 - 1 }\n}",
        None,
    );
    assert!(!checked.has_errors(), "{}", checked.render_plain(80));
    // And folds accordingly: 2 ** 9 - 1.
    let checked = hps::semantic::check_text(
        "t.hps",
        "study s {\n trial = command(\"p\")\n params = { b = 2 ** 3 ** 2 - 1 }\n objective = minimize x\n}",
        None,
    );
    assert!(!checked.has_errors(), "{}", checked.render_plain(80));
    let fixed = &checked.program.studies[0].space.fixed[0];
    assert_eq!(fixed.value, hps::space::Value::Int(511));
}
