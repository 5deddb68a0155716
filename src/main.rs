//! The `hps` command: parses arguments and hands them to [`hps::cli::dispatch`].

use std::process::ExitCode;

fn main() -> ExitCode {
    hps::cli::main()
}
