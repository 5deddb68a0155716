//! The editor grammars are checked against the language: every word the pest grammar
//! (`grammar/hps.pest`) matches as a keyword, every reserved word (`hps::syntax::KEYWORDS`) and
//! every name the checker knows (`hps::catalogue`: built-ins by family, study, budget and
//! training fields, optimisers, schedules, activations, arch parameter types; `outputs`) must be
//! highlighted, in the rule of its kind, by the TextMate grammar of the VS Code extension
//! (`editors/vscode/syntaxes/hps.tmLanguage.json`) and by the Vim syntax file
//! (`editors/vim/syntax/hps.vim`). The scopes themselves are asserted by `editors/vscode/test.sh`
//! and `editors/vim/test.sh`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use hps::catalogue::{self, Family};
use serde_json::Value;

const TM_GRAMMAR: &str = "editors/vscode/syntaxes/hps.tmLanguage.json";
const VIM_SYNTAX: &str = "editors/vim/syntax/hps.vim";
const PEST_GRAMMAR: &str = "grammar/hps.pest";

/// Vim syntax groups that highlight keywords.
const VIM_KEYWORD_GROUPS: &[&str] = &[
    "hpsImport",
    "hpsItem",
    "hpsConditional",
    "hpsForbid",
    "hpsRepeat",
    "hpsResidual",
    "hpsChoose",
    "hpsLogical",
    "hpsBoolean",
    "hpsObjective",
];

