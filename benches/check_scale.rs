//! Benchmark: how `hps check` grows with its input (issue 18, items 6 and 7). Generated files — a
//! `choice` of 10k, 100k and 400k values, 10 MB of valid studies, 10 MB of errors, a 10 MB one-line
//! `choice(1, 1, …)` — are each checked by the release binary; prints the median wall time of the
//! whole command and its peak memory (maximum resident set, from `/usr/bin/time` when it is there)
//! beside the input's size. Run: `cargo bench --bench check_scale`; with `HPS_BIN=path/to/hps`, that
//! binary is measured instead.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// A study over a space whose one parameter is `choice(values)`.
fn choice(values: &[String]) -> String {
    format!(
        "import \"std/nets.hps\"\n\
         dataset d = builtin(\"digits\")\n\
         space s {{\n  x = choice({})\n}}\n\
         study t {{\n  data = d\n  model = mlp(width = 8, depth = 1)\n  params = s\n\
         objective = maximize val.accuracy\n}}\n",
        values.join(", ")
    )
}

/// About `bytes` of valid blocks: a dataset, a space with a `when` and a `forbid`, a study.
fn studies(bytes: usize) -> String {
    let mut s = String::from("import \"std/nets.hps\"\n\n");
    let mut i = 0;
    while s.len() < bytes {
        let _ = write!(
            s,
            r#"dataset data_{i} = builtin("digits") | split(val = 0.2, seed = {i}) | standardize()

space recipe_{i} {{
  optimizer  = choice(sgd, adam, adamw)
  lr         = loguniform(1e-4, 3e-1)
  when optimizer == sgd {{
    momentum = uniform(0.0, 0.99)
  }}
  forbid optimizer == sgd and lr < 1e-3
}}

study study_{i} {{
  data      = data_{i}
  model     = mlp(width = choice(32, 64), depth = int(1, 4))
  train     = recipe_{i} {{ epochs = 9 }}
  scheduler = hyperband(min = 1, max = 9, eta = 3)
}}
"#
        );
        i += 1;
    }
    s
}

/// About `bytes` of spaces, each with one unknown function: one error each.
fn errors(bytes: usize) -> String {
    let mut s = String::new();
    let mut i = 0;
    while s.len() < bytes {
        let _ = writeln!(s, "space s{i} {{\n  x = foo(1)\n}}");
        i += 1;
    }
    s
}

/// The median wall time of `hps check path` and the largest peak memory (KiB) of its runs.
fn measure(exe: &str, path: &Path, runs: usize) -> (Duration, Option<u64>) {
    let time = Path::new("/usr/bin/time");
    let mut times = Vec::new();
    let mut peak = None;
    for _ in 0..runs {
        let start = Instant::now();
        let out = if time.exists() {
            Command::new(time)
                .args(["-f", "peak-kib %M", exe, "check"])
                .arg(path)
                .output()
        } else {
            Command::new(exe).arg("check").arg(path).output()
        }
        .expect("run hps");
        times.push(start.elapsed());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{}",
            &stderr[stderr.len().saturating_sub(2_000)..]
        );
        let kib = stderr
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix("peak-kib ")?.trim().parse::<u64>().ok());
        peak = peak.max(kib);
    }
    times.sort();
    (times[times.len() / 2], peak)
}

fn main() {
    let dir = std::env::temp_dir().join("hps-bench-scale");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let exe = std::env::var("HPS_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_hps").to_owned());
    let ten_mb = 10_000_000;
    let mut cases: Vec<(String, String)> = [10_000, 100_000, 400_000]
        .map(|n| {
            let values: Vec<String> = (0..n).map(|i| i.to_string()).collect();
            (format!("choice of {}k values", n / 1_000), choice(&values))
        })
        .into();
    cases.push(("10 MB of valid studies".into(), studies(ten_mb)));
    cases.push(("10 MB of errors".into(), errors(ten_mb)));
    cases.push((
        "10 MB one-line choice(1, 1, …)".into(),
        choice(&vec!["1".to_owned(); ten_mb / 3]),
    ));
    println!("hps check, median of 3 runs; peak memory is the maximum resident set");
    println!(
        "  {:<32} {:>10} {:>10} {:>12} {:>8}",
        "input", "bytes", "time", "peak memory", "÷ input"
    );
    for (i, (name, text)) in cases.iter().enumerate() {
        let path = dir.join(format!("case_{i}.hps"));
        std::fs::write(&path, text).expect("write");
        let (time, peak) = measure(&exe, &path, 3);
        let (memory, ratio) = match peak {
            Some(kib) => {
                let bytes = kib as f64 * 1024.0;
                (
                    format!("{:.0} MiB", bytes / f64::from(1 << 20)),
                    format!("{:.1}×", bytes / text.len() as f64),
                )
            }
            None => ("n/a".to_owned(), "n/a".to_owned()),
        };
        println!(
            "  {name:<32} {:>10} {:>8.0} ms {memory:>12} {ratio:>8}",
            text.len(),
            time.as_secs_f64() * 1e3
        );
    }
}
