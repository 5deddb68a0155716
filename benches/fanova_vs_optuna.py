#!/usr/bin/env python3
"""fANOVA importances, hps vs Optuna: the same trials fed to both.

For each case this script draws the points (numpy, a fixed seed per case), writes them as a CSV
(`NAME:KIND:ARGS` columns and `value`, the format `benches/fanova_points.rs` reads), runs hps's
importances on it (`--hps`, a command that takes `--csv FILE --seeds LIST` and prints JSON), adds
the same points to an Optuna study as complete trials (`optuna.trial.create_trial`) and runs
`optuna.importance.get_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=s))`. Both
forests are run with every seed in `--seeds` and their importances averaged; the per-seed range is
printed too. Then one table per case: parameter, the analytic share where it is known, hps, Optuna,
|diff|, and whether the rankings agree.

Cases:
  linear       f = 10x + y, x, y, z uniform on [0, 1] (300 points)
  log_cat      f = log10(lr) + 0.6 [c = b], lr log-uniform on [1e-4, 1e-1], c in {a, b, c},
               n an irrelevant int in [1, 10] (400 points)
  interaction  f = x y + 0.1 x + 0.1 z on [0, 1]^3 (400 points): 12% of the variance is the x-y
               interaction, which neither reports (main effects only)
  digits       the recorded digits table (benches/data/digits_curves.csv): validation accuracy at
               epoch 27 of 216 MLP configurations (depth int 1-3, drop 0-0.3, width one of 16, 64,
               256, lr log-uniform 3e-4..0.1, optimizer adam or sgd)
Each case with a log-uniform or int parameter is also run with Optuna given the points on the scale
hps measures them on (`*_hps_scale`): log10(lr) as a plain uniform float, an int as a uniform float
on [low − ½, high + ½]. That separates the difference of measure from everything else.

  fanova_vs_optuna.py --hps "cargo bench --quiet --bench fanova_points --" [--seeds 0,1,2,3,4]
                      [--cases linear,log_cat,interaction,digits] [--out-dir target/fanova]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DIGITS_FILE = ROOT / "benches" / "data" / "digits_curves.csv"


class Param:
    """A parameter: its name, kind (uniform, loguniform, int, choice) and bounds or values."""

    def __init__(self, name: str, kind: str, *args):
        self.name, self.kind, self.args = name, kind, args

    def header(self) -> str:
        if self.kind == "choice":
            return f"{self.name}:choice:{'|'.join(self.args)}"
        return f"{self.name}:{self.kind}:{self.args[0]}:{self.args[1]}"

    def optuna(self):
        import optuna

        D = optuna.distributions
        if self.kind == "uniform":
            return D.FloatDistribution(self.args[0], self.args[1])
        if self.kind == "loguniform":
            return D.FloatDistribution(self.args[0], self.args[1], log=True)
        if self.kind == "int":
            return D.IntDistribution(self.args[0], self.args[1])
        return D.CategoricalDistribution(list(self.args))


def cube(seed, n, f):
    """`n` points uniform on [0, 1]³ drawn with `seed`, as (params x, y, z) and f(x, y, z)."""
    rng = np.random.default_rng(seed)
    params = [Param(name, "uniform", 0.0, 1.0) for name in "xyz"]
    rows = []
    for _ in range(n):
        x, y, z = rng.random(3)
        rows.append(({"x": float(x), "y": float(y), "z": float(z)}, f(x, y, z)))
    return params, rows


def case_linear():
    params, rows = cube(1, 300, lambda x, y, z: 10 * x + y)
    # Var(10x) = 100/12, Var(y) = 1/12.
    analytic = {"x": 100 / 101, "y": 1 / 101, "z": 0.0}
    return params, rows, analytic


def case_log_cat():
    rng = np.random.default_rng(2)
    params = [
        Param("lr", "loguniform", 1e-4, 1e-1),
        Param("c", "choice", "a", "b", "c"),
        Param("n", "int", 1, 10),
    ]
    rows = []
    for _ in range(400):
        lr = float(10 ** rng.uniform(-4, -1))
        c = ["a", "b", "c"][int(rng.integers(3))]
        n = int(rng.integers(1, 11))
        rows.append(({"lr": lr, "c": c, "n": n}, math.log10(lr) + (0.6 if c == "b" else 0.0)))
    # On the log axis (the sampling measure): Var(log10 lr) = 3²/12 = 0.75, Var(0.6·B(1/3)) = 0.08.
    # On the linear axis Optuna measures lr on, Var(log10 lr) for lr ~ U(1e-4, 0.1) is 0.180:
    # lr 0.692, c 0.308.
    analytic = {"lr": 0.75 / 0.83, "c": 0.08 / 0.83, "n": 0.0}
    return params, rows, analytic


def case_interaction():
    params, rows = cube(3, 400, lambda x, y, z: x * y + 0.1 * x + 0.1 * z)
    # Main effects: E[f|x] = 0.6x → 0.36/12, E[f|y] = y/2 → 1/48, 0.1z → 0.01/12; the x–y
    # interaction (x−½)(y−½) adds 1/144 to the total, which the normalised shares leave out.
    main = {"x": 0.36 / 12, "y": 1 / 48, "z": 0.01 / 12}
    s = sum(main.values())
    return params, rows, {k: v / s for k, v in main.items()}


def case_digits():
    params = [
        Param("depth", "int", 1, 3),
        Param("drop", "uniform", 0.0, 0.3),
        Param("width", "choice", "16", "64", "256"),
        Param("lr", "loguniform", 3e-4, 0.1),
        Param("optimizer", "choice", "adam", "sgd"),
    ]
    rows = []
    with open(DIGITS_FILE, newline="") as f:
        for r in csv.DictReader(f):
            if r["epoch"] != r["train.epochs"]:
                continue
            config = {
                "depth": int(r["model.depth"]),
                "drop": float(r["model.drop"]),
                "width": r["model.width"],
                "lr": float(r["train.lr"]),
                "optimizer": r["train.optimizer"],
            }
            rows.append((config, float(r["val.accuracy"])))
    assert len(rows) == 216, len(rows)
    return params, rows, None


CASES = {
    "linear": case_linear,
    "log_cat": case_log_cat,
    "interaction": case_interaction,
    "digits": case_digits,
}


def on_hps_scale(params, rows):
    """The same points as hps encodes them, for Optuna: every log-uniform parameter replaced by its
    log10 (a uniform float), every int by a uniform float on [low − ½, high + ½] (each integer an
    equal share of the axis)."""
    new = []
    for p in params:
        if p.kind == "loguniform":
            new.append(Param(p.name, "uniform", math.log10(p.args[0]), math.log10(p.args[1])))
        elif p.kind == "int":
            new.append(Param(p.name, "uniform", p.args[0] - 0.5, p.args[1] + 0.5))
        else:
            new.append(p)
    kinds = {p.name: p.kind for p in params}

    def convert(name, v):
        if kinds[name] == "loguniform":
            return math.log10(v)
        if kinds[name] == "int":
            return float(v)
        return v

    return new, [({k: convert(k, v) for k, v in c.items()}, y) for c, y in rows]


def write_csv(path: Path, params, rows) -> None:
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow([p.header() for p in params] + ["value"])
        for config, y in rows:
            w.writerow([repr(config[p.name]) if isinstance(config[p.name], float) else config[p.name]
                        for p in params] + [repr(float(y))])


def run_hps(hps: str, path: Path, seeds: list[int]) -> dict:
    cmd = shlex.split(hps) + ["--csv", str(path), "--seeds", ",".join(map(str, seeds))]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(out.strip().splitlines()[-1])


def run_optuna(params, rows, seeds: list[int]) -> dict:
    import optuna
    from optuna.importance import FanovaImportanceEvaluator, get_param_importances

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    distributions = {p.name: p.optuna() for p in params}
    per_seed = {}
    for seed in seeds:
        study = optuna.create_study()
        study.add_trials(
            [
                optuna.trial.create_trial(params=config, distributions=distributions, value=float(y))
                for config, y in rows
            ]
        )
        found = get_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=seed))
        per_seed[str(seed)] = {k: float(v) for k, v in found.items()}
    mean = {p.name: sum(s[p.name] for s in per_seed.values()) / len(seeds) for p in params}
    return {"seeds": per_seed, "mean": mean}


def spread(result: dict, name: str) -> float:
    values = [s[name] for s in result["seeds"].values()]
    return max(values) - min(values)


def ranking(shares: dict) -> list[str]:
    return sorted(shares, key=lambda k: -shares[k])


def table(title: str, params, analytic, hps: dict, opt: dict) -> dict:
    print(f"### {title}")
    print()
    head = "| parameter | analytic | hps | Optuna | \\|diff\\| | hps seed range | Optuna seed range |"
    print(head)
    print("| --- " * 7 + "|")
    diffs = {}
    for p in params:
        h, o = hps["mean"][p.name], opt["mean"][p.name]
        diffs[p.name] = abs(h - o)
        a = f"{analytic[p.name]:.4f}" if analytic and p.name in analytic else "—"
        print(f"| {p.name} | {a} | {h:.4f} | {o:.4f} | {diffs[p.name]:.4f} "
              f"| {spread(hps, p.name):.4f} | {spread(opt, p.name):.4f} |")
    rh, ro = ranking(hps["mean"]), ranking(opt["mean"])
    worst = max(diffs.values())
    agree = rh == ro
    print()
    print(f"max |diff| {worst:.4f} ({'within' if worst <= 0.05 else 'OVER'} 0.05); ranking "
          f"{'agrees' if agree else 'DIFFERS'}: hps {' > '.join(rh)}, Optuna {' > '.join(ro)}")
    print()
    return {"max_diff": worst, "ranking_agrees": agree, "hps": hps, "optuna": opt}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--hps", required=True, help="the hps side: a command taking --csv and --seeds")
    ap.add_argument("--seeds", default="0,1,2,3,4")
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--out-dir", default=str(ROOT / "target" / "fanova"))
    args = ap.parse_args()
    import optuna
    import sklearn

    seeds = [int(s) for s in args.seeds.split(",")]
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    print(f"optuna {optuna.__version__}, scikit-learn {sklearn.__version__}; forest seeds {seeds} "
          "for both, importances averaged over them")
    print()
    results = {}
    for name in args.cases.split(","):
        params, rows, analytic = CASES[name]()
        variants = [(name, params, rows, analytic)]
        if any(p.kind in ("loguniform", "int") for p in params):
            lp, lrows = on_hps_scale(params, rows)
            variants.append((f"{name}_hps_scale", lp, lrows, analytic))
        for title, ps, rs, an in variants:
            path = out / f"{title}.csv"
            write_csv(path, ps, rs)
            # hps reads the original points: its log scale is its own encoding.
            hps = run_hps(args.hps, out / f"{name}.csv", seeds)
            opt = run_optuna(ps, rs, seeds)
            label = f"{title} ({len(rs)} points)"
            if title.endswith("_hps_scale"):
                label += (": Optuna given the points on hps's scale (log10 of a log-uniform, "
                          "an int as a float on [low − ½, high + ½])")
            results[title] = table(label, ps, an, hps, opt)
    (out / "results.json").write_text(json.dumps(results, indent=1))
    print("summary: " + "; ".join(
        f"{k} max |diff| {v['max_diff']:.3f}, ranking {'agrees' if v['ranking_agrees'] else 'differs'}"
        for k, v in results.items()))


if __name__ == "__main__":
    sys.exit(main())
