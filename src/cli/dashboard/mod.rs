//! `hps dashboard [--storage URL] [--port 8080] [--host 127.0.0.1]`: a local web server over a
//! study store — the list of studies at `/`, each study's report at `/study/NAME` reloading itself
//! every few seconds while the study runs, its counts as JSON at `/api/study/NAME`. Read-only: the
//! store is opened read-only for every request ([`pages`]) and never written. One thread answers the
//! requests in turn ([`tiny_http`]); a request that fails, even by a panic, is answered with an
//! error page and the server goes on. [`route`] parses requests.

mod pages;
mod route;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::ExitCode;

use clap::Args;

use crate::cli::output::errln;
use crate::cli::tables::{open_store, store_url};
use crate::storage::postgres::hide_password;
use crate::storage::unix_now;
use pages::Reply;

/// Arguments of `hps dashboard`.
#[derive(Debug, Args)]
pub struct DashboardArgs {
    /// The study store: a file (`PATH`, `sqlite://PATH`) or a server (`postgres://USER:PASS@HOST/DB`).
    #[arg(long, default_value = "hps.db", env = "HPS_STORAGE", value_parser = store_url)]
    pub storage: String,
    /// The port to listen on; 0 picks a free one (the line printed at the start says which).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// The address to listen on. The default serves this machine only; any other (`0.0.0.0`, a
    /// network address) exposes the store's studies to the network, read-only but to anyone who
    /// can reach the port, without authentication.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub host: IpAddr,
}

/// Runs `hps dashboard` until it is interrupted. Exit codes: 1 when the store cannot be opened at
/// the start, the address cannot be listened on, or the server stops accepting connections.
pub fn run(args: &DashboardArgs) -> ExitCode {
    // A store that is not there is an error at the start, as for the other reading commands.
    if open_store(&args.storage).is_none() {
        return ExitCode::from(1);
    }
    let server = match tiny_http::Server::http(SocketAddr::new(args.host, args.port)) {
        Ok(server) => server,
        Err(e) => {
            errln!("error: cannot listen on {}:{}: {e}", args.host, args.port);
            return ExitCode::from(1);
        }
    };
    let address = server
        .server_addr()
        .to_ip()
        .unwrap_or_else(|| SocketAddr::new(args.host, args.port));
    if !args.host.is_loopback() {
        errln!(
            "warning: --host {} exposes the store's studies to the network, to anyone who can reach port {}",
            args.host,
            address.port()
        );
    }
    errln!(
        "serving {} at http://{address}/",
        hide_password(&args.storage)
    );
    loop {
        match server.recv() {
            Ok(request) => serve(request, &args.storage),
            Err(e) => {
                errln!("error: the server stopped accepting connections: {e}");
                return ExitCode::from(1);
            }
        }
    }
}

/// Answers one request; nothing that goes wrong here ends the server.
fn serve(request: tiny_http::Request, storage: &str) {
    let reply = match route::route(request.method().as_str(), request.url()) {
        Err(refusal) => pages::refused(&refusal),
        Ok(route) => catch_unwind(AssertUnwindSafe(|| {
            pages::answer(storage, &route, unix_now())
        }))
        .unwrap_or_else(|_| {
            pages::error_page(
                500,
                "hps failed while answering this request (a bug: the message is on the server's standard error)",
            )
        }),
    };
    if reply.status >= 500 {
        errln!(
            "error: {} {}: {} {}",
            request.method(),
            request.url(),
            reply.status,
            reply.error.as_deref().unwrap_or("")
        );
    }
    // A client that went away before its answer is no error of the server's.
    let _ = request.respond(response(reply));
}

fn response(reply: Reply) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let status = reply.status;
    let mut response = tiny_http::Response::from_string(reply.body).with_status_code(status);
    let mut headers = vec![
        ("Content-Type", reply.content_type),
        // Every answer is read from the store as it is now.
        ("Cache-Control", "no-store"),
    ];
    if status == 405 {
        headers.push(("Allow", "GET, HEAD"));
    }
    for (name, value) in headers {
        if let Ok(header) = tiny_http::Header::from_bytes(name, value) {
            response.add_header(header);
        }
    }
    response
}
