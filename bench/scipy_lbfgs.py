"""SciPy's L-BFGS-B iteration and evaluation counts for bench/optim.ts.

Run: python3 bench/scipy_lbfgs.py   (prints the constants recorded in bench/optim.ts)

Problems (the same definitions as bench/optim.ts):
  - Rosenbrock (scipy.optimize.rosen), n = 2, 10, 100, x0 = [-1.2, 1, -1.2, 1, ...]
  - L2-regularized logistic regression, 200 samples x 10 features from closed-form
    deterministic data (no RNG, so TypeScript builds the identical problem):
      X[i, j] = sin(0.7 (i+1)(j+1) + 0.3 j),  w*_j = cos(j),
      y_i = 1 if (X w*)_i + 0.5 sin(3.1 i) > 0 else 0,
      f(w) = mean_i softplus(-(2 y_i - 1) (X w)_i) + 0.005 ||w||^2,  w0 = 0.
Stopping: projected-gradient inf-norm <= 1e-8 (gtol), ftol = 0 (no stop on the
relative decrease), m = 10 corrections, no bounds.
"""
import numpy as np
import scipy
from scipy.optimize import minimize, rosen, rosen_der

def logistic():
    n, d = 200, 10
    i = np.arange(n)[:, None]
    j = np.arange(d)[None, :]
    X = np.sin(0.7 * (i + 1) * (j + 1) + 0.3 * j)
    w_star = np.cos(np.arange(d))
    y = ((X @ w_star + 0.5 * np.sin(3.1 * np.arange(n))) > 0).astype(float)
    s = 2 * y - 1
    lam = 0.01
    def f(w):
        z = -s * (X @ w)
        return np.mean(np.logaddexp(0, z)) + 0.5 * lam * w @ w
    def g(w):
        z = -s * (X @ w)
        sig = 1 / (1 + np.exp(-z))
        return X.T @ (-s * sig) / n + lam * w
    return f, g, np.zeros(d)

def run(name, f, g, x0):
    r = minimize(f, x0, jac=g, method="L-BFGS-B",
                 options={"gtol": 1e-8, "ftol": 0.0, "maxiter": 100000, "maxfun": 100000, "maxcor": 10})
    gn = np.max(np.abs(g(r.x)))
    print(f'  {{ name: "{name}", nit: {r.nit}, nfev: {r.nfev}, gnorm: {gn:.3e}, success: {str(r.success).lower()} }},  // {r.message}')

print(f"// SciPy {scipy.__version__}, NumPy {np.__version__}")
for n in (2, 10, 100):
    x0 = np.array([-1.2 if k % 2 == 0 else 1.0 for k in range(n)])
    run(f"rosenbrock n={n}", rosen, rosen_der, x0)
f, g, w0 = logistic()
run("logistic 200x10", f, g, w0)

# The other methods on Rosenbrock (informational: bench/optim.ts prints them beside matgrad's).
# BFGS / CG / trust-ncg stop at gtol 1e-8 (inf-norm for BFGS and CG, 2-norm for trust-ncg);
# Newton-CG has no gradient test in SciPy, so it runs to xtol 1e-12.
from scipy.optimize import rosen_hess_prod
print("// other methods on Rosenbrock")
for n in (2, 10, 100):
    x0 = np.array([-1.2 if k % 2 == 0 else 1.0 for k in range(n)])
    for m in ("BFGS", "CG", "Newton-CG", "trust-ncg"):
        kw = {"hessp": rosen_hess_prod} if m in ("Newton-CG", "trust-ncg") else {}
        opts = {"xtol": 1e-12} if m == "Newton-CG" else {"gtol": 1e-8}
        r = minimize(rosen, x0, jac=rosen_der, method=m, options=opts, **kw)
        print(f'  {{ name: "rosenbrock n={n}", method: "{m.lower()}", nit: {r.nit}, nfev: {r.nfev} }},')

# Box bounds (matgrad's bounded lbfgs is L-BFGS-B: generalized Cauchy point + subspace
# minimization): Rosenbrock with every x_i in [-2, 0.8], so the upper bounds are active
# at the solution.
print("// bounded Rosenbrock, x_i in [-2, 0.8]")
for n in (2, 10, 100):
    x0 = np.array([-1.2 if k % 2 == 0 else 0.5 for k in range(n)])
    r = minimize(rosen, x0, jac=rosen_der, method="L-BFGS-B", bounds=[(-2, 0.8)] * n,
                 options={"gtol": 1e-8, "ftol": 0.0, "maxiter": 100000, "maxfun": 100000, "maxcor": 10})
    print(f'  {{ n: {n}, nit: {r.nit}, nfev: {r.nfev}, fun: {float(r.fun)!r} }},  // {r.message}')
