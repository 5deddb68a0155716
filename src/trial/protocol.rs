//! The epoch protocol: the one piece of code that decides, around each epoch, whether a trial trains
//! on — so that every trainer (hps's own, an external command, recorded curves, a closure) pauses,
//! stops and resumes the same way. A trainer asks [`EpochProtocol::next`] before each epoch and hands
//! each finished epoch to [`EpochProtocol::report`]; when it stops by itself (a program exits, a
//! closure returns, a recorded curve ends) [`EpochProtocol::finish`] says how the trial ended.
//!
//! The semantics, for a trial asked to train epochs `start_epoch + 1 ..= max_epochs`:
//!
//! - **Interrupt** (the run's stop flag, Ctrl-C) is looked at between epochs only: an epoch in
//!   progress always finishes and is recorded. Set before the first epoch, nothing is trained. The
//!   trial ends [`TrialEnd::Interrupted`] with the epochs trained so far, and resumes from them.
//! - **Pause** (the sink's answer after an epoch: a rung's end, a stopping rule; or before one: the
//!   budget has no epoch left) ends the trial [`TrialEnd::Paused`] with the epochs trained.
//! - **Completion**: reporting epoch `max_epochs` ends the trial [`TrialEnd::Completed`]; a trainer
//!   that stops earlier by itself completes with the epochs it reported.
//! - An epoch not after the last one reported is ignored: it is not recorded. A trainer asked to go
//!   on after `start_epoch > 0` whose first reports are epochs up to `start_epoch` again (a program
//!   that does not resume, and trains from scratch at every promotion) has trained them again: each
//!   is told to the sink once ([`EpochSink::retrained`]), which pays for it and may pause the trial.
//! - Every end carries the epochs trained in total, `start_epoch` included.

use std::sync::atomic::Ordering;

use super::{Control, EpochMetrics, EpochSink, TrialEnd, TrialRun};

/// One trial's epochs, as its trainer reports them.
pub struct EpochProtocol<'a> {
    run: &'a TrialRun,
    sink: &'a mut dyn EpochSink,
    /// Epochs trained in total (`start_epoch` plus those reported).
    epochs: u32,
    /// How the trial ended, once it has.
    end: Option<TrialEnd>,
    /// The last epoch up to `start_epoch` reported again (0: none).
    retrained: u32,
}

impl<'a> EpochProtocol<'a> {
    /// The protocol of `run`, reporting to `sink`.
    pub fn new(run: &'a TrialRun, sink: &'a mut dyn EpochSink) -> Self {
        Self {
            run,
            sink,
            epochs: run.start_epoch,
            end: None,
            retrained: 0,
        }
    }

    /// Epochs trained in total so far.
    #[must_use]
    pub fn epochs(&self) -> u32 {
        self.epochs
    }

    /// Whether an epoch has been reported (beyond `start_epoch`).
    #[must_use]
    pub fn reported_any(&self) -> bool {
        self.epochs > self.run.start_epoch
    }

    /// Before an epoch: `None` to train it, or how the trial ends — it already ended, the stop
    /// flag is set, `max_epochs` are trained, or the sink refuses the epoch (the budget).
    pub fn before_epoch(&mut self) -> Option<TrialEnd> {
        if self.end.is_none() {
            let next = self.epochs + 1;
            if self.run.stop.load(Ordering::SeqCst) {
                self.end = Some(TrialEnd::Interrupted {
                    epochs: self.epochs,
                });
            } else if self.epochs >= self.run.max_epochs {
                self.end = Some(TrialEnd::Completed {
                    epochs: self.epochs,
                });
            } else if self.sink.before_epoch(next) == Control::Pause {
                self.end = Some(TrialEnd::Paused {
                    epochs: self.epochs,
                });
            }
        }
        self.end
    }

    /// While a program trains on its own: `Some` once the trial has ended or the stop flag is set
    /// (the trainer then ends the program).
    pub fn interrupted(&mut self) -> Option<TrialEnd> {
        if self.end.is_none() && self.run.stop.load(Ordering::SeqCst) {
            self.end = Some(TrialEnd::Interrupted {
                epochs: self.epochs,
            });
        }
        self.end
    }

