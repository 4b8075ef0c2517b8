"""PyTorch functorch side of bench/vmap.ts (issue 14): vmap(grad), jacrev, jacfwd, hessian.

Run by bench/vmap.ts as a child process (it is not run by `npm test`):
    /usr/bin/python3 bench/vmap_torch.py
Needs Debian's python3-torch (with functorch):  apt-get install python3-torch

Protocol (so that both libraries are timed alternately under the same machine load):
reads one workload name per line on stdin, times it (every call on its own for
at least 0.3 s after warm-up) and prints one JSON line {"name": ..., "seconds":
median, "min": minimum}. "quit" ends.
Float64 everywhere; torch uses as many threads as matgrad (argument 1, default 1).
"""
import json
import sys
import time

import torch
from functorch import grad, hessian, jacfwd, jacrev, vmap

torch.set_default_dtype(torch.float64)
torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
torch.manual_seed(0)

# per-example gradients of a 2-layer MLP 64 -> 64 -> 1 (tanh), batch 256
D, H, B = 64, 64, 256
params = {
    "W1": torch.randn(H, D) / D ** 0.5,
    "b1": torch.zeros(H),
    "W2": torch.randn(1, H) / H ** 0.5,
    "b2": torch.zeros(1),
}
X = torch.randn(B, D)
Y = torch.randn(B)


def loss(p, x, y):
    h = torch.tanh(p["W1"] @ x + p["b1"])
    out = (p["W2"] @ h + p["b2"])[0]
    return (out - y) ** 2


per_example = vmap(grad(loss), in_dims=(None, 0, 0))

# the Jacobian of X -> X X + sin X at 32 x 32 (1024 x 1024)
A = torch.randn(32, 32) / 32 ** 0.5


def f(x):
    return x @ x + torch.sin(x)


jr = jacrev(f)
jf = jacfwd(f)

# the Hessian of logdet at 16 x 16 (256 x 256)
S = torch.randn(16, 16)
S = S @ S.T / 16 + torch.eye(16)
hl = hessian(torch.logdet)

work = {
    "perExampleGrad": lambda: per_example(params, X, Y),
    "jacrev": lambda: jr(A),
    "jacfwd": lambda: jf(A),
    "hessianLogdet": lambda: hl(S),
}


def best(fn, min_time=0.3, reps_min=3):
    for _ in range(2):
        fn()
    times = []
    t_end = time.perf_counter() + min_time
    while len(times) < reps_min or time.perf_counter() < t_end:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        if len(times) > 200:
            break
    times.sort()
    return times[len(times) // 2], times[0]


print(json.dumps({"ready": torch.__version__}), flush=True)
for line in sys.stdin:
    name = line.strip()
    if name == "quit" or name == "":
        break
    median, fastest = best(work[name])
    print(json.dumps({"name": name, "seconds": median, "min": fastest}), flush=True)
