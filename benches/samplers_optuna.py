#!/usr/bin/env python3
"""Samplers vs Optuna (issue 4), the Optuna half, and the side-by-side comparison.

`run` (the default): Optuna's RandomSampler, TPESampler (its defaults, which in Optuna 5 are the
multivariate TPE for one objective, `tpe`; and `multivariate=False`, the univariate TPE that was
the default before Optuna 5, `tpe-univariate`) and GPSampler (`gp`) on the problems of
`benches/samplers.rs`: Branin, Hartmann-6 and the digits table (`benches/data/digits_curves.csv`,
validation accuracy after the last epoch; every parameter categorical with exactly the table's
values). Same seeds (0..seeds-1, `seed=s`), trial counts and measurements as the hps bench: the
simple regret of the best trial so far after 25, 50 and 100 trials (median and IQR over the seeds),
and the mean wall time of one `study.ask(distributions)` (which samples every parameter, so
univariate TPE's work is inside it too) with 200 observations in the study: for each timing seed,
200 trials drawn by RandomSampler(seed=s) and evaluated are added to a fresh study of the sampler
under test, then `asks` suggestions are timed, each evaluated and told (history 200, 201, ...).

`compare HPS.json OPTUNA.json`: the side-by-side tables and the ratios issue 4's targets need.

    python3 benches/samplers_optuna.py run --seeds 20 --trials 100 --out target/samplers-optuna.json
    python3 benches/samplers_optuna.py compare target/samplers-hps.json target/samplers-optuna.json
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
import time
import warnings
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIGITS_FILE = ROOT / "benches" / "data" / "digits_curves.csv"
DIGITS_PARAMS = ["model.depth", "model.drop", "model.width", "train.lr", "train.optimizer"]
BUDGETS = [25, 50, 100]
BRANIN_MIN = 0.397887357729738
HARTMANN6_MIN = -3.322368011391339

HARTMANN_ALPHA = [1.0, 1.2, 3.0, 3.2]
HARTMANN_A = [
    [10.0, 3.0, 17.0, 3.5, 1.7, 8.0],
    [0.05, 10.0, 17.0, 0.1, 8.0, 14.0],
    [3.0, 3.5, 1.7, 10.0, 17.0, 8.0],
    [17.0, 8.0, 0.05, 10.0, 0.1, 14.0],
]
HARTMANN_P = [
    [1312, 1696, 5569, 124, 8283, 5886],
    [2329, 4135, 8307, 3736, 1004, 9991],
    [2348, 1451, 3522, 2883, 3047, 6650],
    [4047, 8828, 8732, 5743, 1091, 381],
]


def branin(p: dict) -> float:
    x1, x2 = p["x1"], p["x2"]
    b = 5.1 / (4.0 * math.pi**2)
    c = 5.0 / math.pi
    t = 1.0 / (8.0 * math.pi)
    return (x2 - b * x1 * x1 + c * x1 - 6.0) ** 2 + 10.0 * (1.0 - t) * math.cos(x1) + 10.0


def hartmann6(p: dict) -> float:
    x = [p[f"x{i}"] for i in range(1, 7)]
    total = 0.0
    for i in range(4):
        inner = sum(HARTMANN_A[i][j] * (x[j] - HARTMANN_P[i][j] * 1e-4) ** 2 for j in range(6))
        total += HARTMANN_ALPHA[i] * math.exp(-inner)
    return -total


def parse_value(text: str):
    """A table cell as the hps bench reads it: an int, a float, or a string."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def load_digits():
    """Final validation accuracy by configuration, and each column's values (sorted)."""
    last: dict[tuple, tuple[int, float]] = {}
    values: list[set] = [set() for _ in DIGITS_PARAMS]
    with open(DIGITS_FILE, newline="") as f:
        for row in csv.DictReader(f):
            key = tuple(parse_value(row[p]) for p in DIGITS_PARAMS)
            for k, v in enumerate(key):
                values[k].add(v)
            epoch, acc = int(row["epoch"]), float(row["val.accuracy"])
            if key not in last or epoch >= last[key][0]:
                last[key] = (epoch, acc)
    product = math.prod(len(v) for v in values)
    # The space is the product of the columns' values; the table holds every combination.
    assert len(last) == product, "digits_curves.csv is not a full product of its columns' values"
    assert len({e for e, _ in last.values()}) == 1, "every configuration has the same epochs"
    ordered = [sorted(v, key=lambda x: (isinstance(x, str), x)) for v in values]
    return {k: a for k, (_, a) in last.items()}, ordered