    /// After an epoch: records it and says whether the trial ends now (paused by the sink, or its
    /// last epoch). An epoch not after the last one reported is ignored.
    pub fn report(&mut self, metrics: EpochMetrics) -> Option<TrialEnd> {
        if self.end.is_some() {
            return self.end;
        }
        if metrics.epoch <= self.epochs {
            let started_over = !self.reported_any()
                && metrics.epoch <= self.run.start_epoch
                && metrics.epoch > self.retrained;
            if started_over {
                self.retrained = metrics.epoch;
                if self.sink.retrained(metrics.epoch, self.run.start_epoch) == Control::Pause {
                    self.end = Some(TrialEnd::Paused {
                        epochs: self.epochs,
                    });
                }
            }
            return self.end;
        }
        let epoch = metrics.epoch;
        self.epochs = epoch;
        if self.sink.epoch(&metrics) == Control::Pause {
            self.end = Some(TrialEnd::Paused { epochs: epoch });
        } else if epoch >= self.run.max_epochs {
            self.end = Some(TrialEnd::Completed { epochs: epoch });
        }
        self.end
    }

    /// How the trial ended once its trainer stopped by itself: as decided, or complete with the
    /// epochs reported.
    #[must_use]
    pub fn finish(&self) -> TrialEnd {
        self.end.unwrap_or(TrialEnd::Completed {
            epochs: self.epochs,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::PathBuf;
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;

    use super::*;

    /// Records epochs; pauses at `pause_at`; sets the stop flag at `stop_at`.
    struct Sink {
        seen: Vec<u32>,
        pause_at: Option<u32>,
        stop_at: Option<(u32, Arc<AtomicBool>)>,
    }

    impl EpochSink for Sink {
        fn epoch(&mut self, metrics: &EpochMetrics) -> Control {
            self.seen.push(metrics.epoch);
            if let Some((at, flag)) = &self.stop_at {
                if *at == metrics.epoch {
                    flag.store(true, Ordering::SeqCst);
                }
            }
            if self.pause_at == Some(metrics.epoch) {
                Control::Pause
            } else {
                Control::Continue
            }
        }
    }

    fn run(start: u32, max: u32) -> TrialRun {
        TrialRun {
            number: 0,
            config: BTreeMap::new(),
            seed: 0,
            max_epochs: max,
            start_epoch: start,
            dir: PathBuf::new(),
            stop: Arc::new(AtomicBool::new(false)),
        }
    }

    fn epoch(epoch: u32) -> EpochMetrics {
        EpochMetrics {
            epoch,
            values: BTreeMap::new(),
        }
    }

    /// A trainer that trains until the protocol says stop.
    fn train(run: &TrialRun, sink: &mut Sink) -> TrialEnd {
        let mut protocol = EpochProtocol::new(run, sink);
        loop {
            if let Some(end) = protocol.before_epoch() {
                return end;
            }
            let next = protocol.epochs() + 1;
            if let Some(end) = protocol.report(epoch(next)) {
                return end;
            }
        }
    }

    fn sink() -> Sink {
        Sink {
            seen: Vec::new(),
            pause_at: None,
            stop_at: None,
        }
    }

    #[test]
    fn a_trial_completes_at_its_last_epoch_and_resumes_after_its_first() {
        let mut s = sink();
        assert_eq!(train(&run(0, 3), &mut s), TrialEnd::Completed { epochs: 3 });
        assert_eq!(s.seen, [1, 2, 3]);
        let mut s = sink();
        assert_eq!(train(&run(2, 4), &mut s), TrialEnd::Completed { epochs: 4 });
        assert_eq!(s.seen, [3, 4]);
    }

    #[test]
    fn a_pause_ends_the_trial_at_that_epoch() {
        let mut s = Sink {
            pause_at: Some(2),
            ..sink()
        };
        assert_eq!(train(&run(0, 4), &mut s), TrialEnd::Paused { epochs: 2 });
        assert_eq!(s.seen, [1, 2]);
    }

    #[test]
    fn the_stop_flag_is_read_between_epochs_only() {
        let trial = run(0, 4);
        let mut s = Sink {
            stop_at: Some((2, Arc::clone(&trial.stop))),
            ..sink()
        };
        assert_eq!(train(&trial, &mut s), TrialEnd::Interrupted { epochs: 2 });
        assert_eq!(s.seen, [1, 2]);
        // Set before the first epoch: nothing trains.
        let trial = run(1, 4);
        trial.stop.store(true, Ordering::SeqCst);
        let mut s = sink();
        assert_eq!(train(&trial, &mut s), TrialEnd::Interrupted { epochs: 1 });
        assert!(s.seen.is_empty());
        // At the last epoch the trial is complete, not interrupted.
        let trial = run(0, 2);
        let mut s = Sink {
            stop_at: Some((2, Arc::clone(&trial.stop))),
            ..sink()
        };
        assert_eq!(train(&trial, &mut s), TrialEnd::Completed { epochs: 2 });
    }

    #[test]
    fn repeated_epochs_are_ignored_and_a_trainer_may_stop_early() {
        let trial = run(1, 5);
        let mut s = sink();
        let mut protocol = EpochProtocol::new(&trial, &mut s);
        assert_eq!(protocol.report(epoch(1)), None);
        assert!(!protocol.reported_any());
        assert_eq!(protocol.report(epoch(2)), None);
        assert_eq!(protocol.report(epoch(2)), None);
        assert_eq!(protocol.report(epoch(3)), None);
        assert!(protocol.reported_any());
        assert_eq!(protocol.finish(), TrialEnd::Completed { epochs: 3 });
        assert_eq!(s.seen, [2, 3]);
    }

    /// Counts the epochs it is told were trained again; pauses at `pause_at` of them.
    struct Retrains {
        retrained: Vec<(u32, u32)>,
        pause_at: Option<u32>,
    }

    impl EpochSink for Retrains {
        fn epoch(&mut self, _: &EpochMetrics) -> Control {
            Control::Continue
        }

        fn retrained(&mut self, epoch: u32, start_epoch: u32) -> Control {
            self.retrained.push((epoch, start_epoch));
            if self.pause_at == Some(epoch) {
                Control::Pause
            } else {
                Control::Continue
            }
        }
    }

    #[test]
    fn a_trainer_that_starts_over_is_told_once_per_epoch_trained_again() {
        // Asked to go on after epoch 3, it reports 1, 2, 3 again (a repeat of 2 is one epoch),
        // then 4 and 5.
        let trial = run(3, 5);
        let mut s = Retrains {
            retrained: Vec::new(),
            pause_at: None,
        };
        let mut protocol = EpochProtocol::new(&trial, &mut s);
        for e in [1, 2, 2, 3, 4] {
            assert_eq!(protocol.report(epoch(e)), None);
        }
        // Repeats after the first new epoch are not a restart.
        assert_eq!(protocol.report(epoch(2)), None);
        assert_eq!(
            protocol.report(epoch(5)),
            Some(TrialEnd::Completed { epochs: 5 })
        );
        assert_eq!(s.retrained, [(1, 3), (2, 3), (3, 3)]);
        // From scratch, nothing is trained again; the sink may refuse to pay.
        let mut s = Retrains {
            retrained: Vec::new(),
            pause_at: Some(2),
        };
        let trial = run(3, 5);
        let mut protocol = EpochProtocol::new(&trial, &mut s);
        assert_eq!(protocol.report(epoch(1)), None);
        assert_eq!(
            protocol.report(epoch(2)),
            Some(TrialEnd::Paused { epochs: 3 })
        );
        let mut s = Retrains {
            retrained: Vec::new(),
            pause_at: None,
        };
        let trial = run(0, 2);
        let mut protocol = EpochProtocol::new(&trial, &mut s);
        protocol.report(epoch(1));
        protocol.report(epoch(1));
        assert!(s.retrained.is_empty());
    }
}
