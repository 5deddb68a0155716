//! Benchmark: `hps check` on a generated 5,000-line file. Prints the median wall time of the whole
//! command (process start to exit) and of the library check alone, and the ratio to the 100 ms target;
//! then the language server's re-check after an edit of one item (`didChange` sent to its diagnostics
//! published), and the ratio to the 50 ms target. Run: `cargo bench --bench check_large`; with
//! `HPS_BIN=path/to/hps`, the command and the server measured are that binary (another build).

use std::fmt::Write as _;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A file of `blocks` datasets, spaces, architectures and studies, about 20 lines each.
fn generate(blocks: usize) -> String {
    let mut s = String::from("import \"std/nets.hps\"\n\n");
    for i in 0..blocks {
        let _ = write!(
            s,
            r#"/// Block {i}.
dataset data_{i} = builtin("digits") | split(val = 0.2, seed = {i}) | standardize()

space recipe_{i} {{
  optimizer  = choice(sgd, adam, adamw)
  lr         = loguniform(1e-4, 3e-1)
  batch_size = choice(32, 64, 128)
  when optimizer == sgd {{
    momentum = uniform(0.0, 0.99)
  }}
  forbid optimizer == sgd and lr < 1e-3
}}

study study_{i} {{
  data      = data_{i}
  model     = mlp(width = choice(32, 64, 128), depth = int(1, 4), act = choice(relu, gelu))
  train     = recipe_{i} {{ epochs = 27 }}
  budget    {{ trials = 60, time = 10m }}
  scheduler = hyperband(min = 1, max = 27, eta = 3)
  seed      = {i}
}}
"#
        );
    }
    s
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let dir = std::env::temp_dir().join("hps-bench-check");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("large.hps");
    let text = generate(250);
    let lines = text.lines().count();
    std::fs::write(&path, &text).expect("write");
    let exe = std::env::var("HPS_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_hps").to_owned());
    let exe = exe.as_str();
    let runs = 15;

    let command: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            let out = Command::new(exe)
                .args(["check", path.to_str().expect("utf-8 path")])
                .output()
                .expect("run hps");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            start.elapsed()
        })
        .collect();
    let library: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            let checked =
                hps::semantic::check_paths(&[Path::new(&path).to_path_buf()]).expect("check");
            assert!(!checked.has_errors());
            start.elapsed()
        })
        .collect();
    let (command, library) = (median(command), median(library));
    let target = Duration::from_millis(100);
    println!(
        "hps check on a generated file: {lines} lines, {} bytes, median of {runs} runs",
        text.len()
    );
    println!(
        "  whole command   {:>8.2} ms   ({:.2}× the 100 ms target)",
        command.as_secs_f64() * 1e3,
        command.as_secs_f64() / target.as_secs_f64()
    );
    println!("  library check   {:>8.2} ms", library.as_secs_f64() * 1e3);
    let recheck = lsp_recheck(exe, &text, runs);
    println!(
        "  lsp re-check    {:>8.2} ms   ({:.2}× the 50 ms target; an edit of one item)",
        recheck.as_secs_f64() * 1e3,
        recheck.as_secs_f64() / 0.05
    );
}

/// `hps lsp` spoken to over stdio, as an editor would.
struct Server {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Server {
    fn start(exe: &str) -> Self {
        let mut child = Command::new(exe)
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start hps lsp");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Self {
            child,
            stdin,
            stdout,
        }
    }

    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("send");
        self.stdin.flush().expect("flush");
    }

    fn receive(&mut self) -> Value {
        let mut length = 0;
        loop {
            let mut line = String::new();
            self.stdout.read_line(&mut line).expect("read");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(n) = line.strip_prefix("Content-Length: ") {
                length = n.parse().expect("length");
            }
        }
        let mut body = vec![0; length];
        self.stdout.read_exact(&mut body).expect("body");
        serde_json::from_slice(&body).expect("json")
    }

    /// Waits for the diagnostics of `version`.
    fn published(&mut self, version: i64) {
        loop {
            let message = self.receive();
            if message["method"] == "textDocument/publishDiagnostics"
                && message["params"]["version"] == json!(version)
            {
                return;
            }
        }
    }
}

/// The median time from a `didChange` that edits one item of `text` to its diagnostics.
fn lsp_recheck(exe: &str, text: &str, runs: usize) -> Duration {
    let mut server = Server::start(exe);
    let uri = "untitled:large.hps";
    server.send(&json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"capabilities": {}, "processId": null, "rootUri": null}}));
    server.receive();
    server.send(&json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
    server.send(
        &json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params":
        {"textDocument": {"uri": uri, "languageId": "hps", "version": 0, "text": text}}}),
    );
    server.published(0);
    let times: Vec<Duration> = (1..=runs)
        .map(|version| {
            // A new seed in the middle study: the edit every tuning session makes.
            let edited = text.replace("  seed      = 125\n", &format!("  seed      = {version}\n"));
            assert_ne!(edited, text);
            let start = Instant::now();
            server.send(
                &json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"text": edited}]}}),
            );
            server.published(i64::try_from(version).expect("version"));
            start.elapsed()
        })
        .collect();
    server.send(&json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": null}));
    server.receive();
    server.send(&json!({"jsonrpc": "2.0", "method": "exit", "params": null}));
    let _ = server.child.wait();
    median(times)
}
