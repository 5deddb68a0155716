//! AutoHAS (Dong et al.): one-shot joint search of the architecture and the hyperparameters. One
//! weight-sharing [`supernet::SuperNet`] holds every path the study's `model` can take; a
//! [`controller::Controller`] keeps a categorical distribution over each searched parameter —
//! architecture choices and `bases(…)` of continuous hyperparameters alike — and learns it by
//! REINFORCE from the reward of temporary weights on validation batches ([`search`]). The run-time
//! strategy that drives it over a study's store and budget is `crate::runtime::autohas`.

pub mod controller;
pub mod search;
pub mod state;
pub mod supernet;