fn path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(path(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

fn json(relative: &str) -> Value {
    serde_json::from_str(&read(relative)).unwrap_or_else(|e| panic!("{relative} is not JSON: {e}"))
}

/// The TextMate scope and the Vim syntax group that highlight calls of a family's built-ins.
fn family_highlight(family: Family) -> (&'static str, &'static str) {
    match family {
        Family::Distribution => ("support.function.distribution.hps", "hpsDistribution"),
        Family::Layer => ("support.function.layer.hps", "hpsLayer"),
        Family::Source => ("support.function.source.hps", "hpsSource"),
        Family::Transform => ("support.function.transform.hps", "hpsTransform"),
        Family::Sampler => ("support.function.sampler.hps", "hpsSampler"),
        Family::Scheduler => ("support.function.scheduler.hps", "hpsScheduler"),
        Family::Stopping => ("support.function.stopping.hps", "hpsStopping"),
        Family::Strategy => ("support.function.strategy.hps", "hpsStrategy"),
        Family::Trial => ("support.function.trial.hps", "hpsTrial"),
        Family::Metrics => ("support.function.metrics.hps", "hpsMetrics"),
        Family::Device => ("support.function.device.hps", "hpsDevice"),
    }
}

/// Every other list of names the checker knows: (what, names, TextMate scope, Vim group).
fn name_lists() -> Vec<(&'static str, Vec<&'static str>, &'static str, &'static str)> {
    vec![
        (
            "study field",
            catalogue::STUDY_FIELDS.iter().map(|f| f.name).collect(),
            "support.type.property-name.study.hps",
            "hpsStudyField",
        ),
        (
            "budget field",
            catalogue::BUDGET_FIELDS.iter().map(|f| f.name).collect(),
            "support.type.property-name.budget.hps",
            "hpsBudgetField",
        ),
        (
            "training key",
            catalogue::TRAIN_KEYS.iter().map(|f| f.name).collect(),
            "support.type.property-name.train.hps",
            "hpsTrainKey",
        ),
        (
            "optimizer",
            catalogue::OPTIMIZERS.to_vec(),
            "support.constant.optimizer.hps",
            "hpsOptimizer",
        ),
        (
            "learning-rate schedule",
            catalogue::SCHEDULES.to_vec(),
            "support.constant.schedule.hps",
            "hpsSchedule",
        ),
        (
            "activation",
            catalogue::ACTIVATIONS.to_vec(),
            "support.constant.activation.hps",
            "hpsActivation",
        ),
        (
            "implicit arch name",
            vec![hps::plan::model::OUTPUTS],
            "variable.language.outputs.hps",
            "hpsOutputs",
        ),
        (
            "arch parameter type",
            catalogue::ARCH_TYPES.to_vec(),
            "storage.type.primitive.hps",
            "hpsArchType",
        ),
    ]
}

/// The identifier-like words of a regular expression (TextMate or Vim), escapes such as `\b`, `\s`,
/// `\<`, `\zs` or `\%(` removed first so that they do not stick to the names they surround.
fn regex_words(regex: &str) -> BTreeSet<String> {
    let mut cleaned = String::with_capacity(regex.len());
    let mut chars = regex.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            // Vim's `\zs`, `\ze`, `\%(`, `\@<=`, `\@!`: drop the letter after too.
            let vim_prefix = matches!(chars.next(), Some('z' | '%' | '@'));
            if vim_prefix && chars.peek().is_some_and(char::is_ascii_alphabetic) {
                chars.next();
            }
            cleaned.push(' ');
        } else {
            cleaned.push(c);
        }
    }
    cleaned
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// One rule of the TextMate grammar: the scopes it assigns and the words of its regexes.
struct TmRule {
    scopes: BTreeSet<String>,
    words: BTreeSet<String>,
}

fn collect_tm_rules(value: &Value, rules: &mut Vec<TmRule>) {
    match value {
        Value::Object(object) => {
            let regexes: Vec<&str> = ["match", "begin"]
                .iter()
                .filter_map(|key| object.get(*key).and_then(Value::as_str))
                .collect();
            if !regexes.is_empty() {
                let mut scopes = BTreeSet::new();
                if let Some(name) = object.get("name").and_then(Value::as_str) {
                    scopes.insert(name.to_owned());
                }
                for key in ["captures", "beginCaptures"] {
                    if let Some(Value::Object(captures)) = object.get(key) {
                        for capture in captures.values() {
                            if let Some(name) = capture.get("name").and_then(Value::as_str) {
                                scopes.insert(name.to_owned());
                            }
                        }
                    }
                }
                rules.push(TmRule {
                    scopes,
                    words: regexes.iter().flat_map(|r| regex_words(r)).collect(),
                });
            }
            for child in object.values() {
                collect_tm_rules(child, rules);
            }
        }
        Value::Array(items) => {
            for item in items {
                collect_tm_rules(item, rules);
            }
        }
        _ => {}
    }
}

fn tm_rules() -> Vec<TmRule> {
    let mut rules = Vec::new();
    collect_tm_rules(&json(TM_GRAMMAR), &mut rules);
    assert!(rules.len() > 20, "{TM_GRAMMAR}: too few rules found");
    rules
}

/// The words of the TextMate rules that highlight a call (`meta.function-call.hps`) with `scope`.
fn tm_call_words(rules: &[TmRule], scope: &str) -> BTreeSet<String> {
    rules
        .iter()
        .filter(|r| r.scopes.contains(scope) && r.scopes.contains("meta.function-call.hps"))
        .flat_map(|r| r.words.iter().cloned())
        .collect()
}

/// The words of the TextMate rules that assign a scope starting with one of `prefixes`.
fn tm_words(rules: &[TmRule], prefixes: &[&str]) -> BTreeSet<String> {
    rules
        .iter()
        .filter(|r| {
            r.scopes
                .iter()
                .any(|s| prefixes.iter().any(|p| s.starts_with(p)))
        })
        .flat_map(|r| r.words.iter().cloned())
        .collect()
}

/// The words of each `syn keyword` / `syn match` / `syn region` of the Vim syntax file, by group.
fn vim_groups() -> BTreeMap<String, BTreeSet<String>> {
    vim_groups_where(|_| true)
}

/// The words of the Vim syntax items that match a call (`NAME\ze\s*(`), by group.
fn vim_call_groups() -> BTreeMap<String, BTreeSet<String>> {
    vim_groups_where(|pattern| pattern.contains("\\ze\\s*("))
}

fn vim_groups_where(keep: impl Fn(&str) -> bool) -> BTreeMap<String, BTreeSet<String>> {
    let mut groups: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in read(VIM_SYNTAX).lines() {
        let mut fields = line.split_whitespace();
        let (Some("syn" | "syntax"), Some("keyword" | "match" | "region"), Some(group)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let rest = fields.collect::<Vec<&str>>().join(" ");
        if keep(&rest) {
            groups
                .entry(group.to_owned())
                .or_default()
                .extend(regex_words(&rest));
        }
    }
    assert!(
        groups.len() > 10,
        "{VIM_SYNTAX}: too few syntax groups found"
    );
    groups
}

fn vim_words(groups: &BTreeMap<String, BTreeSet<String>>, names: &[&str]) -> BTreeSet<String> {
    names
        .iter()
        .filter_map(|g| groups.get(*g))
        .flat_map(|words| words.iter().cloned())
        .collect()
}

/// The pest rules as `(name, body)`, bodies with their string literals intact.
fn pest_rules() -> Vec<(String, String)> {
    let text = read(PEST_GRAMMAR);
    let mut rules = Vec::new();
    for (start, _) in text.match_indices('=') {
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let name = text[line_start..start].trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let Some(open) = text[start..].find('{').map(|i| start + i) else {
            continue;
        };
        if !text[start + 1..open]
            .chars()
            .all(|c| c.is_whitespace() || "_@$!".contains(c))
        {
            continue;
        }
        // The body runs to the `}` that closes the rule; braces in string literals do not count.
        let mut depth = 0;
        let mut in_string = false;
        let mut escaped = false;
        let mut end = open;
        for (i, c) in text[open..].char_indices() {
            match (in_string, escaped, c) {
                (true, true, _) => escaped = false,
                (true, false, '\\') => escaped = true,
                (true, false, '"') => in_string = false,
                (false, _, '"') => in_string = true,
                (false, _, '{') => depth += 1,
                (false, _, '}') => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + i;
                        break;
                    }
                }
                _ => {}
            }
        }
        rules.push((name.to_owned(), text[open + 1..end].to_owned()));
    }
    assert!(rules.len() > 30, "{PEST_GRAMMAR}: too few rules found");
    rules
}

