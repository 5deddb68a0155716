//! `hps dashboard` as a user meets it: the binary started on a real store (a small replayed digits
//! study, the `lookup` trainer, so it runs in a second) with `--port 0`, fetched over plain HTTP.
//! The list of studies, a study's report page and its JSON; new trials and a new study showing on
//! the next fetch; bad requests, an unknown study and a broken store answered with 4xx/5xx pages
//! while the server keeps serving.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::{hps, run_study};

fn source(study: &str, trials: u32) -> String {
    let curves = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/data/digits_curves.csv");
    format!(
        r#"import "std/nets.hps"
study {study} {{
  trial     = lookup("{}")
  model     = mlp(width = choice(16, 64, 256), depth = choice(1, 2, 3), drop = choice(0.0, 0.3))
  train     = {{ optimizer = choice(sgd, adam), lr = choice(0.001, 0.01, 0.1), epochs = 27 }}
  objective = maximize val.accuracy
  budget    {{ trials = {trials} }}
  seed      = 2
}}
"#,
        curves.display()
    )
}

/// A running `hps dashboard`, killed when dropped (a failed assertion leaks no process).
struct Dashboard {
    child: Child,
    port: u16,
    /// What it wrote to standard error after its first line.
    stderr: Arc<Mutex<String>>,
}

impl Drop for Dashboard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Dashboard {
    /// Starts `hps dashboard --storage hps.db --port 0` in `dir` and reads its port from the line
    /// it prints.
    fn start(dir: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hps"))
            .args(["dashboard", "--storage", "hps.db", "--port", "0"])
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .env_remove("HPS_STORAGE")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let first = lines.next().unwrap().unwrap();
        let mut server = Dashboard {
            child,
            port: 0,
            stderr: Arc::new(Mutex::new(String::new())),
        };
        let address = first
            .strip_prefix("serving hps.db at http://127.0.0.1:")
            .and_then(|rest| rest.strip_suffix('/'))
            .unwrap_or_else(|| panic!("unexpected first line: {first}"));
        server.port = address.parse().unwrap();
        // The rest of standard error is drained, so that the server never blocks on a full pipe.
        let sink = Arc::clone(&server.stderr);
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let mut sink = sink.lock().unwrap();
                sink.push_str(&line);
                sink.push('\n');
            }
        });
        server
    }

    /// Sends `request` as it is and returns the status and body of the answer.
    fn raw(&self, request: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).unwrap();
        let answer = String::from_utf8(answer).unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status in {head}"));
        (status, body.to_owned())
    }

    /// `method target` over HTTP/1.1, closing the connection after the answer.
    fn request(&self, method: &str, target: &str) -> (u16, String) {
        self.raw(&format!(
            "{method} {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
        ))
    }

    /// A GET that must succeed; its body.
    fn get(&self, target: &str) -> String {
        let (status, body) = self.request("GET", target);
        assert_eq!(status, 200, "GET {target}: {body}");
        body
    }

    fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

/// The whole number at `key` of a JSON object.
fn json_number(json: &str, key: &str) -> u64 {
    let value: serde_json::Value = serde_json::from_str(json).unwrap();
    value[key]
        .as_u64()
        .unwrap_or_else(|| panic!("no `{key}` in {json}"))
}