class Problem:
    def __init__(self, name: str):
        import optuna

        D = optuna.distributions
        self.name = name
        if name == "branin":
            self.dists = {"x1": D.FloatDistribution(-5.0, 10.0), "x2": D.FloatDistribution(0.0, 15.0)}
            self.f, self.optimum, self.maximize = branin, BRANIN_MIN, False
        elif name == "hartmann6":
            self.dists = {f"x{i}": D.FloatDistribution(0.0, 1.0) for i in range(1, 7)}
            self.f, self.optimum, self.maximize = hartmann6, HARTMANN6_MIN, False
        elif name == "digits":
            table, values = load_digits()
            self.dists = {p: D.CategoricalDistribution(v) for p, v in zip(DIGITS_PARAMS, values)}
            self.f = lambda p: table[tuple(p[n] for n in DIGITS_PARAMS)]
            self.optimum, self.maximize = max(table.values()), True
        else:
            raise SystemExit(f"unknown problem {name} (branin, hartmann6, digits)")

    def regret(self, best: float) -> float:
        return self.optimum - best if self.maximize else best - self.optimum


def make_sampler(name: str, seed: int):
    import optuna

    s = optuna.samplers
    if name == "random":
        return s.RandomSampler(seed=seed)
    if name == "tpe":
        return s.TPESampler(seed=seed)
    if name == "tpe-univariate":
        return s.TPESampler(seed=seed, multivariate=False)
    if name == "tpe-group":
        return s.TPESampler(seed=seed, multivariate=True, group=True)
    if name == "gp":
        return s.GPSampler(seed=seed)
    raise SystemExit(f"unknown sampler {name} (random, tpe, tpe-univariate, tpe-group, gp)")


def quiet(threads: int | None) -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.filterwarnings("ignore")
    if threads is not None:
        try:
            import torch

            torch.set_num_threads(threads)
        except ImportError:
            pass


def new_study(problem: Problem, sampler):
    import optuna

    direction = "maximize" if problem.maximize else "minimize"
    return optuna.create_study(direction=direction, sampler=sampler)


def one_run(job):
    """Regret after each trial and seconds per ask, for one (problem, sampler, seed)."""
    problem_name, sampler_name, seed, trials, threads = job
    quiet(threads)
    problem = Problem(problem_name)
    study = new_study(problem, make_sampler(sampler_name, seed))
    best = -math.inf if problem.maximize else math.inf
    regret, seconds = [], []
    for _ in range(trials):
        started = time.perf_counter()
        trial = study.ask(problem.dists)
        seconds.append(time.perf_counter() - started)
        value = problem.f(trial.params)
        study.tell(trial, value)
        best = max(best, value) if problem.maximize else min(best, value)
        regret.append(problem.regret(best))
    return problem_name, sampler_name, seed, regret, seconds


def time_asks(problem: Problem, sampler_name: str, seed: int, at: int, asks: int) -> list[float]:
    import optuna

    history = new_study(problem, optuna.samplers.RandomSampler(seed=seed))
    for _ in range(at):
        trial = history.ask(problem.dists)
        history.tell(trial, problem.f(trial.params))
    study = new_study(problem, make_sampler(sampler_name, seed))
    study.add_trials(history.get_trials(deepcopy=False))
    seconds = []
    for _ in range(asks):
        started = time.perf_counter()
        trial = study.ask(problem.dists)
        seconds.append(time.perf_counter() - started)
        study.tell(trial, problem.f(trial.params))
    return seconds


def quantile(values, q):
    v = sorted(values)
    if not v:
        return math.nan
    h = (len(v) - 1) * q
    lo, hi = math.floor(h), math.ceil(h)
    return v[lo] + (h - lo) * (v[hi] - v[lo])


