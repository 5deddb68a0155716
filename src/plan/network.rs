//! Instantiates an architecture for one configuration: the concrete layer tree with every layer's
//! arguments, shapes and trainable parameters ([`Concrete`], what the trainer builds in Candle), the
//! table the plan shows ([`Network`]), and the smallest and largest networks a study's space allows.
//! Used by `crate::lower` (the plan's networks), the trainer (what it builds) and the `svr` stopping
//! rule (network size as a feature).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::plan::model::{LayerName, LayerNode, Model, OUTPUTS};
use crate::space::{Config, Distribution, SearchSpace, Term, Value};

/// One layer as the plan shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerRow {
    /// The layer with its arguments: `conv(channels = 16, kernel = 3)`.
    pub layer: String,
    /// Output shape of one example.
    pub output: Vec<usize>,
    /// Trainable parameters.
    pub params: u64,
}

/// A network for one configuration, as the plan shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Network {
    /// The model parameters of this configuration.
    pub config: BTreeMap<String, Value>,
    /// The layers in order (structures unrolled).
    pub layers: Vec<LayerRow>,
    /// Total trainable parameters.
    pub parameters: u64,
}

/// A layer of one configuration, with concrete arguments and shapes: what the trainer builds.
#[derive(Debug, Clone, PartialEq)]
pub enum Concrete {
    /// A built-in layer.
    Layer {
        /// Its name: `linear`, `conv`, `relu`, ….
        name: String,
        /// Its arguments (defaults filled).
        args: BTreeMap<String, Value>,
        /// Input shape of one example.
        input: Vec<usize>,
        /// Output shape of one example.
        output: Vec<usize>,
        /// Trainable parameters.
        params: u64,
    },
    /// `residual { … }`: the body's output plus the input, projected by a 1×1 convolution (images) or
    /// a linear layer (features) when the channel or feature count changes.
    Residual {
        /// The layers.
        body: Vec<Concrete>,
        /// Input shape.
        input: Vec<usize>,
        /// Output shape.
        output: Vec<usize>,
    },
}

/// The concrete layers of `model` for `config` (model parameters and fixed values, by full path).
///
/// # Errors
/// When a layer does not fit its input (a `linear` on an image without `flatten`, a pool larger than
/// the image, a residual block that changes the image size).
pub fn instantiate(
    body: &[LayerNode],
    model: &Model,
    config: &Config,
    input: &[usize],
    outputs: usize,
) -> Result<Vec<Concrete>, String> {
    let lookup = |local: &str| -> Option<Value> {
        if local == OUTPUTS {
            return Some(Value::Int(i64::try_from(outputs).unwrap_or(i64::MAX)));
        }
        let term = model.bindings.get(local)?;
        term.eval(&|name| config.get(name).cloned())
    };
    let walker = Walker { lookup: &lookup };
    let mut layers = Vec::new();
    walker.nodes(body, input.to_vec(), &mut layers)?;
    Ok(layers)
}

/// The network of `model` for `config`, as the plan shows it.
///
/// # Errors
/// As [`instantiate`].
pub fn build(
    body: &[LayerNode],
    model: &Model,
    config: &Config,
    input: &[usize],
    outputs: usize,
) -> Result<Network, String> {
    let concrete = instantiate(body, model, config, input, outputs)?;
    let mut layers = Vec::new();
    rows(&concrete, &mut layers);
    let parameters = layers.iter().map(|l| l.params).sum();
    let config = config
        .iter()
        .filter(|(k, _)| k.starts_with("model."))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Ok(Network {
        config,
        layers,
        parameters,
    })
}

/// Flattens concrete layers into table rows.
fn rows(layers: &[Concrete], out: &mut Vec<LayerRow>) {
    for layer in layers {
        match layer {
            Concrete::Layer {
                name,
                args,
                output,
                params,
                ..
            } => out.push(LayerRow {
                layer: describe(name, args),
                output: output.clone(),
                params: *params,
            }),
            Concrete::Residual {
                body,
                input,
                output,
            } => {
                rows(body, out);
                if input != output {
                    out.push(LayerRow {
                        layer: String::from("projection(1×1)"),
                        output: output.clone(),
                        params: projection_params(input, output),
                    });
                }
                out.push(LayerRow {
                    layer: String::from("add(residual)"),
                    output: output.clone(),
                    params: 0,
                });
            }
        }
    }
}

/// Parameters of the projection a residual block needs when its channel or feature count changes.
#[must_use]
pub fn projection_params(input: &[usize], output: &[usize]) -> u64 {
    let (cin, cout) = (input[0], output[0]);
    (cin * cout + cout) as u64
}

/// Pixels a `padding = same` convolution adds on each side: `kernel / 2` (the output keeps the
/// input's size for odd kernels at stride 1).
#[must_use]
pub fn same_padding(kernel: usize) -> usize {
    kernel / 2
}

