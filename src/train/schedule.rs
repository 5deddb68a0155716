//! Learning-rate schedules, per epoch: `constant`, `cosine` (to zero at the last epoch), `step`
//! (×`gamma` every `step_size` epochs), each after an optional linear `warmup`. Read by the trainer.

/// A recipe's schedule settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Schedule {
    /// Base learning rate.
    pub lr: f64,
    /// `constant`, `cosine` or `step`.
    pub kind: Kind,
    /// Epochs of linear warm-up.
    pub warmup: f64,
    /// Epochs over which cosine decays (the trial's epochs).
    pub epochs: u32,
}

/// Schedule shapes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// The base rate throughout.
    Constant,
    /// Half a cosine from the base rate to zero.
    Cosine,
    /// Multiply by `gamma` every `step_size` epochs.
    Step {
        /// Epochs between decays.
        step_size: u32,
        /// Factor per decay.
        gamma: f64,
    },
}

impl Schedule {
    /// The learning rate during `epoch` (0-based).
    #[must_use]
    pub fn lr_at(&self, epoch: u32) -> f64 {
        let e = f64::from(epoch);
        let shaped = match self.kind {
            Kind::Constant => self.lr,
            Kind::Cosine => {
                let total = f64::from(self.epochs.max(1));
                self.lr * 0.5 * (1.0 + (std::f64::consts::PI * e / total).cos())
            }
            Kind::Step { step_size, gamma } => {
                self.lr * gamma.powi(i32::try_from(epoch / step_size.max(1)).unwrap_or(i32::MAX))
            }
        };
        if self.warmup > 0.0 && e < self.warmup {
            shaped * (e + 1.0) / (self.warmup + 1.0)
        } else {
            shaped
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let s = |kind| Schedule {
            lr: 0.1,
            kind,
            warmup: 0.0,
            epochs: 10,
        };
        assert!((s(Kind::Constant).lr_at(7) - 0.1).abs() < 1e-12);
        assert!((s(Kind::Cosine).lr_at(0) - 0.1).abs() < 1e-12);
        assert!((s(Kind::Cosine).lr_at(5) - 0.05).abs() < 1e-12);
        assert!(
            (s(Kind::Step {
                step_size: 3,
                gamma: 0.5
            })
            .lr_at(7)
                - 0.025)
                .abs()
                < 1e-12
        );
        let warm = Schedule {
            lr: 0.1,
            kind: Kind::Constant,
            warmup: 3.0,
            epochs: 10,
        };
        assert!(warm.lr_at(0) < warm.lr_at(1) && warm.lr_at(2) < warm.lr_at(3));
        assert!((warm.lr_at(3) - 0.1).abs() < 1e-12);
    }
}
