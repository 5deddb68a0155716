//! `hps lsp` spoken to over JSON-RPC, as an editor would: initialize, open a document with a typo
//! (diagnostics with the same code and place as `hps check`), hover, completion, go to definition,
//! document symbols, formatting, close, shutdown.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{Value, json};

struct Client {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: i64,
}

impl Client {
    fn start() -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hps"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Self {
            child,
            stdin,
            stdout,
            next_id: 0,
        }
    }

    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn receive(&mut self) -> Value {
        let mut length = 0;
        loop {
            let mut line = String::new();
            assert!(
                self.stdout.read_line(&mut line).unwrap() > 0,
                "server closed"
            );
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(n) = line.strip_prefix("Content-Length: ") {
                length = n.parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        self.stdout.read_exact(&mut body).unwrap();
        serde_json::from_slice(&body).unwrap()
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and returns its result (skipping notifications in between).
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let message = self.receive();
            if message["id"] == json!(id) {
                assert!(message.get("error").is_none(), "{message}");
                return message["result"].clone();
            }
        }
    }

    /// The next `textDocument/publishDiagnostics` notification's params.
    fn diagnostics(&mut self) -> Value {
        loop {
            let message = self.receive();
            if message["method"] == "textDocument/publishDiagnostics" {
                return message["params"].clone();
            }
        }
    }
}

fn position(text: &str, needle: &str, plus: usize) -> Value {
    let offset = text.find(needle).unwrap() + plus;
    let line = text[..offset].matches('\n').count();
    let column = offset - text[..offset].rfind('\n').map_or(0, |i| i + 1);
    json!({"line": line, "character": column})
}

#[test]
fn an_editor_session() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = root.join("examples/digits_mlp.hps");
    let uri = format!("file://{}", path.display());
    let good = std::fs::read_to_string(&path).unwrap();
    let text = good.replace("hyperband(min", "hyperbnd(min");
    let mut client = Client::start();
    let init = client.request(
        "initialize",
        json!({"capabilities": {}, "processId": null, "rootUri": null}),
    );
    assert_eq!(init["serverInfo"]["name"], "hps");
    assert_eq!(init["capabilities"]["hoverProvider"], true);
    client.notify("initialized", json!({}));

    // Diagnostics: the same code, message and place as the checker's.
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "hps", "version": 1, "text": text}}),
    );
    let published = client.diagnostics();
    assert_eq!(published["uri"], json!(uri));
    let diagnostics = published["diagnostics"].as_array().unwrap();
    let checked = hps::semantic::check_text(&path.display().to_string(), &text, path.parent());
    assert_eq!(diagnostics.len(), checked.diagnostics.len(), "{published}");
    let expected = &checked.diagnostics[0];
    let got = &diagnostics[0];
    assert_eq!(got["code"], json!(expected.code.as_str()));
    assert!(
        got["message"]
            .as_str()
            .unwrap()
            .starts_with(&expected.message)
    );
    assert_eq!(got["severity"], 1);
    let start = expected.span.start();
    let line = text[..start].matches('\n').count();
    let column = start - text[..start].rfind('\n').map_or(0, |i| i + 1);
    assert_eq!(
        got["range"]["start"],
        json!({"line": line, "character": column})
    );
    assert_eq!(got["range"]["start"], position(&text, "hyperbnd", 0));
    assert_eq!(
        got["range"]["end"],
        position(&text, "hyperbnd", "hyperbnd".len())
    );

    // Fixing the typo clears them.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": good}]}),
    );
    let published = client.diagnostics();
    assert_eq!(published["diagnostics"], json!([]), "{published}");
    assert_eq!(published["version"], 2);

    // Hover over a built-in: its signature and argument table from the checker's table.
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": position(&good, "bo(init", 1)}),
    );
    let value = hover["contents"]["value"].as_str().unwrap();
    assert!(
        value.contains("bo(init = 8, acquisition = ei, kernel = matern52)"),
        "{value}"
    );
    assert!(value.contains("sampler"), "{value}");
    // Hover over a declared space: its doc comment.
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": position(&good, "recipe {", 1)}),
    );
    let value = hover["contents"]["value"].as_str().unwrap();
    assert!(
        value.contains("space `recipe`") && value.contains("Optimiser recipe"),
        "{value}"
    );

    // Completion: keywords, built-ins, and the names in scope (also from the imported stdlib).
    let completion = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}),
    );
    let labels: Vec<&str> = completion
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["label"].as_str().unwrap())
        .collect();
    for expected in [
        "study",
        "forbid",
        "hyperband",
        "loguniform",
        "svr",
        "sampler",
        "recipe",
        "digits",
        "mlp",
    ] {
        assert!(
            labels.contains(&expected),
            "{expected} missing from {labels:?}"
        );
    }

    // Go to definition: `recipe` in the study jumps to `space recipe`.
    let definition = client.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri}, "position": position(&good, "recipe { epochs", 2)}),
    );
    assert_eq!(definition["uri"], json!(uri));
    assert_eq!(
        definition["range"]["start"],
        position(&good, "recipe {\n", 0)
    );

    // Document symbols: the file's items.
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    let names: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"digits") && names.contains(&"recipe") && names.contains(&"digits_mlp"),
        "{names:?}"
    );

    // Formatting: a badly spaced document comes back as `hps fmt` would write it.
    let messy = good.replace("  seed      = 42", "seed=42");
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": messy}]}),
    );
    client.diagnostics();
    let edits = client.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 4, "insertSpaces": true}}),
    );
    let edits = edits.as_array().unwrap();
    assert_eq!(edits.len(), 1);
    assert_eq!(
        edits[0]["newText"],
        json!(hps::format::format_source(&messy).unwrap())
    );
    assert_eq!(
        edits[0]["newText"],
        json!(good),
        "the example is kept formatted"
    );

    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    assert_eq!(client.diagnostics()["diagnostics"], json!([]));
    client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
    let status = client.child.wait().unwrap();
    assert!(status.success());
}

