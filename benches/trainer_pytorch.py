"""The PyTorch side of benches/trainer_vs_pytorch.sh: the same models as benches/trainer_throughput.rs
on the same data (same split sizes; standardisation on train statistics for the digits, pixels / 255
for Fashion-MNIST), Adam lr 1e-3, one warm-up epoch then the timed epochs of train + evaluate (both
in batches of the training batch size). Cases: the digits MLP and small CNN (batch 64, 6 epochs) and
issue 15's Fashion-MNIST CNN on the first 7,680 training images (batch 128, 2 epochs).

Usage: trainer_pytorch.py DIGITS_CSV_GZ [MODEL THREADS]. Without MODEL and THREADS every case runs
(Fashion-MNIST when installed); prints one JSON line per case."""
import gzip, json, os, sys, time

import numpy as np
import torch
from torch import nn

FASHION = os.environ.get("HPS_FASHION_MNIST", "/usr/share/datasets/fashion-mnist")


def split(rows):
    """Train and validation indices of `rows` rows: a seeded 80/20 split."""
    order = np.random.default_rng(7).permutation(rows)
    val = round(rows * 0.2)
    return order[val:], order[:val]


def digits():
    rows = np.loadtxt(gzip.open(sys.argv[1]), delimiter=",", dtype=np.float32)
    x, y = rows[:, :64], rows[:, 64].astype(np.int64)
    train, val = split(len(x))
    mean, std = x[train].mean(0), x[train].std(0)
    std[std == 0] = 1
    return ((x - mean) / std).reshape(-1, 1, 8, 8), y, train, val


def idx(name):
    path = os.path.join(FASHION, name)
    if os.path.exists(path + ".gz"):
        with gzip.open(path + ".gz", "rb") as f:
            data = f.read()
    else:
        with open(path, "rb") as f:
            data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def fashion():
    x = idx("train-images-idx3-ubyte")[:7680].astype(np.float32) / 255
    y = idx("train-labels-idx1-ubyte")[:7680].astype(np.int64)
    train, val = split(len(x))
    return x.reshape(-1, 1, 28, 28), y, train, val


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Dropout(0.0),
                         nn.Linear(128, 128), nn.ReLU(), nn.Dropout(0.0), nn.Linear(128, 10))


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))


def fashion_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


# name: (model, data, batch, timed epochs)
CASES = {
    "mlp": (mlp, digits, 64, 6),
    "cnn": (cnn, digits, 64, 6),
    "fashion_cnn": (fashion_cnn, fashion, 128, 2),
}


def train(model, epochs, batch, xt, yt, xv, yv):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    n = len(xt)
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(n)
        for s in range(0, n, batch):
            idx = perm[s:s + batch]
            opt.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            for s in range(0, len(xv), batch):
                logits = model(xv[s:s + batch])
                loss_fn(logits, yv[s:s + batch]).item()
                (logits.argmax(1) == yv[s:s + batch]).float().mean().item()


def run(name, threads):
    make, data, batch, epochs = CASES[name]
    torch.set_num_threads(threads)
    x, y, train_idx, val_idx = data()
    xt, xv = torch.from_numpy(x[train_idx]), torch.from_numpy(x[val_idx])
    yt, yv = torch.from_numpy(y[train_idx]), torch.from_numpy(y[val_idx])
    torch.manual_seed(1)
    model = make()
    train(model, 1, batch, xt, yt, xv, yv)
    start = time.perf_counter()
    train(model, epochs, batch, xt, yt, xv, yv)
    seconds = time.perf_counter() - start
    print(json.dumps({"impl": "pytorch", "model": name, "threads": threads,
                      "samples_per_s": round(epochs * len(train_idx) / seconds)}), flush=True)


if len(sys.argv) == 4:
    run(sys.argv[2], int(sys.argv[3]))
else:
    fashion_installed = any(os.path.exists(os.path.join(FASHION, "train-images-idx3-ubyte" + e))
                            for e in ("", ".gz"))
    for threads in (1, 2):
        for name in CASES:
            if name != "fashion_cnn" or fashion_installed:
                run(name, threads)
