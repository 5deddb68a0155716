#!/usr/bin/env python3
"""One seed's learning curves from a meta-training table, in the format `trial = lookup(...)` replays.

Usage: table_to_lookup.py meta/tables/TASK.csv SEED > curves.csv

Input: a table of scripts/meta/compact_table.py (`width,depth,drop,optimizer,lr,seed,acc_1..acc_27`).
Output: `width,depth,drop,optimizer,lr,epoch,val.accuracy`, one row per configuration and epoch of
that seed; an epoch recorded as `nan` (a diverged run) ends its curve there with `nan`.
"""
import csv
import sys

PARAMS = ["width", "depth", "drop", "optimizer", "lr"]


def main(table, seed):
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(PARAMS + ["epoch", "val.accuracy"])
    with open(table, newline="") as f:
        for row in csv.DictReader(f):
            if row["seed"] != seed:
                continue
            epoch = 1
            while f"acc_{epoch}" in row and row[f"acc_{epoch}"] != "":
                value = row[f"acc_{epoch}"]
                out.writerow([row[p] for p in PARAMS] + [epoch, value])
                if value == "nan":
                    break
                epoch += 1


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
