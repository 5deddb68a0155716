//! `dropout(p)`: while training, each value is zeroed with probability p and the others scaled by
//! 1/(1 − p); evaluation passes the input through. Masks are drawn from the training pass's seeded
//! RNG ([`Mode::Train`]), not Candle's generator, which cannot be seeded.

use candle_core::Tensor;
use rand::Rng;

use crate::space::Value;

use super::{Args, Layer, LayerKind, Mode, Weights};

/// The `dropout` kind.
pub struct DropoutKind;

/// A built dropout layer.
pub struct Dropout {
    /// The drop probability.
    p: f32,
}

impl LayerKind for DropoutKind {
    fn name(&self) -> &'static str {
        "dropout"
    }

    fn build(
        &self,
        args: &Args,
        _input: &[usize],
        _name: &str,
        _weights: &mut Weights<'_>,
    ) -> candle_core::Result<Box<dyn Layer>> {
        #[allow(clippy::cast_possible_truncation)]
        let p = args.get("p").and_then(Value::as_f64).unwrap_or(0.0) as f32;
        Ok(Box::new(Dropout { p }))
    }
}

impl Layer for Dropout {
    fn forward(&self, x: &Tensor, mode: &mut Mode<'_>) -> candle_core::Result<Tensor> {
        match mode {
            Mode::Train(rng) if self.p > 0.0 => {
                let keep = 1.0 - self.p;
                let mask: Vec<f32> = (0..x.elem_count())
                    .map(|_| {
                        if rng.random::<f32>() < keep {
                            1.0 / keep
                        } else {
                            0.0
                        }
                    })
                    .collect();
                x.mul(&Tensor::from_vec(mask, x.shape(), x.device())?)
            }
            _ => Ok(x.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use candle_core::Device;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    #[test]
    fn drops_only_while_training_and_keeps_the_expected_sum() {
        let x = Tensor::ones(1000, candle_core::DType::F32, &Device::Cpu).unwrap();
        let dropout = Dropout { p: 0.5 };
        let eval = dropout.forward(&x, &mut Mode::Eval).unwrap();
        assert_eq!(eval.to_vec1::<f32>().unwrap(), vec![1.0; 1000]);
        let mut rng = StdRng::seed_from_u64(0);
        let train = dropout
            .forward(&x, &mut Mode::Train(&mut rng))
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        let zeros = train.iter().filter(|v| **v == 0.0).count();
        assert!((400..600).contains(&zeros), "{zeros} of 1000 dropped");
        assert!(train.iter().all(|v| *v == 0.0 || *v == 2.0));
    }
}