#[test]
fn garbage_and_unknown_requests_do_not_stop_the_server() {
    let mut client = Client::start();
    client.request("initialize", json!({"capabilities": {}}));
    client.notify("initialized", json!({}));
    let uri = "untitled:x.hps";
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "hps", "version": 1, "text": "study { ((( \u{1F600}"}}),
    );
    let published = client.diagnostics();
    assert!(!published["diagnostics"].as_array().unwrap().is_empty());
    // A hover past the end of the text, on an emoji line, is answered (null), not a crash.
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 7, "character": 99}}),
    );
    assert!(hover.is_null());
    client.next_id += 1;
    let id = client.next_id;
    client
        .send(&json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/unknown", "params": {}}));
    let answer = client.receive();
    assert_eq!(answer["error"]["code"], -32601, "{answer}");
    client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
    assert!(client.child.wait().unwrap().success());
}

#[test]
fn issue_18_bad_frames_are_answered_and_the_server_goes_on() {
    let mut client = Client::start();
    client.request("initialize", json!({"capabilities": {}}));
    client.notify("initialized", json!({}));
    let mut raw = |bytes: &str| {
        client.stdin.write_all(bytes.as_bytes()).unwrap();
        client.stdin.flush().unwrap();
    };
    // Not JSON, with a right length.
    raw("Content-Length: 9\r\n\r\n{not json");
    // A length that is not a number; its body runs into the next frame.
    raw("Content-Length: ten\r\n\r\n{}");
    let first = client.receive();
    let second = client.receive();
    for reply in [&first, &second] {
        assert_eq!(reply["error"]["code"], -32700, "{reply}");
        assert_eq!(reply["id"], Value::Null, "{reply}");
    }
    assert!(
        second["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`ten` is not a number"),
        "{second}"
    );
    // The server still answers.
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": "untitled:none.hps"}}),
    );
    assert!(symbols.is_null());
    // A length far past the cap is refused without allocating it.
    client
        .stdin
        .write_all(b"Content-Length: 1000000000000\r\n\r\n")
        .unwrap();
    client.stdin.flush().unwrap();
    let refused = client.receive();
    assert_eq!(refused["error"]["code"], -32600, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("larger than"),
        "{refused}"
    );
    // Its body is read past; the end of input ends the server cleanly.
    drop(client.stdin);
    assert!(client.child.wait().unwrap().success());
}
/// Issue 18: documents that crashed the server (a stack overflow aborts the process, which no
/// handler can catch) or hung it: nesting thousands of levels deep (brackets, `when` blocks,
/// records), long flat operator chains (`+`, `and`, `not`), unclosed nested comments, a label past
/// column 65,536. Each gets its diagnostics, and the server keeps answering hover, symbols and
/// formatting requests on it.
#[test]
fn hostile_documents_get_diagnostics_and_the_server_stays_up() {
    let mut client = Client::start();
    client.request("initialize", json!({"capabilities": {}}));
    client.notify("initialized", json!({}));
    let uri = "untitled:hostile.hps";
    let too_deep = [
        format!("  x = {}1{}", "(".repeat(5_000), ")".repeat(5_000)),
        format!("  x = {}", vec!["1"; 8_400].join(" ** ")),
        format!("  x = {}1", "-".repeat(10_000)),
        format!("  forbid {}a == 1", "not ".repeat(10_000)),
        format!(
            "{}  y = 1\n{}",
            "  when a == 1 {\n".repeat(10_000),
            "  }\n".repeat(10_000)
        ),
        format!("  x = {}1{}", "{ y = ".repeat(2_600), " }".repeat(2_600)),
    ]
    .map(|body| {
        (
            format!("space s {{\n  a = choice(1, 2)\n{body}\n}}\n"),
            "hps::too_deep",
        )
    });
    let syntax = [
        format!("{}*/", "/* ".repeat(40)),
        format!("space s {{\n  x = {}@\n}}\n", " ".repeat(65_530)),
    ]
    .map(|text| (text, "hps::syntax"));
    for (version, (text, expected)) in too_deep.iter().chain(&syntax).enumerate() {
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
        let published = client.diagnostics();
        let codes: Vec<&str> = published["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, [*expected], "{published}");
        // Answered (a hover or null), not an error.
        for character in [10, 70_000] {
            client.request(
                "textDocument/hover",
                json!({"textDocument": {"uri": uri}, "position": {"line": 2, "character": character}}),
            );
        }
        client.request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri}}),
        );
        let edits = client.request(
            "textDocument/formatting",
            json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
        );
        assert!(edits.is_null(), "{edits}");
    }
    // Long flat chains are not nesting: no diagnostic, and hovers and symbols are answered.
    let chains = [
        format!("x = {}", vec!["1"; 8_400].join(" + ")),
        format!("forbid {}", vec!["a == 1"; 12_000].join(" and ")),
    ];
    for (version, chain) in chains.iter().enumerate() {
        let text = format!("space s {{\n  a = choice(1, 2)\n  {chain}\n}}\n");
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": 100 + version}, "contentChanges": [{"text": text}]}),
        );
        let published = client.diagnostics();
        assert_eq!(published["diagnostics"], json!([]), "{published}");
        client.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 2, "character": 10}}),
        );
        client.request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri}}),
        );
    }
    client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
    assert!(client.child.wait().unwrap().success());
}