/// The string literals of a pest rule body.
fn literals(body: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find('"') {
        let after = &rest[start + 1..];
        let mut end = None;
        let mut escaped = false;
        for (i, c) in after.char_indices() {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let Some(end) = end else { break };
        found.push(after[..end].to_owned());
        rest = &after[end + 1..];
    }
    found
}

/// Every word the pest grammar matches as a whole word (`"word" ~ !ident_char`): the reserved
/// words, `choose`, `maximize`/`minimize`, the word operators and the booleans. Joined with
/// `hps::syntax::KEYWORDS` so that neither can drift alone.
fn grammar_keywords() -> BTreeSet<String> {
    let mut words = BTreeSet::new();
    for (_, body) in pest_rules() {
        let literals = literals(&body);
        let all_words = !literals.is_empty()
            && literals
                .iter()
                .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_lowercase()));
        if body.contains("!ident_char") && all_words {
            words.extend(literals);
        }
    }
    for keyword in ["import", "study", "choose", "maximize", "and"] {
        assert!(
            words.contains(keyword),
            "reading {PEST_GRAMMAR} found no `{keyword}`: {words:?}"
        );
    }
    words.extend(hps::syntax::KEYWORDS.iter().map(|k| (*k).to_owned()));
    words
}

/// The units of the `duration` rule: `ms`, `s`, `m`, `h`, `d`.
fn duration_units() -> BTreeSet<String> {
    let units: BTreeSet<String> = pest_rules()
        .into_iter()
        .filter(|(name, _)| name == "duration")
        .flat_map(|(_, body)| literals(&body))
        .filter(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphabetic()))
        .collect();
    assert!(
        units.contains("ms"),
        "no duration units in {PEST_GRAMMAR}: {units:?}"
    );
    units
}

fn missing<'a>(names: impl IntoIterator<Item = &'a str>, found: &BTreeSet<String>) -> Vec<&'a str> {
    names.into_iter().filter(|n| !found.contains(*n)).collect()
}

#[test]
fn every_keyword_is_highlighted() {
    let keywords = grammar_keywords();
    let tm = tm_words(&tm_rules(), &["keyword.", "constant.language."]);
    let vim = vim_words(&vim_groups(), VIM_KEYWORD_GROUPS);
    let absent_tm = missing(keywords.iter().map(String::as_str), &tm);
    assert!(
        absent_tm.is_empty(),
        "keywords missing from the keyword rules of {TM_GRAMMAR}: {absent_tm:?}"
    );
    let absent_vim = missing(keywords.iter().map(String::as_str), &vim);
    assert!(
        absent_vim.is_empty(),
        "keywords missing from the keyword groups of {VIM_SYNTAX} ({VIM_KEYWORD_GROUPS:?}): \
         {absent_vim:?}"
    );
}

