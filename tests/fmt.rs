//! `hps fmt`: the repository's own `.hps` files are formatted, formatting never changes a file's syntax
//! tree and is idempotent, comments inserted anywhere survive, and the CLI's exit codes and diff.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use hps::format::{FormatError, format_source, same_syntax};
use hps::syntax::{FileId, parse};
use proptest::prelude::*;

/// Every `.hps` file under `dir`, recursively (build outputs and hidden folders aside).
fn hps_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return files;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() && !name.starts_with('.') && name != "target" {
            files.extend(hps_files(&path));
        } else if path.extension().is_some_and(|e| e == "hps") {
            files.push(path);
        }
    }
    files.sort();
    files
}

#[test]
fn examples_and_stdlib_are_formatted() {
    let mut files = hps_files(Path::new("examples"));
    files.extend(hps_files(Path::new("stdlib")));
    assert!(files.len() >= 8, "{files:?}");
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let formatted = format_source(&text).unwrap();
        assert!(
            formatted == text,
            "{} is not formatted; run `hps fmt {}`",
            file.display(),
            file.display()
        );
    }
}

#[test]
fn every_file_that_parses_keeps_its_syntax_tree_and_formats_idempotently() {
    let files = hps_files(Path::new("."));
    assert!(files.len() >= 50, "{files:?}");
    let mut formatted_files = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let (before, errors) = parse(FileId::default(), &text);
        let result = format_source(&text);
        if !errors.is_empty() {
            assert!(
                matches!(result, Err(FormatError::Syntax(_))),
                "{}",
                file.display()
            );
            continue;
        }
        let formatted = result.unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let (after, errors) = parse(FileId::default(), &formatted);
        assert!(errors.is_empty(), "{}:\n{formatted}", file.display());
        assert!(
            same_syntax(&before, &after),
            "{}:\n{formatted}",
            file.display()
        );
        assert_eq!(
            format_source(&formatted).unwrap(),
            formatted,
            "{}",
            file.display()
        );
        formatted_files += 1;
    }
    assert!(formatted_files >= 50);
}

/// What the property test inserts: comments, line breaks and spaces. Not `,`: a separator at the start
/// of a line between `///` comments decides which of them document an item, and the formatter, which
/// drops separators, refuses such a text (`FormatError::Internal`) rather than change its docs.
const INSERTS: &[&str] = &[
    "/* c */",
    "// c\n",
    "\n",
    "\n\n",
    " ",
    "\t",
    "/* a\n b */",
    "/// d\n",
    "/* /* n */ */",
];

fn corpus() -> Vec<String> {
    ["examples", "stdlib", "tests/fixtures/ok"]
        .iter()
        .flat_map(|dir| hps_files(Path::new(dir)))
        .map(|file| std::fs::read_to_string(file).unwrap())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Comments, spaces and line breaks inserted anywhere: the text either has syntax errors, or it
    /// formats to the same tree, keeps every comment (checked inside `format_source`) and is stable.
    #[test]
    fn inserted_comments_and_breaks_survive(
        file in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0..INSERTS.len()), 1..6),
    ) {
        let corpus = corpus();
        let mut text = corpus[file.index(corpus.len())].clone();
        for (at, insert) in edits {
            let mut at = at.index(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text.insert_str(at, INSERTS[insert]);
        }
        match format_source(&text) {
            Err(FormatError::Syntax(_)) => {}
            Err(error) => prop_assert!(false, "{error}\n{text}"),
            Ok(formatted) => {
                let (before, _) = parse(FileId::default(), &text);
                let (after, _) = parse(FileId::default(), &formatted);
                prop_assert!(same_syntax(&before, &after), "{text}\n---\n{formatted}");
                prop_assert_eq!(format_source(&formatted).unwrap(), formatted);
            }
        }
    }
}

fn hps(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hps"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

const UNFORMATTED: &str = "space s{x=1,yy=2}\n";
const FORMATTED: &str = "space s {\n  x  = 1\n  yy = 2\n}\n";

#[test]
fn fmt_check_prints_a_diff_and_exits_one_on_an_unformatted_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.hps");
    std::fs::write(&file, UNFORMATTED).unwrap();
    let out = hps(&["fmt", "--check", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("-space s{x=1,yy=2}"), "{stdout}");
    assert!(stdout.contains("+  yy = 2"), "{stdout}");
    assert!(stdout.contains("@@"), "{stdout}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        UNFORMATTED,
        "--check writes nothing"
    );
}

#[test]
fn fmt_check_exits_zero_on_a_formatted_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.hps");
    std::fs::write(&file, FORMATTED).unwrap();
    let out = hps(&["fmt", "--check", file.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn fmt_rewrites_files_in_place_and_names_them() {
    let dir = tempfile::tempdir().unwrap();
    let changed = dir.path().join("changed.hps");
    let unchanged = dir.path().join("unchanged.hps");
    std::fs::write(&changed, UNFORMATTED).unwrap();
    std::fs::write(&unchanged, FORMATTED).unwrap();
    let out = hps(&[
        "fmt",
        changed.to_str().unwrap(),
        unchanged.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("changed.hps") && !stdout.contains("unchanged.hps"),
        "{stdout}"
    );
    assert_eq!(std::fs::read_to_string(&changed).unwrap(), FORMATTED);
}

#[test]
fn fmt_reports_syntax_errors_as_check_does() {
    let file = "tests/fixtures/err/syntax_missing_brace.hps";
    let before = std::fs::read_to_string(file).unwrap();
    let fmt = hps(&["fmt", file]);
    let check = hps(&["check", file]);
    assert_eq!(fmt.status.code(), Some(1));
    let fmt_err = String::from_utf8_lossy(&fmt.stderr);
    let check_err = String::from_utf8_lossy(&check.stderr);
    let diagnostic = check_err.split("\n1 file checked").next().unwrap();
    assert!(diagnostic.contains("hps::syntax"), "{check_err}");
    assert!(fmt_err.contains(diagnostic), "{fmt_err}\n---\n{check_err}");
    assert_eq!(std::fs::read_to_string(file).unwrap(), before);
}

#[test]
fn fmt_without_files_formats_standard_input() {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_hps"))
        .arg("fmt")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(UNFORMATTED.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), FORMATTED);
}