def mean(values):
    return sum(values) / len(values) if values else math.nan


def versions() -> dict:
    out = {"python": sys.version.split()[0]}
    for name in ("optuna", "torch", "scipy", "numpy"):
        try:
            out[name] = __import__(name).__version__
        except ImportError:
            out[name] = None
    return out


def run(args) -> None:
    quiet(None)
    budgets = [b for b in BUDGETS if b <= args.trials]
    if args.trials not in budgets:
        budgets.append(args.trials)
    samplers = [s for s in args.samplers.split(",") if s]
    problems = [p for p in args.problems.split(",") if p]
    threads = 1 if args.jobs > 1 else None
    print(
        f"Optuna samplers: simple regret of the best trial, median [IQR] over {args.seeds} seeds; "
        f"ask time: mean ms per ask with {args.at} observations ({args.timing_seeds} seeds x {args.asks} asks)",
        flush=True,
    )
    results, lines = [], []
    header = f"{'problem':<10} {'sampler':<15}" + "".join(f"{'after ' + str(b):>28}" for b in budgets)
    header += f"  {'ask ms @' + str(args.at):>12}"
    for problem_name in problems:
        problem = Problem(problem_name)
        for sampler_name in samplers:
            started = time.perf_counter()
            jobs = [(problem_name, sampler_name, s, args.trials, threads) for s in range(args.seeds)]
            if args.jobs > 1:
                with Pool(args.jobs) as pool:
                    runs = pool.map(one_run, jobs)
            else:
                runs = [one_run(j) for j in jobs]
            quality_seconds = time.perf_counter() - started
            quiet(None)
            # One untimed warm-up (lazy imports such as torch's, first-call caches), then the timing.
            time_asks(problem, sampler_name, 0, min(args.at, 20), 1)
            timed = []
            for s in range(args.timing_seeds):
                timed += time_asks(problem, sampler_name, s, args.at, args.asks)
            ask_ms = mean(timed) * 1e3
            row = f"{problem_name:<10} {sampler_name:<15}"
            per_budget = {}
            for b in budgets:
                at_b = [r[3][b - 1] for r in runs]
                q1, med, q3 = quantile(at_b, 0.25), quantile(at_b, 0.5), quantile(at_b, 0.75)
                row += f"{f'{med:.4f} [{q1:.4f}, {q3:.4f}]':>28}"
                per_budget[str(b)] = {"median": med, "q1": q1, "q3": q3, "mean": mean(at_b), "per_seed": at_b}
            row += f"  {ask_ms:>12.3f}"
            print(f"{row}   ({quality_seconds:.1f} s for the seeds)", flush=True)
            lines.append(row)
            results.append(
                {
                    "problem": problem_name,
                    "sampler": sampler_name,
                    "available": True,
                    "optimum": problem.optimum,
                    "maximize": problem.maximize,
                    "regret": per_budget,
                    "ask_ms_at": ask_ms,
                    "ask_ms_at_samples": [t * 1e3 for t in timed],
                    "ask_ms_mean_over_run": mean([t for r in runs for t in r[4]]) * 1e3,
                    "seconds_for_seeds": quality_seconds,
                }
            )
    print()
    print(header)
    print("\n".join(lines))
    doc = {
        "tool": "optuna",
        "version": versions(),
        "metric": "simple regret of the best trial so far (lower is better)",
        "seeds": args.seeds,
        "trials": args.trials,
        "budgets": budgets,
        "timing": {
            "at": args.at,
            "asks": args.asks,
            "seeds": args.timing_seeds,
            "history": "RandomSampler (same seed), then each timed ask evaluated and told",
        },
        "jobs": args.jobs,
        "results": results,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"results: {out}")


# ---- compare ---------------------------------------------------------------------------------

def fmt(x: float | None, digits: int = 4) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if x != 0 and abs(x) < 10 ** -digits:
        return f"{x:.1e}"
    return f"{x:.{digits}f}"


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None:
        return "—"
    if a == 0 and b == 0:
        return "1 (both 0)"
    if b == 0:
        return "inf"
    if a == 0:
        return "0"
    r = a / b
    return f"{r:.2f}" if 0.01 <= r < 1000 else f"{r:.1e}"