/// Pixels of padding on each side for a convolution's `padding` argument.
#[must_use]
pub fn padding_of(args: &BTreeMap<String, Value>, kernel: usize) -> usize {
    match args.get("padding") {
        Some(Value::Int(p)) => usize::try_from(*p).unwrap_or(0),
        Some(Value::Str(s)) if s == "valid" => 0,
        _ => same_padding(kernel),
    }
}

struct Walker<'a> {
    lookup: &'a dyn Fn(&str) -> Option<Value>,
}

fn as_usize(v: &Value) -> Option<usize> {
    v.as_i64().and_then(|i| usize::try_from(i).ok())
}

impl Walker<'_> {
    fn eval(&self, term: &Term) -> Option<Value> {
        term.eval(self.lookup)
    }

    fn nodes(
        &self,
        nodes: &[LayerNode],
        mut shape: Vec<usize>,
        out: &mut Vec<Concrete>,
    ) -> Result<Vec<usize>, String> {
        for node in nodes {
            shape = self.node(node, shape, out)?;
        }
        Ok(shape)
    }

    fn node(
        &self,
        node: &LayerNode,
        shape: Vec<usize>,
        out: &mut Vec<Concrete>,
    ) -> Result<Vec<usize>, String> {
        match node {
            LayerNode::Op { layer, args } => {
                let name = match layer {
                    LayerName::Fixed(n) => n.clone(),
                    LayerName::From(t) => self
                        .eval(t)
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .ok_or("an activation has no value")?,
                };
                let args: BTreeMap<String, Value> = args
                    .iter()
                    .filter_map(|(k, t)| self.eval(t).map(|v| (k.clone(), v)))
                    .collect();
                let (output, params) = layer_shape(&name, &args, &shape)?;
                out.push(Concrete::Layer {
                    name,
                    args,
                    input: shape,
                    output: output.clone(),
                    params,
                });
                Ok(output)
            }
            LayerNode::Repeat { count, body } => {
                let n = self
                    .eval(count)
                    .as_ref()
                    .and_then(as_usize)
                    .ok_or("`repeat` has no count")?;
                let mut shape = shape;
                for _ in 0..n {
                    shape = self.nodes(body, shape, out)?;
                }
                Ok(shape)
            }
            LayerNode::Residual { body } => {
                let mut inner = Vec::new();
                let output = self.nodes(body, shape.clone(), &mut inner)?;
                if output.len() != shape.len() || (output.len() == 3 && output[1..] != shape[1..]) {
                    return Err(format!(
                        "a residual block turns {shape:?} into {output:?}; it may change only the channels or features"
                    ));
                }
                out.push(Concrete::Residual {
                    body: inner,
                    input: shape,
                    output: output.clone(),
                });
                Ok(output)
            }
            LayerNode::Choose {
                choice,
                alternatives,
            } => {
                let index = (self.lookup)(choice)
                    .as_ref()
                    .and_then(as_usize)
                    .unwrap_or(0);
                let alternative = alternatives
                    .get(index)
                    .ok_or("`choose` picked no alternative")?;
                self.nodes(alternative, shape, out)
            }
        }
    }
}

fn describe(name: &str, args: &BTreeMap<String, Value>) -> String {
    if args.is_empty() {
        return format!("{name}()");
    }
    let parts: Vec<String> = args.iter().map(|(k, v)| format!("{k} = {v}")).collect();
    format!("{name}({})", parts.join(", "))
}

/// Output shape and trainable parameters of one layer on `input`.
fn layer_shape(
    name: &str,
    args: &BTreeMap<String, Value>,
    input: &[usize],
) -> Result<(Vec<usize>, u64), String> {
    let int = |k: &str, default: usize| args.get(k).and_then(as_usize).unwrap_or(default);
    let image = || -> Result<(usize, usize, usize), String> {
        match input {
            [c, h, w] => Ok((*c, *h, *w)),
            _ => Err(format!(
                "`{name}` needs an image input [channels, height, width], got {input:?}"
            )),
        }
    };
    Ok(match name {
        "flatten" => (vec![input.iter().product()], 0),
        "linear" => {
            let units = int("units", 1);
            let [features] = input else {
                return Err(format!(
                    "`linear` needs flat input, got {input:?}; add `flatten()` before it"
                ));
            };
            (vec![units], (features * units + units) as u64)
        }
        "conv" => {
            let (c, h, w) = image()?;
            let (channels, k, stride) = (
                int("channels", 1),
                int("kernel", 3),
                int("stride", 1).max(1),
            );
            let padding = padding_of(args, k);
            let out = |size: usize| -> Result<usize, String> {
                (size + 2 * padding)
                    .checked_sub(k)
                    .map(|d| d / stride + 1)
                    .ok_or_else(|| {
                        format!("a {k}×{k} kernel is larger than the {size}-pixel input")
                    })
            };
            (
                vec![channels, out(h)?, out(w)?],
                (k * k * c * channels + channels) as u64,
            )
        }
        "maxpool" | "avgpool" => {
            let (c, h, w) = image()?;
            let k = int("k", 2).max(1);
            if h < k || w < k {
                return Err(format!("a {k}×{k} pool does not fit the {h}×{w} input"));
            }
            (vec![c, h / k, w / k], 0)
        }
        "globalpool" => {
            let (c, _, _) = image()?;
            (vec![c], 0)
        }
        "batchnorm" => (
            input.to_vec(),
            2 * input.first().copied().unwrap_or(0) as u64,
        ),
        "layernorm" => (
            input.to_vec(),
            2 * input.last().copied().unwrap_or(0) as u64,
        ),
        _ => (input.to_vec(), 0),
    })
}

