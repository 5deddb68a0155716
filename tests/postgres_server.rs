//! A real PostgreSQL server for the tests, never a mock. With `HPS_TEST_POSTGRES` set (as `.ci/run`
//! sets it, to a server it started), the tests use that server; otherwise they start a throw-away
//! one with `scripts/throwaway-postgres.sh` (initdb in a temporary folder, a free local port), shared
//! by every test of the run and stopped and removed when the test binary exits. Each store the tests
//! open is a database of its own ([`fresh_database`]). A test that must restart its server (the
//! reconnection test) starts a [`Server`] of its own.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// A throw-away server, running while this value lives (and until the test binary exits).
pub struct Server {
    /// `postgres://postgres@127.0.0.1:PORT/postgres`.
    pub url: String,
    /// The cluster's data folder.
    pub data: PathBuf,
    /// The script supervising it: closing its standard input stops and removes the server.
    _script: Child,
    _stdin: ChildStdin,
}

impl Server {
    /// Starts a server on a free local port.
    ///
    /// # Panics
    /// When no PostgreSQL server can be started here: the message says how to get one.
    pub fn start() -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/throwaway-postgres.sh");
        let mut child = Command::new("bash")
            .arg(&script)
            .arg(port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("run scripts/throwaway-postgres.sh");
        let stdin = child.stdin.take().expect("piped stdin");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .expect("read the server's URL");
        let (url, data) = line.trim().split_once(' ').unwrap_or_else(|| {
            panic!(
                "no PostgreSQL server could be started for the tests (see the message above); \
                 install one (apt-get install postgresql) or set HPS_TEST_POSTGRES to a server's URL"
            )
        });
        Server {
            url: url.to_owned(),
            data: PathBuf::from(data),
            _script: child,
            _stdin: stdin,
        }
    }

    /// Restarts the server (same port, same data), as an administrator would.
    pub fn restart(&self) {
        let bin = Command::new("pg_config")
            .arg("--bindir")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_else(|| String::from("/usr/lib/postgresql/15/bin"));
        let pg_ctl = format!("{bin}/pg_ctl");
        let data = self.data.display().to_string();
        let args = ["-D", data.as_str(), "-m", "fast", "-w", "restart"];
        let status = if is_root() {
            Command::new("runuser")
                .args(["-u", "postgres", "--", pg_ctl.as_str()])
                .args(args)
                .stdout(Stdio::null())
                .status()
        } else {
            Command::new(&pg_ctl)
                .args(args)
                .stdout(Stdio::null())
                .status()
        }
        .expect("run pg_ctl");
        assert!(status.success(), "pg_ctl restart failed");
    }

    /// A new, empty database on this server: its URL.
    #[must_use]
    pub fn fresh_database(&self) -> String {
        create_database(&self.url)
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The server every test shares: `HPS_TEST_POSTGRES`, or one started for this test binary.
fn shared_url() -> &'static str {
    static SHARED: OnceLock<(String, Option<Server>)> = OnceLock::new();
    let (url, _server) = SHARED.get_or_init(|| match std::env::var("HPS_TEST_POSTGRES") {
        Ok(url) if !url.trim().is_empty() => (url, None),
        _ => {
            let server = Server::start();
            (server.url.clone(), Some(server))
        }
    });
    url
}

/// A new, empty database on the shared server: its URL.
#[must_use]
pub fn fresh_database() -> String {
    create_database(shared_url())
}

/// Creates a database on the server at `base` (a URL of any database there) and returns its URL.
fn create_database(base: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "hps_test_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    );
    let mut client = postgres::Client::connect(base, postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to the test server {base}: {e}"));
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap_or_else(|e| panic!("cannot create a test database: {e}"));
    let (server, _database) = base.rsplit_once('/').expect("a database in the URL");
    format!("{server}/{name}")
}
