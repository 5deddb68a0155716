#!/usr/bin/env python3
"""The training script `examples/external_command.hps` tunes: a small MLP on two interleaved half
moons (240 training and 80 validation points, the same for every trial), in plain Python (standard
library only), trained with SGD and momentum, mini-batches of 16.

It follows hps's command protocol (docs/language.md, "The command protocol"):

- hyperparameters come as arguments (`--lr 0.01 --layers 3 --dropout 0.1 --act relu`) and in the
  environment (`HPS_PARAMS_SKIP`, set only for the trials that have it);
  hps also sets HPS_EPOCHS (train up to this epoch), HPS_START_EPOCH (epochs already done: resume
  after them), HPS_SEED (this trial's seed) and HPS_TRIAL_DIR (this trial's folder);
- after each epoch it saves its state to `$HPS_TRIAL_DIR/checkpoint.safetensors` (JSON inside; the
  name is what hps looks for, and it carries the file to whichever machine resumes the trial), and
  only then prints one JSON line: `{"epoch": 3, "val_loss": 0.41, "val_accuracy": 0.85}`;
- the file keeps the state after every epoch, by epoch: the program runs ahead of hps reading its
  lines, so when hps stops it (a stopping rule, a rung, the budget) it may already have saved a
  later epoch than the one hps recorded;
- resumed (HPS_START_EPOCH > 0: a promotion, or a run interrupted and continued), it reloads the
  state of epoch HPS_START_EPOCH and trains on from there, so a trial resumed anywhere ends exactly
  as an uninterrupted one.
"""

import argparse
import json
import math
import os
import random
import sys

WIDTH = 12
BATCH = 16
MOMENTUM = 0.9


def moons(n, rng, noise=0.2):
    """`n` points of two interleaved half circles, labels 0 and 1."""
    points = []
    for i in range(n):
        label = i % 2
        t = math.pi * rng.random()
        x, y = (math.cos(t), math.sin(t)) if label == 0 else (1 - math.cos(t), 0.5 - math.sin(t))
        points.append(([x + rng.gauss(0, noise), y + rng.gauss(0, noise)], label))
    return points


def activation(name):
    if name == "relu":
        return (lambda v: v if v > 0 else 0.0), (lambda v: 1.0 if v > 0 else 0.0)

    def gelu(v):  # the tanh approximation; exact enough past ±10 to be the identity or 0
        if abs(v) > 10:
            return v if v > 0 else 0.0
        return 0.5 * v * (1 + math.tanh(0.7978845608 * (v + 0.044715 * v ** 3)))

    def dgelu(v):
        if abs(v) > 10:
            return 1.0 if v > 0 else 0.0
        t = math.tanh(0.7978845608 * (v + 0.044715 * v ** 3))
        return 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * 0.7978845608 * (1 + 3 * 0.044715 * v * v)

    return gelu, dgelu


def init(layers, rng):
    """Weights `[rows][cols]` and biases of each layer: 2 → WIDTH × layers → 2 (He initialisation)."""
    sizes = [2] + [WIDTH] * layers + [2]
    return [
        {
            "w": [[rng.gauss(0, math.sqrt(2 / n_in)) for _ in range(n_in)] for _ in range(n_out)],
            "b": [0.0] * n_out,
        }
        for n_in, n_out in zip(sizes, sizes[1:])
    ]


def zeros_like(params):
    return [{"w": [[0.0] * len(r) for r in p["w"]], "b": [0.0] * len(p["b"])} for p in params]


def forward(params, x, act, dropout, skip, rng):
    """Logits, and what the backward pass needs. `rng` is None at evaluation (no dropout)."""
    f = act[0]
    h, cache = x, []
    for i, layer in enumerate(params):
        z = [sum(w * v for w, v in zip(row, h)) + b for row, b in zip(layer["w"], layer["b"])]
        if i == len(params) - 1:
            cache.append((h, z, None, False))
            return z, cache
        a = [f(v) for v in z]
        if rng is not None and dropout > 0:
            mask = [0.0 if rng.random() < dropout else 1 / (1 - dropout) for _ in a]
            a = [v * m for v, m in zip(a, mask)]
        else:
            mask = None
        residual = skip and i > 0
        if residual:
            a = [v + u for v, u in zip(a, h)]
        cache.append((h, z, mask, residual))
        h = a


def softmax_loss(logits, label):
    m = max(logits)
    exps = [math.exp(v - m) for v in logits]
    total = sum(exps)
    probs = [e / total for e in exps]
    return -math.log(max(probs[label], 1e-12)), probs


