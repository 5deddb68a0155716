"""scikit-learn's NuSVR on a dataset written by nu_svr_vs_sklearn.sh: fit on train.csv, predict
test.csv (last column: the target); prints R² and the median fit + predict time in ms as JSON."""
import json
import sys
import time

import numpy as np
from sklearn.metrics import r2_score
from sklearn.svm import NuSVR

folder, c, nu, gamma, repeats = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
train = np.loadtxt(f"{folder}/train.csv", delimiter=",")
test = np.loadtxt(f"{folder}/test.csv", delimiter=",")
x, y, tx, ty = train[:, :-1], train[:, -1], test[:, :-1], test[:, -1]
times, predicted = [], None
for _ in range(repeats):
    start = time.perf_counter()
    model = NuSVR(C=c, nu=nu, gamma=gamma, tol=1e-3).fit(x, y)
    predicted = model.predict(tx)
    times.append((time.perf_counter() - start) * 1e3)
print(json.dumps({"r2": r2_score(ty, predicted), "ms": sorted(times)[len(times) // 2]}))