#[test]
fn the_dashboard_serves_the_studies_of_a_store_as_they_grow() {
    let dir = tempfile::tempdir().unwrap();
    run_study(dir.path(), &source("d", 3));
    let server = Dashboard::start(dir.path());

    let index = server.get("/");
    assert!(index.contains(r#"<a href="/study/d">d</a>"#), "{index}");
    assert!(index.contains("; 1 study;"), "{index}");
    assert!(index.contains("maximize val.accuracy = "), "{index}");
    assert!(index.contains(r#"http-equiv="refresh""#), "{index}");

    // The report's page, reloading itself; the name in the path is percent-decoded.
    let page = server.get("/study/%64");
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<h1>Study d</h1>"), "{page}");
    assert!(page.contains("3 trials"), "{page}");
    for section in ["summary", "history", "curves", "parallel"] {
        assert!(
            page.contains(&format!("<section id=\"{section}\">")),
            "{section}"
        );
    }
    assert!(page.contains("<svg"));
    assert!(page.contains(r#"<meta http-equiv="refresh" content="5">"#));
    assert!(page.contains(r#"<a href="/">all studies</a>"#));
    let still = server.get("/study/d?refresh=0");
    assert!(!still.contains("http-equiv"), "{still}");
    // The page `hps report` writes is the same without reloading or the link back.
    let written = hps(dir.path(), &["report", "d", "-o", "-"]);
    let written = String::from_utf8(written.stdout).unwrap();
    assert!(written.contains("<h1>Study d</h1>"));
    assert!(!written.contains("http-equiv") && !written.contains("all studies"));

    let api = server.get("/api/study/d");
    assert_eq!(json_number(&api, "trials"), 3, "{api}");
    assert!(api.contains(r#""best":{"trial":"#), "{api}");

    // The study continues with a larger budget: the next fetches show the new trials.
    run_study(dir.path(), &source("d", 5));
    assert_eq!(json_number(&server.get("/api/study/d"), "trials"), 5);
    assert!(server.get("/study/d").contains("5 trials"));
    // A second study in the same store appears in the list.
    run_study(dir.path(), &source("e", 2));
    let index = server.get("/");
    assert!(index.contains(r#"<a href="/study/e">e</a>"#), "{index}");
    assert!(index.contains("; 2 studies;"), "{index}");
    assert!(server.get("/study/e").contains("2 trials"));
}

#[test]
fn the_dashboard_refuses_bad_requests_and_survives_a_broken_store() {
    let dir = tempfile::tempdir().unwrap();
    run_study(dir.path(), &source("d", 2));
    let mut server = Dashboard::start(dir.path());

    let (status, body) = server.request("GET", "/study/nope");
    assert_eq!(status, 404);
    assert!(
        body.contains("no study `nope` in the store; studies: d"),
        "{body}"
    );
    let (status, body) = server.request("GET", "/api/study/nope");
    assert_eq!(status, 404);
    assert!(body.contains(r#""error":"#), "{body}");
    assert_eq!(server.request("GET", "/nothing/here").0, 404);
    let (status, body) = server.request("POST", "/");
    assert_eq!(status, 405);
    assert!(body.contains("read-only"), "{body}");
    assert_eq!(server.request("DELETE", "/study/d").0, 405);
    assert_eq!(server.request("GET", "/study/%zz").0, 400);
    assert_eq!(server.request("GET", "/study/%FF%FE").0, 400);
    assert_eq!(server.request("GET", "/study/d?refresh=soon").0, 400);
    assert_eq!(server.request("GET", "/study/d?x=1").0, 400);
    let long = format!("/study/{}", "d".repeat(5000));
    assert_eq!(server.request("GET", &long).0, 400);
    // Not HTTP at all: tiny_http answers, the server goes on.
    let _ = server.raw("\u{1}\u{2} nonsense\r\n\r\n");
    assert!(server.get("/").contains("/study/d"));

    // The store broken under the server: a page naming the error, then served again once repaired.
    let db = dir.path().join("hps.db");
    let saved = dir.path().join("saved.db");
    std::fs::rename(&db, &saved).unwrap();
    let (status, body) = server.request("GET", "/");
    assert_eq!(status, 500);
    assert!(body.contains("does not exist"), "{body}");
    std::fs::write(&db, "this is not a database ".repeat(100)).unwrap();
    for target in ["/", "/study/d", "/api/study/d"] {
        let (status, body) = server.request("GET", target);
        assert_eq!(status, 500, "{target}: {body}");
        assert!(body.contains("not a database"), "{target}: {body}");
    }
    std::fs::remove_file(&db).unwrap();
    std::fs::rename(&saved, &db).unwrap();
    assert!(server.get("/study/d").contains("<h1>Study d</h1>"));
    assert!(server.alive());
    let log = server.stderr.lock().unwrap().clone();
    assert!(log.contains("GET /: 500"), "{log}");
}

#[test]
fn the_dashboard_needs_a_store_and_listens_on_this_machine_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let out = hps(
        dir.path(),
        &["dashboard", "--storage", "absent.db", "--port", "0"],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("does not exist"), "{stderr}");
    assert!(!dir.path().join("absent.db").exists());
    let help = hps(dir.path(), &["dashboard", "--help"]);
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("[default: 127.0.0.1]"), "{help}");
    assert!(
        help.contains("exposes the store's studies to the network"),
        "{help}"
    );
}
