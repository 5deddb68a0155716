//! Benchmark: training throughput of hps's Candle trainer on the bundled digits (1,437 training rows,
//! batch 64, Adam), for the digits MLP (`mlp(width = 128, depth = 2)`) and the small CNN
//! (`small_cnn(channels = 16, blocks = 2)`, 3×3 kernels), on 1 and 2 threads. Each epoch trains and
//! evaluates, as in a study. Prints one JSON line per case: `{"impl": "hps", "model", "threads",
//! "samples_per_s"}`. `benches/trainer_vs_pytorch.sh` runs this beside the same models in PyTorch.
//! It trains in the process cargo starts, which does not restart as `hps run` does: Candle's
//! element-wise worker pool is on unless `CANDLE_NUM_THREADS=1` is set (the script sets it).
//! `HPS_BENCH_MODEL=cnn HPS_BENCH_THREADS=2` runs that one case (to profile it alone).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use hps::space::Value;
use hps::trial::{Control, EpochMetrics, EpochSink, Trainer, TrialRun};

struct Ignore;

impl EpochSink for Ignore {
    fn epoch(&mut self, _: &EpochMetrics) -> Control {
        Control::Continue
    }
}

const EPOCHS: u32 = 6;

fn case(model: &str, model_call: &str, extra: &[(&str, Value)], threads: usize) {
    let source = format!(
        r#"
        import "std/nets.hps"
        dataset digits = builtin("digits") | split(val = 0.2, seed = 7) | standardize()
        study bench {{
          data  = digits
          model = {model_call}
          train = {{ optimizer = adam, lr = 0.001, batch_size = 64, epochs = {EPOCHS} }}
        }}
        "#
    );
    let checked = hps::semantic::check_text("bench.hps", &source, Some(Path::new(".")));
    assert!(!checked.has_errors(), "{}", checked.render_plain(80));
    let plan = hps::lower::plan(&checked.program.studies[0], &checked.program);
    let data = hps::train::data::load(plan.data.as_ref().expect("data")).expect("digits");
    let rows = data.train.len();
    let trainer = hps::train::trainer::CandleTrainer::new(&plan, &data, candle_core::Device::Cpu)
        .expect("trainer");
    let mut config = plan.search_space().complete(&BTreeMap::new());
    for (k, v) in extra {
        config.insert((*k).to_owned(), v.clone());
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let run = TrialRun {
        number: 0,
        config,
        seed: 1,
        max_epochs: EPOCHS,
        start_epoch: 0,
        dir: dir.path().to_path_buf(),
        stop: Arc::new(AtomicBool::new(false)),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool");
    // One warm-up epoch, then the timed run.
    let warm = TrialRun {
        max_epochs: 1,
        ..run.clone()
    };
    pool.install(|| trainer.train(&warm, &mut Ignore))
        .expect("warm-up");
    let start = Instant::now();
    pool.install(|| trainer.train(&run, &mut Ignore))
        .expect("train");
    let seconds = start.elapsed().as_secs_f64();
    #[allow(clippy::cast_precision_loss)]
    let samples = f64::from(EPOCHS) * rows as f64 / seconds;
    println!(
        r#"{{"impl": "hps", "model": "{model}", "threads": {threads}, "samples_per_s": {samples:.0}}}"#
    );
}

/// Whether the case runs: `HPS_BENCH_MODEL` (`mlp` or `cnn`) and `HPS_BENCH_THREADS` (`1` or `2`)
/// pick one case, for a profile of it alone; unset, every case runs.
fn wanted(model: &str, threads: usize) -> bool {
    let is = |name: &str, value: &str| std::env::var(name).map_or(true, |v| v == value);
    is("HPS_BENCH_MODEL", model) && is("HPS_BENCH_THREADS", &threads.to_string())
}

fn main() {
    for threads in [1, 2] {
        if wanted("mlp", threads) {
            case("mlp", "mlp(width = 128, depth = 2)", &[], threads);
        }
        if wanted("cnn", threads) {
            case(
                "cnn",
                "small_cnn(channels = 16, blocks = 2)",
                &[("model.conv_1.kernel", Value::Int(3))],
                threads,
            );
        }
    }
}