#[test]
fn every_builtin_is_highlighted_as_its_family() {
    let rules = tm_rules();
    let calls = vim_call_groups();
    let mut problems = Vec::new();
    for builtin in catalogue::all() {
        let (scope, group) = family_highlight(builtin.family);
        if !tm_call_words(&rules, scope).contains(builtin.name) {
            problems.push(format!(
                "{TM_GRAMMAR}: {} `{}(…)` is not in a call rule scoped `{scope}`",
                builtin.family.noun(),
                builtin.name
            ));
        }
        if !vim_words(&calls, &[group]).contains(builtin.name) {
            problems.push(format!(
                "{VIM_SYNTAX}: {} `{}(…)` is not in a `\\ze\\s*(` match of the group `{group}`",
                builtin.family.noun(),
                builtin.name
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_field_and_symbol_is_highlighted() {
    let rules = tm_rules();
    let groups = vim_groups();
    let mut problems = Vec::new();
    for (what, names, scope, group) in name_lists() {
        assert!(!names.is_empty(), "no {what} names");
        let absent = missing(names.iter().copied(), &tm_words(&rules, &[scope]));
        if !absent.is_empty() {
            problems.push(format!(
                "{TM_GRAMMAR}: {what}s not scoped `{scope}`: {absent:?}"
            ));
        }
        let absent = missing(names.iter().copied(), &vim_words(&groups, &[group]));
        if !absent.is_empty() {
            problems.push(format!(
                "{VIM_SYNTAX}: {what}s not in `{group}`: {absent:?}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_duration_unit_is_highlighted() {
    let units = duration_units();
    let tm = tm_words(&tm_rules(), &["keyword.other.unit.hps"]);
    let absent = missing(units.iter().map(String::as_str), &tm);
    assert!(
        absent.is_empty(),
        "{TM_GRAMMAR}: duration units missing: {absent:?}"
    );
    let vim = vim_words(&vim_groups(), &["hpsUnit"]);
    let absent = missing(units.iter().map(String::as_str), &vim);
    assert!(
        absent.is_empty(),
        "{VIM_SYNTAX}: duration units missing: {absent:?}"
    );
}

/// The words of `.hps` source outside comments and strings, each with whether a `(` follows it.
fn code_words(text: &str) -> Vec<(String, bool)> {
    let bytes = text.as_bytes();
    let mut words = Vec::new();
    let mut i = 0;
    let mut comment_depth = 0;
    while i < bytes.len() {
        let rest = &text[i..];
        if comment_depth > 0 {
            if rest.starts_with("/*") {
                comment_depth += 1;
                i += 2;
            } else if rest.starts_with("*/") {
                comment_depth -= 1;
                i += 2;
            } else {
                i += rest.chars().next().map_or(1, char::len_utf8);
            }
        } else if rest.starts_with("/*") {
            comment_depth = 1;
            i += 2;
        } else if rest.starts_with("//") {
            i += rest.find('\n').unwrap_or(rest.len());
        } else if rest.starts_with('"') {
            let mut j = 1;
            while j < rest.len() && !rest[j..].starts_with('"') && !rest[j..].starts_with('\n') {
                j += if rest[j..].starts_with('\\') { 2 } else { 1 };
            }
            i += j + 1;
        } else if rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            let len = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let called = rest[len..].trim_start_matches([' ', '\t']).starts_with('(');
            words.push((rest[..len].to_owned(), called));
            i += len;
        } else if rest.starts_with(|c: char| c.is_ascii_digit()) {
            // Skip numbers with their unit or exponent (`10m`, `1e-3`).
            let len = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
                .unwrap_or(rest.len());
            i += len;
        } else {
            i += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
    words
}

#[test]
fn examples_and_stdlib_words_are_highlighted() {
    let keywords = grammar_keywords();
    let rules = tm_rules();
    let groups = vim_groups();
    let calls = vim_call_groups();
    let tm_keywords = tm_words(&rules, &["keyword.", "constant.language."]);
    let vim_keywords = vim_words(&groups, VIM_KEYWORD_GROUPS);

    let mut sources: Vec<(String, String)> = hps::stdlib::FILES
        .iter()
        .map(|(name, text)| ((*name).to_owned(), (*text).to_owned()))
        .collect();
    let mut examples: Vec<PathBuf> = std::fs::read_dir(path("examples"))
        .expect("examples/")
        .map(|e| e.expect("examples/ entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "hps"))
        .collect();
    examples.sort();
    for file in examples {
        let text = std::fs::read_to_string(&file).expect("example");
        let name = file.file_name().expect("file name").to_string_lossy();
        sources.push((format!("examples/{name}"), text));
    }
    assert!(sources.len() >= 8, "expected the examples and the stdlib");

    let mut problems = BTreeSet::new();
    let mut seen_keywords = BTreeSet::new();
    for (name, text) in &sources {
        for (word, called) in code_words(text) {
            if keywords.contains(&word) {
                seen_keywords.insert(word.clone());
                if !tm_keywords.contains(&word) {
                    problems.insert(format!(
                        "{name}: keyword `{word}` missing from {TM_GRAMMAR}"
                    ));
                }
                if !vim_keywords.contains(&word) {
                    problems.insert(format!(
                        "{name}: keyword `{word}` missing from {VIM_SYNTAX}"
                    ));
                }
            } else if let Some(builtin) = catalogue::any_named(&word).filter(|_| called) {
                let (scope, group) = family_highlight(builtin.family);
                if !tm_call_words(&rules, scope).contains(&word) {
                    problems.insert(format!(
                        "{name}: `{word}(…)` not scoped `{scope}` in {TM_GRAMMAR}"
                    ));
                }
                if !vim_words(&calls, &[group]).contains(&word) {
                    problems.insert(format!(
                        "{name}: `{word}(…)` not in `{group}` in {VIM_SYNTAX}"
                    ));
                }
            }
        }
    }
    assert!(
        seen_keywords.len() >= 10,
        "too few keywords found in the examples: {seen_keywords:?}"
    );
    assert!(
        problems.is_empty(),
        "{}",
        problems.into_iter().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn vscode_extension_files_agree() {
    let package = json("editors/vscode/package.json");
    let grammar = json(TM_GRAMMAR);
    let configuration = json("editors/vscode/language-configuration.json");

    let language = &package["contributes"]["languages"][0];
    assert_eq!(language["id"], "hps");
    assert!(
        language["extensions"]
            .as_array()
            .is_some_and(|e| e.iter().any(|x| x == ".hps")),
        "package.json: the language must claim `.hps`"
    );
    let contributed = &package["contributes"]["grammars"][0];
    assert_eq!(contributed["language"], "hps");
    assert_eq!(contributed["scopeName"], grammar["scopeName"]);
    assert_eq!(grammar["scopeName"], "source.hps");
    let grammar_file = contributed["path"].as_str().expect("grammar path");
    assert!(
        path("editors/vscode").join(grammar_file).is_file(),
        "package.json: {grammar_file} does not exist"
    );
    let config_file = language["configuration"]
        .as_str()
        .expect("language configuration");
    assert!(path("editors/vscode").join(config_file).is_file());
    let main = package["main"].as_str().expect("package.json: main");
    assert!(
        path("editors/vscode").join(main).is_file(),
        "package.json: main {main} does not exist"
    );
    assert_eq!(
        package["contributes"]["configuration"]["properties"]["hps.path"]["default"],
        "hps"
    );
    assert!(
        package["dependencies"]["vscode-languageclient"].is_string(),
        "package.json: vscode-languageclient is a dependency"
    );

    // Comments as the pest grammar has them: `line_comment` and `block_comment`.
    let pest = pest_rules();
    let rule = |name: &str| {
        pest.iter()
            .find(|(n, _)| n == name)
            .map(|(_, body)| literals(body))
            .unwrap_or_else(|| panic!("no rule `{name}` in {PEST_GRAMMAR}"))
    };
    let line = rule("line_comment");
    let block = rule("block_comment");
    assert_eq!(configuration["comments"]["lineComment"], line[0].as_str());
    assert_eq!(
        configuration["comments"]["blockComment"][0],
        block[0].as_str()
    );
    assert_eq!(
        configuration["comments"]["blockComment"][1],
        block[1].as_str()
    );
}

#[test]
fn vim_runtime_files_exist() {
    let detect = read("editors/vim/ftdetect/hps.vim");
    assert!(detect.contains("*.hps") && detect.contains("hps"));
    let ftplugin = read("editors/vim/ftplugin/hps.vim");
    assert!(
        ftplugin.contains("commentstring=//\\ %s"),
        "ftplugin must set commentstring to `// %s`"
    );
    let indent = read("editors/vim/indent/hps.vim");
    assert!(indent.contains("indentexpr=GetHpsIndent(v:lnum)"));
    let syntax = read(VIM_SYNTAX);
    assert!(syntax.contains("let b:current_syntax = \"hps\""));
}
