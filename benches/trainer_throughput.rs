//! Benchmark: training throughput of hps's Candle trainer (Adam), on 1 and 2 threads: the digits MLP
//! (`mlp(width = 128, depth = 2)`) and small CNN (`small_cnn(channels = 16, blocks = 2)`, 3×3
//! kernels) on the bundled digits (1,437 training rows, batch 64), and issue 15's Fashion-MNIST CNN
//! on 6,144 of its 28×28 images (batch 128; skipped when Fashion-MNIST is not installed). Each epoch
//! trains and evaluates, as in a study. Prints one JSON line per case: `{"impl": "hps", "model", "threads",
//! "samples_per_s"}`. `benches/trainer_vs_pytorch.sh` runs this beside the same models in PyTorch.
//! It trains in the process cargo starts, which does not restart as `hps run` does
//! (`hps::trial::training_env`): the script sets the same environment.
//! `HPS_BENCH_MODEL=cnn HPS_BENCH_THREADS=2` runs that one case (to profile it alone).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use hps::space::Value;
use hps::train::data::{FASHION_MNIST_DEBIAN, FASHION_MNIST_ENV};
use hps::trial::{Control, EpochMetrics, EpochSink, Trainer, TrialRun};

struct Ignore;

impl EpochSink for Ignore {
    fn epoch(&mut self, _: &EpochMetrics) -> Control {
        Control::Continue
    }
}

/// One side-by-side case: a model on a dataset, as `benches/trainer_pytorch.py` has it too.
struct Case {
    /// The name both sides print.
    name: &'static str,
    /// The `dataset` declaration's pipeline.
    data: &'static str,
    /// Declarations beside the study (an `arch`), if any.
    decls: &'static str,
    /// The study's `model`.
    model: &'static str,
    /// Fixed values of the model's searched parameters.
    extra: &'static [(&'static str, i64)],
    batch: usize,
    /// Timed epochs, after one of warm-up.
    epochs: u32,
}

const CASES: [Case; 3] = [
    Case {
        name: "mlp",
        data: r#"builtin("digits") | split(val = 0.2, seed = 7) | standardize()"#,
        decls: "",
        model: "mlp(width = 128, depth = 2)",
        extra: &[],
        batch: 64,
        epochs: 6,
    },
    Case {
        name: "cnn",
        data: r#"builtin("digits") | split(val = 0.2, seed = 7) | standardize()"#,
        decls: "",
        model: "small_cnn(channels = 16, blocks = 2)",
        extra: &[("model.conv_1.kernel", 3)],
        batch: 64,
        epochs: 6,
    },
    // Issue 15's Fashion-MNIST CNN on the first 7,680 training images (6,144 train, 1,536 val).
    Case {
        name: "fashion_cnn",
        data: r#"builtin("fashion_mnist") | take(7680) | split(val = 0.2, seed = 7) | scale(1 / 255)"#,
        decls: "arch fashion(classes: int) {
          conv(channels = 32, kernel = 3)
          batchnorm()
          relu()
          maxpool(2)
          conv(channels = 64, kernel = 3)
          batchnorm()
          relu()
          maxpool(2)
          globalpool()
          linear(classes)
        }",
        model: "fashion(classes = 10)",
        extra: &[],
        batch: 128,
        epochs: 2,
    },
];

fn run(case: &Case, threads: usize) {
    let Case {
        name,
        data,
        decls,
        model,
        batch,
        epochs,
        ..
    } = case;
    let source = format!(
        r#"
        import "std/nets.hps"
        dataset data = {data}
        {decls}
        study bench {{
          data  = data
          model = {model}
          train = {{ optimizer = adam, lr = 0.001, batch_size = {batch}, epochs = {epochs} }}
        }}
        "#
    );
    let checked = hps::semantic::check_text("bench.hps", &source, Some(Path::new(".")));
    assert!(!checked.has_errors(), "{}", checked.render_plain(80));
    let plan = hps::lower::plan(&checked.program.studies[0], &checked.program);
    let data = hps::train::data::load(plan.data.as_ref().expect("data")).expect("data");
    let rows = data.train.len();
    let trainer = hps::train::trainer::CandleTrainer::new(&plan, &data, candle_core::Device::Cpu)
        .expect("trainer");
    let mut config = plan.search_space().complete(&BTreeMap::new());
    for (k, v) in case.extra {
        config.insert((*k).to_owned(), Value::Int(*v));
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let run = TrialRun {
        number: 0,
        config,
        seed: 1,
        max_epochs: *epochs,
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
    let samples = f64::from(*epochs) * rows as f64 / seconds;
    println!(
        r#"{{"impl": "hps", "model": "{name}", "threads": {threads}, "samples_per_s": {samples:.0}}}"#
    );
}

/// Whether the case runs: `HPS_BENCH_MODEL` (`mlp`, `cnn` or `fashion_cnn`) and `HPS_BENCH_THREADS`
/// (`1` or `2`) pick one case, for a profile or a memory measurement of it alone; unset, every case
/// runs but `fashion_cnn` when Fashion-MNIST is not installed.
fn wanted(model: &str, threads: usize) -> bool {
    let is = |name: &str, value: &str| std::env::var(name).map_or(true, |v| v == value);
    is("HPS_BENCH_MODEL", model) && is("HPS_BENCH_THREADS", &threads.to_string())
}

/// Whether Fashion-MNIST can be read (`HPS_FASHION_MNIST`, else Debian's package).
fn fashion_installed() -> bool {
    let folder = std::env::var_os(FASHION_MNIST_ENV)
        .map_or_else(|| FASHION_MNIST_DEBIAN.into(), std::path::PathBuf::from);
    folder.join("train-images-idx3-ubyte.gz").exists()
        || folder.join("train-images-idx3-ubyte").exists()
}

fn main() {
    let skip_fashion = std::env::var_os("HPS_BENCH_MODEL").is_none() && !fashion_installed();
    for threads in [1, 2] {
        for case in &CASES {
            if wanted(case.name, threads) && !(case.name == "fashion_cnn" && skip_fashion) {
                run(case, threads);
            }
        }
    }
}