def backward(params, cache, probs, label, act, grads):
    df = act[1]
    delta = [p - (1.0 if k == label else 0.0) for k, p in enumerate(probs)]
    for i in range(len(params) - 1, -1, -1):
        h, z, mask, residual = cache[i]
        if i < len(params) - 1:
            through = delta
            if mask is not None:
                delta = [d * m for d, m in zip(delta, mask)]
            delta = [d * df(v) for d, v in zip(delta, z)]
        g = grads[i]
        for r, d in enumerate(delta):
            g["b"][r] += d
            row = g["w"][r]
            for c, v in enumerate(h):
                row[c] += d * v
        if i > 0:
            back = [sum(params[i]["w"][r][c] * delta[r] for r in range(len(delta))) for c in range(len(h))]
            if i < len(params) - 1 and residual:
                back = [b + t for b, t in zip(back, through)]
            delta = back


def step(params, grads, velocity, lr, n):
    for p, g, v in zip(params, grads, velocity):
        for r in range(len(p["w"])):
            for c in range(len(p["w"][r])):
                v["w"][r][c] = MOMENTUM * v["w"][r][c] - lr * g["w"][r][c] / n
                p["w"][r][c] += v["w"][r][c]
            v["b"][r] = MOMENTUM * v["b"][r] - lr * g["b"][r] / n
            p["b"][r] += v["b"][r]


def evaluate(params, data, act, skip):
    loss, correct = 0.0, 0
    for x, label in data:
        logits, _ = forward(params, x, act, 0.0, skip, None)
        l, probs = softmax_loss(logits, label)
        loss += l
        correct += probs.index(max(probs)) == label
    return loss / len(data), correct / len(data)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lr", type=float, required=True)
    parser.add_argument("--layers", type=int, required=True)
    parser.add_argument("--dropout", type=float, default=0.0)
    parser.add_argument("--act", choices=["relu", "gelu"], default="relu")
    # A conditional parameter is passed in the environment when it is set (`HPS_PARAMS_SKIP`, only
    # when layers > 3); an argument would be missing for the trials that do not have it.
    parser.add_argument("--skip", default=os.environ.get("HPS_PARAMS_SKIP", "false"),
                        help="residual connections (true/false)")
    args = parser.parse_args()
    skip = args.skip.lower() == "true"
    act = activation(args.act)
    epochs = int(os.environ.get("HPS_EPOCHS", "10"))
    start = int(os.environ.get("HPS_START_EPOCH", "0"))
    seed = int(os.environ.get("HPS_SEED", "0"))
    folder = os.environ.get("HPS_TRIAL_DIR", ".")
    checkpoint = os.path.join(folder, "checkpoint.safetensors")

    data = moons(320, random.Random(0))
    train, val = data[:240], data[240:]
    saved = {}
    if start > 0:
        with open(checkpoint) as f:
            saved = json.load(f)["epochs"]
        if str(start) not in saved:
            sys.exit(f"asked to resume after epoch {start}, but the checkpoint holds epochs {sorted(saved, key=int)}")
        state = saved[str(start)]
        params, velocity = state["params"], state["velocity"]
        rng = random.Random()
        rng.setstate((state["rng"][0], tuple(state["rng"][1]), state["rng"][2]))
    else:
        rng = random.Random(seed)
        params = init(args.layers, rng)
        velocity = zeros_like(params)

    for epoch in range(start + 1, epochs + 1):
        order = list(range(len(train)))
        rng.shuffle(order)
        for b in range(0, len(order), BATCH):
            batch = order[b:b + BATCH]
            grads = zeros_like(params)
            for k in batch:
                x, label = train[k]
                logits, cache = forward(params, x, act, args.dropout, skip, rng)
                _, probs = softmax_loss(logits, label)
                backward(params, cache, probs, label, act, grads)
            step(params, grads, velocity, args.lr, len(batch))
        val_loss, val_accuracy = evaluate(params, val, act, skip)
        if not math.isfinite(val_loss):
            val_loss = float("nan")
        saved[str(epoch)] = {"params": params, "velocity": velocity, "rng": rng.getstate()}
        with open(checkpoint + ".partial", "w") as f:
            json.dump({"epochs": saved}, f)
        os.replace(checkpoint + ".partial", checkpoint)
        print(json.dumps({"epoch": epoch, "val_loss": val_loss, "val_accuracy": val_accuracy}), flush=True)


if __name__ == "__main__":
    main()
