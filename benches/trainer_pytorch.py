"""The PyTorch side of benches/trainer_vs_pytorch.sh: the same digits MLP and small CNN as
benches/trainer_throughput.rs (same split sizes, standardisation on train statistics, batch 64, Adam
lr 1e-3, 6 epochs of train + evaluate after a 1-epoch warm-up), on 1 and 2 threads. Prints one JSON
line per case."""
import gzip, json, sys, time

import numpy as np
import torch
from torch import nn

rows = np.loadtxt(gzip.open(sys.argv[1]), delimiter=",", dtype=np.float32)
x, y = rows[:, :64], rows[:, 64].astype(np.int64)
rng = np.random.default_rng(7)
order = rng.permutation(len(x))
val = round(len(x) * 0.2)
train_idx, val_idx = order[val:], order[:val]
mean, std = x[train_idx].mean(0), x[train_idx].std(0)
std[std == 0] = 1
x = (x - mean) / std
EPOCHS = 6


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Dropout(0.0),
                         nn.Linear(128, 128), nn.ReLU(), nn.Dropout(0.0), nn.Linear(128, 10))


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))


def train(model, epochs, xt, yt, xv, yv):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    n = len(xt)
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(n)
        for s in range(0, n, 64):
            idx = perm[s:s + 64]
            opt.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            logits = model(xv)
            loss_fn(logits, yv).item()
            (logits.argmax(1) == yv).float().mean().item()


for threads in (1, 2):
    torch.set_num_threads(threads)
    for name, make in (("mlp", mlp), ("cnn", cnn)):
        xt = torch.from_numpy(x[train_idx]).reshape(-1, 1, 8, 8)
        xv = torch.from_numpy(x[val_idx]).reshape(-1, 1, 8, 8)
        yt, yv = torch.from_numpy(y[train_idx]), torch.from_numpy(y[val_idx])
        torch.manual_seed(1)
        model = make()
        train(model, 1, xt, yt, xv, yv)
        start = time.perf_counter()
        train(model, EPOCHS, xt, yt, xv, yv)
        seconds = time.perf_counter() - start
        print(json.dumps({"impl": "pytorch", "model": name, "threads": threads,
                          "samples_per_s": round(EPOCHS * len(train_idx) / seconds)}))
