//! Benchmark: `hps check` on a generated 5,000-line file. Prints the median wall time of the whole
//! command (process start to exit) and of the library check alone, and the ratio to the 100 ms target.
//! Run: `cargo bench --bench check_large`.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

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
    let exe = env!("CARGO_BIN_EXE_hps");
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
}