/// The networks with the fewest and the most parameters over the model parameters' extremes (every
/// value of small categorical domains, the bounds of ranges).
///
/// # Errors
/// When no configuration builds; the message says why.
pub fn extremes(
    space: &SearchSpace,
    body: &[LayerNode],
    model: &Model,
    input: &[usize],
    outputs: usize,
) -> Result<(Network, Network), String> {
    let model_params: Vec<_> = space
        .params
        .iter()
        .filter(|p| p.name.starts_with("model."))
        .collect();
    let candidates: Vec<Vec<Value>> = model_params
        .iter()
        .map(|p| extreme_values(&p.distribution))
        .collect();
    let mut base = Config::new();
    for f in &space.fixed {
        base.insert(f.name.clone(), f.value.clone());
    }
    let total: usize = candidates.iter().map(Vec::len).product();
    let configs: Vec<Config> = if total <= 4096 {
        let mut out = vec![base.clone()];
        for (p, values) in model_params.iter().zip(&candidates) {
            out = out
                .into_iter()
                .flat_map(|c| {
                    values.iter().map(move |v| {
                        let mut c = c.clone();
                        c.insert(p.name.clone(), v.clone());
                        c
                    })
                })
                .collect();
        }
        out
    } else {
        [0, 1]
            .iter()
            .map(|&end| {
                let mut c = base.clone();
                for (p, values) in model_params.iter().zip(&candidates) {
                    let v = if end == 0 {
                        values.first()
                    } else {
                        values.last()
                    };
                    c.insert(p.name.clone(), v.cloned().unwrap_or(Value::Int(0)));
                }
                c
            })
            .collect()
    };
    let mut smallest: Option<Network> = None;
    let mut largest: Option<Network> = None;
    let mut last_error = None;
    for config in configs {
        // Drop parameters whose conditions do not hold.
        let active: Config = config
            .iter()
            .filter(|(k, _)| {
                space
                    .param(k)
                    .and_then(|p| p.condition.as_ref())
                    .is_none_or(|c| c.holds(&|n| config.get(n).cloned()))
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        match build(body, model, &active, input, outputs) {
            Ok(net) => {
                if smallest
                    .as_ref()
                    .is_none_or(|s| net.parameters < s.parameters)
                {
                    smallest = Some(net.clone());
                }
                if largest
                    .as_ref()
                    .is_none_or(|l| net.parameters > l.parameters)
                {
                    largest = Some(net);
                }
            }
            Err(e) => last_error = Some(e),
        }
    }
    match (smallest, largest) {
        (Some(s), Some(l)) => Ok((s, l)),
        _ => Err(last_error.unwrap_or_else(|| String::from("no configuration builds"))),
    }
}

fn extreme_values(d: &Distribution) -> Vec<Value> {
    if let Some(values) = d.finite_values() {
        if values.len() <= 8 {
            return values;
        }
        let mut ends = vec![values[0].clone(), values[values.len() - 1].clone()];
        ends.dedup();
        return ends;
    }
    d.bounds().map_or_else(Vec::new, |(lo, hi)| {
        vec![Value::Float(lo), Value::Float(hi)]
    })
}

/// The size of the network `plan` trains for `config`: `(trainable parameters, layers with
/// weights)`, the architecture features of Baker et al.'s predictor. `None` without a model or a
/// data shape known before loading, or when the network does not fit its input.
#[must_use]
pub fn size(plan: &crate::plan::Plan, config: &Config) -> Option<(u64, usize)> {
    let model = plan.model.as_ref()?;
    let shape = plan.data.as_ref()?.shape.as_ref()?;
    let concrete = instantiate(
        &model.layers,
        &model.model,
        config,
        &shape.input,
        shape.outputs,
    )
    .ok()?;
    let mut layers = Vec::new();
    rows(&concrete, &mut layers);
    Some((
        layers.iter().map(|l| l.params).sum(),
        layers.iter().filter(|l| l.params > 0).count(),
    ))
}
