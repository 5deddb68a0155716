#!/usr/bin/env python3
"""One task's meta-training table from `hps export --curves` files (one per initialisation seed).

Usage: compact_table.py TASK EXPORT_S1.csv EXPORT_S2.csv EXPORT_S3.csv > meta/tables/TASK.csv

Output: one row per configuration and seed, sorted by configuration then seed:
`width,depth,drop,optimizer,lr,seed,acc_1,...,acc_27` — the validation accuracy after each epoch,
rounded to 5 decimals (`nan` where a run diverged). The seed is read from the file name (`_sN.csv`).
"""
import csv
import re
import sys

PARAMS = ["model.width", "model.depth", "model.drop", "train.optimizer", "train.lr"]


def rows(path):
    seed = int(re.search(r"_s(\d+)\.csv$", path).group(1))
    curves = {}
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            key = tuple(r[p] for p in PARAMS)
            epoch = int(r["epoch"])
            value = r.get("val.accuracy", "")
            curves.setdefault(key, {})[epoch] = value
    for key, curve in curves.items():
        last = max(curve)
        values = []
        for epoch in range(1, last + 1):
            v = curve.get(epoch, "")
            try:
                values.append("%.5g" % float(v))
            except ValueError:
                values.append("nan")
        yield key, seed, values


def main():
    task, paths = sys.argv[1], sys.argv[2:]
    out = csv.writer(sys.stdout, lineterminator="\n")
    table = sorted(
        (r for p in paths for r in rows(p)),
        key=lambda r: (int(r[0][0]), int(r[0][1]), float(r[0][2]), r[0][3], float(r[0][4]), r[1]),
    )
    epochs = max(len(v) for _, _, v in table)
    out.writerow(["width", "depth", "drop", "optimizer", "lr", "seed"] + [f"acc_{e}" for e in range(1, epochs + 1)])
    for key, seed, values in table:
        out.writerow(list(key) + [seed] + values)
    print(f"{task}: {len(table)} rows", file=sys.stderr)


if __name__ == "__main__":
    main()
