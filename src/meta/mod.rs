//! HyperSTAR (Mittal et al., CVPR 2020): a task-aware performance predictor `v = f(g(D), h(c))` that
//! scores a configuration `c` for a task `D` seen only through batches of its raw rows, trained on
//! earlier tasks, so that a new study starts from the configurations most likely to suit its data.
//!
//! - [`task`]: a task's rows as the encoder reads them, in random batches.
//! - [`network`]: the predictor — `g` a set encoder over (feature value, class) pairs, invariant to
//!   the order of rows and of columns and working for any number of features and classes; `h` an
//!   embedding of the space's encoding of a configuration; `f` a regressor; and the discriminator of
//!   the adversarial loss.
//! - [`training`]: `L_perf + α·L_sim + β·L_adv` over meta-training tasks (targets standardised per
//!   task), seeded and reproducible.
//! - [`ranking`]: the paper's Algorithm 2 — a configuration's score averaged over random batches of
//!   the new task — over every configuration of a finite space or a seeded pool of a continuous one.
//! - [`file`]: the model file (safetensors with a JSON header: the space's signature, the settings,
//!   the training tasks' sha256, scores) and its located errors.
//!
//! Used by `sampler::hyperstar` and `hps meta`.

pub mod corpus;
pub mod evaluation;
pub mod file;
pub mod network;
pub mod ranking;
pub mod task;
pub mod training;

pub use file::{MetaError, ModelFile};
pub use network::{Predictor, Settings};
pub use task::TaskRows;