def mwu(a: list[float] | None, b: list[float] | None) -> str:
    """Two-sided Mann-Whitney U p-value (scipy), or — without scipy or samples."""
    if not a or not b:
        return "—"
    try:
        from scipy.stats import mannwhitneyu
    except ImportError:
        return "—"
    if len(set(a) | set(b)) == 1:
        return "1"
    return f"{mannwhitneyu(a, b, alternative='two-sided').pvalue:.2g}"


def compare(args) -> None:
    hps = json.loads(Path(args.hps).read_text())
    opt = json.loads(Path(args.optuna).read_text())
    cols = [("hps", "random"), ("hps", "tpe"), ("hps", "bo"), ("optuna", "random"), ("optuna", "tpe"),
            ("optuna", "tpe-univariate"), ("optuna", "gp")]
    names = {
        ("hps", "random"): "hps random", ("hps", "tpe"): "hps tpe", ("hps", "bo"): "hps bo",
        ("optuna", "random"): "Opt Random", ("optuna", "tpe"): "Opt TPE",
        ("optuna", "tpe-univariate"): "Opt TPE-uni", ("optuna", "gp"): "Opt GP",
    }
    by = {}
    for tool, doc in (("hps", hps), ("optuna", opt)):
        for r in doc["results"]:
            if r.get("available"):
                by[(tool, r["sampler"], r["problem"])] = r
    problems = []
    for doc in (hps, opt):
        for r in doc["results"]:
            if r["problem"] not in problems:
                problems.append(r["problem"])
    budgets = [b for b in hps["budgets"] if b in opt["budgets"]]

    def get(tool, sampler, problem, b):
        r = by.get((tool, sampler, problem))
        return None if r is None else r["regret"].get(str(b))

    print(
        f"Simple regret of the best trial so far (lower is better): median over {hps['seeds']} hps "
        f"seeds / {opt['seeds']} Optuna seeds; '—' = not run / not available"
    )
    w = 13

    def table(width, cell):
        """One row per (problem, budget), one column per sampler; `cell(result)` formats a result."""
        print(f"{'problem':<10} {'trials':>6} " + "".join(f"{names[c]:>{width}}" for c in cols))
        for p in problems:
            for b in budgets:
                cells = ["—" if g is None else cell(g) for g in (get(t, s, p, b) for t, s in cols)]
                print(f"{p:<10} {b:>6} " + "".join(f"{c:>{width}}" for c in cells))
        print()

    table(w, lambda g: fmt(g["median"]))
    print("IQR [q1, q3] of the same")
    table(22, lambda g: f"[{fmt(g['q1'], 3)}, {fmt(g['q3'], 3)}]")
    print("Mean regret over the seeds (the digits table's values are discrete, so medians tie at 0)")
    table(w, lambda g: fmt(mean(g["per_seed"])))
    pairs = [
        ("tpe/TPE", ("hps", "tpe"), ("optuna", "tpe")),
        ("tpe/TPEuni", ("hps", "tpe"), ("optuna", "tpe-univariate")),
        ("bo/GP", ("hps", "bo"), ("optuna", "gp")),
        ("bo/TPE", ("hps", "bo"), ("optuna", "tpe")),
    ]
    print(
        "Targets: ratio of median regrets (hps / Optuna; ≤ 1 means hps is at least as good) and the "
        "two-sided Mann-Whitney p over seeds"
    )
    print(f"{'problem':<10} {'trials':>6} " + "".join(f"{n:>12}{'p':>9}" for n, _, _ in pairs))
    for p in problems:
        for b in budgets:
            cells = ""
            for _, (t1, s1), (t2, s2) in pairs:
                a, c = get(t1, s1, p, b), get(t2, s2, p, b)
                r = ratio(None if a is None else a["median"], None if c is None else c["median"])
                pv = mwu(None if a is None else a["per_seed"], None if c is None else c["per_seed"])
                cells += f"{r:>12}{pv:>9}"
            print(f"{p:<10} {b:>6} " + cells)
    print()
    print(
        f"Mean ms per ask with {hps['timing']['at']} observations "
        f"(hps: {hps['timing']['seeds']} seeds × {hps['timing']['asks']} asks; "
        f"Optuna: {opt['timing']['seeds']} seeds × {opt['timing']['asks']} asks)"
    )
    print(
        f"{'problem':<10} " + "".join(f"{names[c]:>{w}}" for c in cols)
        + f"{'bo/GP':>9}{'tpe/TPE':>9}{'tpe/TPEuni':>11}"
    )
    for p in problems:
        ms = {c: (by[(c[0], c[1], p)]["ask_ms_at"] if (c[0], c[1], p) in by else None) for c in cols}
        cells = "".join(f"{fmt(ms[c], 3):>{w}}" for c in cols)

        def tr(a, b):
            return "—" if ms[a] is None or ms[b] is None or ms[b] == 0 else f"{ms[a] / ms[b]:.3f}"

        cells += f"{tr(('hps', 'bo'), ('optuna', 'gp')):>9}{tr(('hps', 'tpe'), ('optuna', 'tpe')):>9}"
        cells += f"{tr(('hps', 'tpe'), ('optuna', 'tpe-univariate')):>11}"
        print(f"{p:<10} " + cells)
    print()
    print("Issue 4's targets (medians; '—' where a side is missing)")

    def median(tool, sampler, p, b):
        g = get(tool, sampler, p, b)
        return None if g is None else g["median"]

    def check(ok: bool | None) -> str:
        return "—" if ok is None else ("yes" if ok else "NO")

    def ms(tool, sampler, p):
        r = by.get((tool, sampler, p))
        return None if r is None else r["ask_ms_at"]

    target_budget = 50 if 50 in budgets else budgets[-1]
    print(
        f"{'problem':<10} {'bo ≤ GP @' + str(target_budget):>13} {'bo < TPE @' + str(target_budget):>14} "
        f"{'bo ask < GP/10':>15} " + "".join(f"{'tpe ≤ TPE @' + str(b):>15}" for b in budgets)
    )
    for p in problems:
        def cmp(x, y, strict=False):
            if x is None or y is None:
                return None
            return x < y if strict else x <= y

        bo_gp = cmp(median("hps", "bo", p, target_budget), median("optuna", "gp", p, target_budget))
        bo_tpe = cmp(median("hps", "bo", p, target_budget), median("optuna", "tpe", p, target_budget), True)
        t_bo, t_gp = ms("hps", "bo", p), ms("optuna", "gp", p)
        fast = None if t_bo is None or t_gp is None else t_bo < t_gp / 10
        tpe = [check(cmp(median("hps", "tpe", p, b), median("optuna", "tpe", p, b))) for b in budgets]
        print(
            f"{p:<10} {check(bo_gp):>13} {check(bo_tpe):>14} {check(fast):>15} "
            + "".join(f"{t:>15}" for t in tpe)
        )
    missing = [s for s in ("random", "tpe", "bo") if not any(k[0] == "hps" and k[1] == s for k in by)]
    for r in hps["results"]:
        if not r.get("available") and r["sampler"] in missing:
            print(f"\nhps {r['sampler']}: not available in this build ({r.get('reason', '')})")
            missing.remove(r["sampler"])
    print(f"\nversions: hps {hps.get('version')}; " + ", ".join(f"{k} {v}" for k, v in opt["version"].items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command")
    r = sub.add_parser("run")
    for p in (parser, r):
        p.add_argument("--seeds", type=int, default=20)
        p.add_argument("--trials", type=int, default=100)
        p.add_argument("--timing-seeds", type=int, default=3)
        p.add_argument("--asks", type=int, default=5)
        p.add_argument("--at", type=int, default=200)
        p.add_argument("--samplers", default="random,tpe,tpe-univariate,gp")
        p.add_argument("--problems", default="branin,hartmann6,digits")
        p.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
        p.add_argument("--out", default=str(ROOT / "target" / "samplers-optuna.json"))
    c = sub.add_parser("compare")
    c.add_argument("hps")
    c.add_argument("optuna")
    args = parser.parse_args()
    if args.command == "compare":
        compare(args)
    else:
        run(args)


if __name__ == "__main__":
    main()
