#!/usr/bin/env bash
# One study on 8 machines with Slurm: a job array whose every task is one `hps run` worker on the
# same study, coordinated through a PostgreSQL server every node can reach. Submit with
#
#   export HPS_STORAGE=postgres://hps:secret@db.cluster:5432/studies
#   sbatch examples/distributed/slurm.sh
#
# Each task claims trials from the store until the study's budget is spent; start more tasks later
# (another sbatch) and they join the same study. A node that dies takes its worker with it: the
# trials it was training go back to the queue once their lease ends (--lease) and resume from their
# checkpoints on whichever worker claims them. The checkpoints are kept in the database (the
# default with PostgreSQL); with a shared file system, `--artifacts /shared/hps-trials` keeps them
# there instead.
#SBATCH --job-name=hps-digits
#SBATCH --array=0-7
#SBATCH --cpus-per-task=4
#SBATCH --mem=8G
#SBATCH --time=02:00:00
#SBATCH --output=hps-%A_%a.log
set -euo pipefail
: "${HPS_STORAGE:?set HPS_STORAGE to the study store, e.g. postgres://user:pass@host/db}"
# The study file and the data it reads must be readable on every node (a shared home, or copied).
exec hps run examples/digits_mlp.hps --storage "$HPS_STORAGE" --lease 60s --quiet
