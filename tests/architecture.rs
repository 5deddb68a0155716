//! The layering of `src/`, checked: which top-level module imports which (every `crate::name`
//! outside comments and test code), that these imports form no cycle, and that the run-time modules
//! — everything that executes a plan — import nothing from the front end. `docs/architecture.md`
//! draws the same layers.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The front end: text to checked program to plan.
const FRONT_END: &[&str] = &[
    "syntax", "semantic", "lower", "format", "lsp", "cli", "embed", "stdlib",
];

/// Leaves both sides read: source positions, diagnostics, reserved words, reading named files,
/// "did you mean" suggestions.
const SHARED: &[&str] = &[
    "source",
    "diagnostic",
    "keywords",
    "input_file",
    "problem",
    "suggest",
    "timestamp",
];

/// Modules that execute a plan, and what they stand on.
const RUN_TIME: &[&str] = &[
    "autohas",
    "layers",
    "catalogue",
    "importance",
    "plan",
    "meta",
    "predictor",
    "report",
    "runtime",
    "sampler",
    "scheduler",
    "seed",
    "space",
    "stats",
    "stopping",
    "storage",
    "train",
    "trial",
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`None` for the crate roots).
fn module_of(file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src()).unwrap();
    let first = relative
        .components()
        .next()?
        .as_os_str()
        .to_str()?
        .to_owned();
    match first.strip_suffix(".rs") {
        Some("lib" | "main") => None,
        Some(name) => Some(name.to_owned()),
        None => Some(first),
    }
}

/// The code of a file that is not a comment or a test.
fn code_of(file: &Path, text: &str) -> String {
    let name = file.file_name().unwrap().to_str().unwrap();
    if matches!(name, "tests.rs" | "testing.rs") {
        return String::new();
    }
    let mut code = String::new();
    for line in text.lines() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        let line = line.split("//").next().unwrap_or_default();
        code.push_str(line);
        code.push('\n');
    }
    code
}

/// The top-level modules `code` names through `crate::`.
fn imports(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a::b, c}`: the first name of each item at depth 0.
            let mut depth = 0;
            let mut item_start = true;
            let mut name = String::new();
            for c in group.chars() {
                let in_name = c.is_alphanumeric() || c == '_';
                if item_start && depth == 0 && in_name {
                    name.push(c);
                    continue;
                }
                if !name.is_empty() {
                    found.insert(std::mem::take(&mut name));
                    item_start = false;
                }
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    _ => {}
                }
            }
            if !name.is_empty() {
                found.insert(name);
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

/// Top-level module → the top-level modules it imports.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let modules: BTreeSet<String> = files.iter().filter_map(|f| module_of(f)).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let Some(module) = module_of(file) else {
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        let entry = graph.entry(module.clone()).or_default();
        for import in imports(&code_of(file, &text)) {
            if import != module && modules.contains(&import) {
                entry.insert(import);
            }
        }
    }
    graph
}

/// A cycle through `start`, if any: the path back to it.
fn cycle_from(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    let mut stack = vec![(start.to_owned(), vec![start.to_owned()])];
    let mut seen = BTreeSet::new();
    while let Some((node, path)) = stack.pop() {
        for next in graph.get(&node).into_iter().flatten() {
            if next == start {
                let mut cycle = path.clone();
                cycle.push(start.to_owned());
                return Some(cycle);
            }
            if seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push((next.clone(), longer));
            }
        }
    }
    None
}

fn show(graph: &BTreeMap<String, BTreeSet<String>>) -> String {
    graph
        .iter()
        .map(|(m, deps)| {
            format!(
                "{m} → {}",
                deps.iter().cloned().collect::<Vec<_>>().join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_imports_are_read_from_the_code() {
    let code = "use crate::plan::{Plan, Step};\nuse crate::{seed, space::{Config, Value}};\nlet x = crate::stats::cdf(1.0);\n";
    let found: Vec<String> = imports(code).into_iter().collect();
    assert_eq!(found, ["plan", "seed", "space", "stats"]);
    let file = src().join("plan/mod.rs");
    assert_eq!(
        code_of(
            &file,
            "use a; // crate::semantic\n#[cfg(test)]\nuse crate::semantic;"
        ),
        "use a; \n"
    );
}

#[test]
fn no_two_top_level_modules_import_each_other_even_through_others() {
    let graph = graph();
    assert!(graph.len() > 15, "found only {:?}", graph.keys());
    for module in graph.keys() {
        if let Some(cycle) = cycle_from(&graph, module) {
            panic!(
                "import cycle: {}\n\nthe graph:\n{}",
                cycle.join(" → "),
                show(&graph)
            );
        }
    }
}

#[test]
fn run_time_modules_import_nothing_from_the_front_end() {
    let graph = graph();
    for module in RUN_TIME {
        let deps = graph
            .get(*module)
            .unwrap_or_else(|| panic!("no module `{module}` in src/"));
        for dep in deps {
            assert!(
                !FRONT_END.contains(&dep.as_str()),
                "`{module}` imports `{dep}` from the front end\n\nthe graph:\n{}",
                show(&graph)
            );
        }
    }
    // The shared leaves stand on nothing but each other.
    for module in SHARED {
        for dep in graph.get(*module).into_iter().flatten() {
            assert!(
                SHARED.contains(&dep.as_str()),
                "`{module}` is shared by both sides and must not import `{dep}`"
            );
        }
    }
    // Every top-level module is placed on one side.
    for module in graph.keys() {
        assert!(
            FRONT_END.contains(&module.as_str())
                || RUN_TIME.contains(&module.as_str())
                || SHARED.contains(&module.as_str()),
            "place `{module}` in FRONT_END or RUN_TIME"
        );
    }
}