/// Issue 18 item 7: after an edit the server re-parses only the item it touched and moves the
/// others; the diagnostics of each version are exactly those of a server that opens that version
/// fresh (same codes, messages and ranges), as lines are added above reused items, a syntax error
/// comes and goes, and an item is duplicated.
#[test]
fn edits_give_the_diagnostics_of_a_fresh_open() {
    let items: Vec<String> = (0..40)
        .map(|i| {
            format!("/// Space {i}.\nspace s{i} {{\n  x = uniform(0, {i})\n  y = foo{i}(1)\n}}\n")
        })
        .collect();
    let base = items.join("\n");
    let versions = [
        base.clone(),
        base.replace("uniform(0, 3)", "uniform(0, 3)\n  z = 1\n\n"),
        base.replace("uniform(0, 20)", "uniform(0, 20"),
        base.replace("uniform(0, 20)", "uniform(0, 20) + 1"),
        format!(
            "{}\n{}",
            items[5],
            base.replace("space s0 {", "space s0 {\n")
        ),
        base.replace("}\n", ""),
        base,
    ];
    let uri = "untitled:edits.hps";
    let mut editing = Client::start();
    editing.request("initialize", json!({"capabilities": {}}));
    editing.notify("initialized", json!({}));
    for (version, text) in versions.iter().enumerate() {
        editing.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
        let edited = editing.diagnostics();
        let mut fresh = Client::start();
        fresh.request("initialize", json!({"capabilities": {}}));
        fresh.notify("initialized", json!({}));
        fresh.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "hps", "version": version, "text": text}}),
        );
        let opened = fresh.diagnostics();
        assert!(
            !edited["diagnostics"].as_array().unwrap().is_empty(),
            "{edited}"
        );
        assert_eq!(edited, opened, "version {version}");
        fresh.request("shutdown", Value::Null);
        fresh.notify("exit", Value::Null);
        assert!(fresh.child.wait().unwrap().success());
    }
    editing.request("shutdown", Value::Null);
    editing.notify("exit", Value::Null);
    assert!(editing.child.wait().unwrap().success());
}
