//! Property test: examples mutated at random (tokens and bytes deleted, inserted, swapped) never make
//! the parser or the checker panic.

use hps::diagnostic::Report;
use proptest::prelude::*;

fn corpus() -> Vec<String> {
    let mut texts = Vec::new();
    for dir in ["examples", "stdlib/std"] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "hps") {
                texts.push(std::fs::read_to_string(path).unwrap());
            }
        }
    }
    texts
}

/// Tokens a mutation inserts: brackets, operators, keywords, comment marks, odd characters (also
/// used by `fuzz_corpus`).
pub const TOKENS: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    "\n",
    "=",
    "==",
    "|",
    ".",
    "-",
    "**",
    "when",
    "forbid",
    "import",
    "\"",
    "/*",
    "*/",
    "//",
    "choose",
    "repeat",
    "1e",
    "0",
    "-1",
    "uniform(",
    "bases(",
    "study s {",
    "x",
    "é",
    "\u{0}",
    "+",
    " and ",
    " or ",
    "not ",
    "when a == 1 {",
    "forbid ",
    "import ",
    "///",
    "choose ",
    "repeat ",
    "1e999",
    "choice(",
    "space s {",
    "\r",
    "\t",
    "@",
];

#[derive(Debug, Clone)]
enum Edit {
    DeleteByte(usize),
    InsertToken(usize, usize),
    SwapBytes(usize, usize),
    DeleteRange(usize, usize),
    DuplicateLine(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<usize>().prop_map(Edit::DeleteByte),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(a, b)| Edit::InsertToken(a, b)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::SwapBytes(a, b)),
        (any::<usize>(), 0usize..40).prop_map(|(a, b)| Edit::DeleteRange(a, b)),
        any::<usize>().prop_map(Edit::DuplicateLine),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for e in edits {
        let n = bytes.len().max(1);
        match *e {
            Edit::DeleteByte(i) => {
                if !bytes.is_empty() {
                    bytes.remove(i % n);
                }
            }
            Edit::InsertToken(i, t) => {
                let at = i % (bytes.len() + 1);
                bytes.splice(at..at, TOKENS[t].bytes());
            }
            Edit::SwapBytes(a, b) => {
                if !bytes.is_empty() {
                    bytes.swap(a % n, b % n);
                }
            }
            Edit::DeleteRange(a, len) => {
                let start = a % n;
                let end = (start + len).min(bytes.len());
                if start < end {
                    bytes.drain(start..end);
                }
            }
            Edit::DuplicateLine(i) => {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let lines: Vec<&str> = text.lines().collect();
                if !lines.is_empty() {
                    let k = i % lines.len();
                    let mut out: Vec<&str> = lines.clone();
                    out.insert(k, lines[k]);
                    bytes = out.join("\n").into_bytes();
                }
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]
    #[test]
    fn mutated_examples_never_panic(index in 0usize..64, edits in prop::collection::vec(edit(), 1..6)) {
        let corpus = corpus();
        let text = apply(&corpus[index % corpus.len()], &edits);
        let checked = hps::semantic::check_text("mutated.hps", &text, None);
        // Every diagnostic's span lies in its file, and it renders (without panicking) with its code.
        for d in &checked.diagnostics {
            let len = checked.sources.get(d.span.file).text.len();
            prop_assert!(d.span.start() <= d.span.end() && d.span.end() <= len, "{d:?}");
            let rendered = Report::new(d, &checked.sources).render_plain(80);
            prop_assert!(rendered.contains(d.code.as_str()), "{rendered}");
        }
        for study in &checked.program.studies {
            let text = hps::lower::plan(study, &checked.program).render_text();
            let heading = format!("study {} ", study.name);
            prop_assert!(text.starts_with(&heading), "{text}");
        }
    }
}
