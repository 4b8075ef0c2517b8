/**
 * Scalar special functions in float64, each accurate to a few ulp (measured
 * against mpmath in test/ops/elementwise-math.test.ts): erf / erfc (W. J. Cody's
 * rational Chebyshev approximations, Math. Comp. 1969), erfinv (Giles' initial
 * guess refined by Newton steps on erf or erfc), lgamma / digamma / polygamma
 * (Taylor series at their troublesome points, recurrences, Stirling's and the
 * asymptotic series, reflection), sinpi / cospi (exact argument reduction), and
 * the rounding and remainder functions with PyTorch's conventions.
 */

const SQRT_PI_INV = 0.5641895835477563; // 1/√π
const TWO_OVER_SQRT_PI = 1.1283791670955126; // 2/√π
const HALF_LOG_2PI = 0.9189385332046728; // ½ log 2π

// Cody's coefficients: erf on |x| ≤ 0.46875; erfc on [0.46875, 4]; erfc on (4, ∞) in 1/x².
const CA = [3.1611237438705655, 113.86415415105016, 377.485237685302, 3209.3775891384694, 0.18577770618460315];
const CB = [23.601290952344122, 244.02463793444417, 1282.6165260773723, 2844.236833439171];
const CC = [0.5641884969886701, 8.883149794388377, 66.11919063714163, 298.6351381974001, 881.952221241769,
  1712.0476126340707, 2051.0783778260716, 1230.3393547979972, 2.1531153547440383e-08];
const CD = [15.744926110709835, 117.6939508913125, 537.1811018620099, 1621.3895745666903, 3290.7992357334597,
  4362.619090143247, 3439.3676741437216, 1230.3393548037495];
const CP = [0.30532663496123236, 0.36034489994980445, 0.12578172611122926, 0.016083785148742275, 0.0006587491615298378, 0.016315387137302097];
const CQ = [2.568520192289822, 1.8729528499234604, 0.5279051029514285, 0.06051834131244132, 0.0023352049762686918];

/** erf(y)/y·… for |y| ≤ 0.46875: y·P(y²)/Q(y²). */
function erfSmall(x: number): number {
  const y2 = x * x;
  let num = CA[4] * y2, den = y2;
  for (let i = 0; i < 3; i++) {
    num = (num + CA[i]) * y2;
    den = (den + CB[i]) * y2;
  }
  return (x * (num + CA[3])) / (den + CB[3]);
}

/**
 * erfc(y) for y > 0.46875. exp(−y²) is evaluated as exp(−r²)·exp(−(y−r)(y+r))
 * with r = y rounded down to a multiple of 1/16, so that y² is never rounded
 * before the exponential (its rounding error would be amplified by y²).
 */
function erfcLarge(y: number): number {
  if (y >= 26.55) return 0; // below the smallest subnormal
  let r: number;
  if (y <= 4) {
    let num = CC[8] * y, den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + CC[i]) * y;
      den = (den + CD[i]) * y;
    }
    r = (num + CC[7]) / (den + CD[7]);
  } else {
    const z = 1 / (y * y);
    let num = CP[5] * z, den = z;
    for (let i = 0; i < 4; i++) {
      num = (num + CP[i]) * z;
      den = (den + CQ[i]) * z;
    }
    r = (z * (num + CP[4])) / (den + CQ[4]);
    r = (SQRT_PI_INV - r) / y;
  }
  const ys = Math.trunc(y * 16) / 16;
  const del = (y - ys) * (y + ys);
  return Math.exp(-ys * ys) * Math.exp(-del) * r;
}

/** The error function erf(x) = 2/√π ∫₀ˣ e^(−t²) dt. */
export function erf(x: number): number {
  const y = Math.abs(x);
  if (y <= 0.46875) return erfSmall(x);
  if (y !== y) return NaN;
  const r = 0.5 - erfcLarge(y) + 0.5;
  return x < 0 ? -r : r;
}

/** The complementary error function erfc(x) = 1 − erf(x), without cancellation for large x. */
export function erfc(x: number): number {
  const y = Math.abs(x);
  if (y <= 0.46875) return 1 - erfSmall(x);
  if (y !== y) return NaN;
  const r = erfcLarge(y);
  return x < 0 ? 2 - r : r;
}

/**
 * The inverse error function on [−1, 1] (±∞ at ±1, NaN outside). Giles' single-precision
 * polynomial ("Approximating the erfinv function", 2010) gives ~1e-7 relative; Newton
 * steps on erf(y) = x (|x| ≤ 0.5) or on erfc(y) = 1 − x (|x| > 0.5, where 1 − x is exact
 * and erfc keeps full relative accuracy in the tail) each square the error: two steps
 * reach float64, a third cleans up the last ulp.
 */
export function erfinv(x: number): number {
  if (x !== x || x < -1 || x > 1) return NaN;
  if (x === 1) return Infinity;
  if (x === -1) return -Infinity;
  if (x === 0) return x; // keeps −0
  const a = Math.abs(x);
  let w = -Math.log1p(-a * a);
  // (1 − a)(1 + a) loses accuracy near 1: use log(1 − a) + log1p(a) there
  if (a > 0.5) w = -(Math.log(1 - a) + Math.log1p(a));
  let p: number;
  if (w < 5) {
    w -= 2.5;
    p = 2.81022636e-8;
    p = 3.43273939e-7 + p * w;
    p = -3.5233877e-6 + p * w;
    p = -4.39150654e-6 + p * w;
    p = 0.00021858087 + p * w;
    p = -0.00125372503 + p * w;
    p = -0.00417768164 + p * w;
    p = 0.246640727 + p * w;
    p = 1.50140941 + p * w;
  } else {
    w = Math.sqrt(w) - 3;
    p = -0.000200214257;
    p = 0.000100950558 + p * w;
    p = 0.00134934322 + p * w;
    p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w;
    p = -0.0076224613 + p * w;
    p = 0.00943887047 + p * w;
    p = 1.00167406 + p * w;
    p = 2.83297682 + p * w;
  }
  let y = p * a;
  if (a <= 0.5) {
    // Newton on f(y) = erf(y) − a, f′(y) = (2/√π) e^(−y²)
    for (let k = 0; k < 3; k++) y -= (erf(y) - a) / (TWO_OVER_SQRT_PI * Math.exp(-y * y));
  } else {
    // Newton on g(y) = log erfc(y) − log(1 − a) (1 − a exact for a ≥ 0.5, Sterbenz), g′(y) = −(2/√π) e^(−y²)/erfc(y):
    // log erfc is close to quadratic, so this converges from the rough guess even deep in the tail
    // (Giles' polynomial is fitted for w < 16), where Newton on erfc itself overshoots
    const lc = Math.log(1 - a);
    y = Math.min(y, 26); // erfc(y) > 0
    for (let k = 0; k < 12; k++) {
      const e = erfc(y);
      const step = (Math.log(e) - lc) / (-TWO_OVER_SQRT_PI * Math.exp(-y * y) / e);
      y -= step;
      if (Math.abs(step) <= 1e-17 * y) break;
    }
  }
  return x < 0 ? -y : y;
}

// Taylor coefficients (mpmath): lgamma(1 + z) = Σ L1[k−1] zᵏ, lgamma(2 + z) = Σ L2[k−1] zᵏ.
const L1 = [-0.5772156649015329, 0.8224670334241132, -0.40068563438653143, 0.27058080842778454, -0.20738555102867398, 0.1695571769974082, -0.1440498967688461, 0.12550966952474304, -0.11133426586956469, 0.1000994575127818, -0.09095401714582904, 0.083353840546109, -0.0769325164113522, 0.07143294629536133, -0.06666870588242046, 0.06250095514121304, -0.058823978658684585, 0.055555767627403614, -0.05263167937961666, 0.05000004769810169, -0.047619070330142226, 0.04545455629320467, -0.04347826605304026, 0.04166666915034121, -0.04000000119214014, 0.03846153903467518, -0.037037037312989324, 0.035714285847333355, -0.034482758684919304, 0.03333333336437758, -0.03225806453115042, 0.03125000000727597, -0.030303030306558044, 0.029411764707594344, -0.02857142857226011, 0.027777777778181998, -0.027027027027223673, 0.02631578947377995, -0.025641025641072283, 0.025000000000022737, -0.024390243902450117, 0.023809523809529224, -0.023255813953491015, 0.02272727272727402, -0.022222222222222855, 0.021739130434782917, -0.021276595744681003, 0.02083333333333341, -0.02040816326530616, 0.020000000000000018, -0.019607843137254912, 0.019230769230769235, -0.01886792452830189, 0.01851851851851852, -0.01818181818181818, 0.017857142857142856, -0.017543859649122806, 0.017241379310344827, -0.01694915254237288, 0.016666666666666666, -0.01639344262295082];
const L2 = [0.42278433509846713, 0.3224670334241132, -0.0673523010531981, 0.020580808427784546, -0.007385551028673986, 0.0028905103307415234, -0.001192753911703261, 0.0005096695247430425, -0.00022315475845357939, 9.945751278180853e-05, -4.492623673813314e-05, 2.050721277567069e-05, -9.439488275268397e-06, 4.374866789907488e-06, -2.039215753801366e-06, 9.55141213040742e-07, -4.492469198764566e-07, 2.1207184805554665e-07, -1.0043224823968099e-07, 4.7698101693639804e-08, -2.2711094608943164e-08, 1.0838659214896955e-08, -5.183475041970047e-09, 2.4836745438024785e-09, -1.1921401405860912e-09, 5.731367241678862e-10, -2.7595228851242334e-10, 1.330476437424449e-10, -6.4229645638381e-11, 3.1044247747322276e-11, -1.5021384080754142e-11, 7.275974480239079e-12, -3.527742476575915e-12, 1.711991790559618e-12, -8.315385841420285e-13, 4.04220052528944e-13, -1.9664756310966165e-13, 9.573630387838556e-14, -4.6640760264283744e-14, 2.2737369600659724e-14, -1.1091399470834522e-14];
// Bernoulli numbers B₂, B₄, …, B₂₂
const BERN = [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510, 43867 / 798, -174611 / 330, 854513 / 138];

/** Σ c[k] z^(k+1) by Horner's rule. */
function series(c: readonly number[], z: number): number {
  let s = 0;
  for (let k = c.length - 1; k >= 0; k--) s = s * z + c[k];
  return s * z;
}

/** sin(πx) with exact argument reduction (x − 2·round(x/2) is exact): 0 at every integer. */
export function sinpi(x: number): number {
  if (!Number.isFinite(x)) return NaN;
  if (Math.abs(x) >= 4503599627370496) return 0 * x; // 2⁵²: every float is an integer
  let r = x - 2 * Math.round(x / 2); // in [−1, 1]
  let s = 1;
  if (r < 0) { r = -r; s = -1; }
  if (r > 0.5) r = 1 - r; // sin(π(1 − r)) = sin(πr), 1 − r exact
  const v = r === 0 ? 0 : r <= 0.25 ? Math.sin(Math.PI * r) : Math.cos(Math.PI * (0.5 - r));
  return v === 0 ? (x < 0 ? -0 : 0) : s * v; // sinPi(±n) = ±0 (IEEE 754)
}

/** cos(πx) with exact argument reduction: 0 at every half-integer. */
export function cospi(x: number): number {
  if (!Number.isFinite(x)) return NaN;
  if (Math.abs(x) >= 4503599627370496) return 1;
  let r = Math.abs(x - 2 * Math.round(x / 2)); // in [0, 1]
  let s = 1;
  if (r > 0.5) { r = 1 - r; s = -1; } // cos(π(1 − r)) = −cos(πr)
  if (r === 0.5) return 0;
  return s * (r <= 0.25 ? Math.cos(Math.PI * r) : Math.sin(Math.PI * (0.5 - r)));
}

/**
 * log|Γ(x)| (PyTorch's lgamma). Series at 1 and 2 (the zeros, where a formula summing
 * large terms would lose all relative accuracy), the recurrence Γ(x+1) = xΓ(x) down to
 * [1.5, 2.5] below 10, Stirling's series above, reflection Γ(x)Γ(1−x) = π/sin(πx) below 0.5.
 * +∞ at 0 and the negative integers.
 */
export function lgamma(x: number): number {
  if (x !== x) return NaN;
  if (x === Infinity || x === -Infinity) return Infinity;
  if (x < 0.5) {
    if (x <= 0 && Math.floor(x) === x) return Infinity;
    if (x > -1e-300 && x < 1e-300) return -Math.log(Math.abs(x));
    // log|Γ(x)| = log(π / |sin πx|) − log|Γ(1 − x)|
    if (x > 0) return series(L1, x) - Math.log(x); // log Γ(x) = log Γ(1 + x) − log x, the series at 1 in z = x exactly
    return Math.log(Math.PI / Math.abs(sinpi(x))) - lgamma(1 - x);
  }
  if (x < 1.5) return series(L1, x - 1) + 0; // + 0: log Γ(1) = +0, not −0
  if (x <= 2.5) return series(L2, x - 2);
  if (x < 10) {
    // Γ(x) = (x−1)(x−2)…(x−n) Γ(x−n) with x − n in (1.5, 2.5]
    let p = 1;
    while (x > 2.5) { x -= 1; p *= x; }
    return series(L2, x - 2) + Math.log(p);
  }
  // Stirling: (x − ½) log x − x + ½ log 2π + Σ B₂ₖ / (2k(2k−1) x^(2k−1))
  const z = 1 / (x * x);
  let s = 0;
  for (let k = 7; k >= 1; k--) s = s * z + BERN[k - 1] / (2 * k * (2 * k - 1));
  s /= x;
  if (x > 1e17) return x * (Math.log(x) - 1);
  return (x - 0.5) * Math.log(x) - x + HALF_LOG_2PI + s;
}

const DIGAMMA_ROOT_HI = 1.4616321449683622;
const DIGAMMA_ROOT_LO = 9.549995429965697e-17;
// Taylor coefficients of ψ at its positive root x₀ (mpmath): ψ(x₀ + h) = Σ D[k−1] hᵏ
const D = [0.9676722454476212, -0.4427631689835921, 0.258499760955651, -0.16394270544240652, 0.10782405069126237, -0.07219956125645471, 0.04880428816414311, -0.03316112647484736, 0.022597648232218104, -0.01542476590494896, 0.010538791616612175, -0.007204534386356869, 0.004926781395729853, -0.003369801655439328, 0.002305126326734928, -0.0015769367714301972, 0.0010788252019162967, -0.0007380709389960052, 0.000504953265834602, -0.0003454680251063077, 0.00023635601564027053, -0.00016170622091974803, 0.0001106337276874741, -7.569179582195066e-05, 5.178575795222081e-05, -3.5430070947659604e-05, 2.424006611860132e-05, -1.6584242271854135e-05, 1.134638458466385e-05, -7.762817668462094e-06, 5.3110609208898636e-06, -3.6336507898010456e-06, 2.486022733129538e-06, -1.7008538854332607e-06, 1.1636675363548843e-06, -7.96142543124197e-07, 5.446941930669446e-07, -3.7266161283438227e-07, 2.549626552021554e-07, -1.7443695117727745e-07, 1.1934394829830244e-07, -8.165115189488409e-08, 5.586299683532171e-08, -3.821960061917494e-08, 2.6148576951961865e-08, -1.788998486491149e-08, 1.2239731403233662e-08, -8.37401629767179e-09, 5.729222859849993e-09, -3.9197433359423324e-09, 2.681757752408109e-09, -1.8347692760029681e-09, 1.25528798905961e-09, -8.588262056089889e-10, 5.875802667349349e-10, -4.020028354997647e-10, 2.750369420128249e-10, -1.8817110923540198e-10, 1.2874040153206377e-10, -8.807989204072209e-11];

/**
 * ψ(x) = Γ′(x)/Γ(x). Near the positive root x₀ ≈ 1.4616 a Taylor series in
 * (x − x₀) (x₀ in two parts) keeps relative accuracy; elsewhere the recurrence
 * ψ(x) = ψ(x+1) − 1/x up to x ≥ 10 and the asymptotic series
 * log x − 1/(2x) − Σ B₂ₖ/(2k x²ᵏ); reflection ψ(x) = ψ(1−x) − π cot(πx) below 0.
 * As PyTorch: −∞ at ±0, NaN at the negative integers.
 */
export function digamma(x: number): number {
  if (x !== x || x === -Infinity) return NaN;
  if (x === Infinity) return Infinity;
  if (x === 0) return 1 / x < 0 ? Infinity : -Infinity;
  if (x < 0) {
    if (Math.floor(x) === x) return NaN;
    return digamma(1 - x) - (Math.PI * cospi(x)) / sinpi(x);
  }
  const h = x - DIGAMMA_ROOT_HI - DIGAMMA_ROOT_LO;
  if (Math.abs(h) <= 0.55) return series(D, h); // |h|/x₀ ≤ 0.38: 60 terms reach 1e-25
  // below the window: ψ(x) = ψ(x + 1) − 1/x (x + 1 lands in the window);
  // above it, below 10: ψ(x) = ψ(x − n) + Σₖ 1/(x − k) (x − k exact) down into the window
  if (x < 1) return digamma(x + 1) - 1 / x;
  if (x < 10) {
    let acc = 0;
    while (x > DIGAMMA_ROOT_HI + 0.55) { x -= 1; acc += 1 / x; }
    return series(D, x - DIGAMMA_ROOT_HI - DIGAMMA_ROOT_LO) + acc;
  }
  const acc = 0;
  const z = 1 / (x * x);
  let s = 0;
  for (let k = 8; k >= 1; k--) s = s * z + BERN[k - 1] / (2 * k);
  return acc + Math.log(x) - 0.5 / x - s * z;
}

/**
 * ψ⁽ⁿ⁾(x) for n ≥ 1 (n = 0 is digamma): the recurrence
 * ψ⁽ⁿ⁾(x) = ψ⁽ⁿ⁾(x+1) − (−1)ⁿ n!/xⁿ⁺¹ up to x ≥ 20 + n, then the asymptotic series
 * (−1)ⁿ⁺¹ [(n−1)!/xⁿ + n!/(2xⁿ⁺¹) + Σ B₂ₖ (2k+n−1)!/((2k)! x²ᵏ⁺ⁿ)].
 * For n ≥ 1 all recurrence terms have one sign when x > 0 (no cancellation).
 */
export function polygamma(n: number, x: number): number {
  if (n === 0) return digamma(x);
  if (x !== x || x === -Infinity) return NaN;
  if (x === Infinity) return 0;
  if (x <= 0 && Math.floor(x) === x) return n % 2 === 1 ? Infinity : NaN;
  if (x < 0) {
    // reflection: differentiating ψ(1 − x) − ψ(x) = π cot(πx) n times gives
    // ψ⁽ⁿ⁾(x) = (−1)ⁿ ψ⁽ⁿ⁾(1 − x) − πⁿ⁺¹ Pₙ(cot πx), with P₀(c) = c, Pₖ₊₁(c) = −(1 + c²) Pₖ′(c)
    // (dcot/dx = −(1 + cot²)); no recurrence over |x| steps for large negative x
    let P = [0, 1]; // coefficients of c⁰, c¹, …
    for (let k = 0; k < n; k++) {
      const d = P.slice(1).map((v, i) => v * (i + 1)); // P′
      const q = new Array<number>(d.length + 2).fill(0);
      for (let i = 0; i < d.length; i++) { q[i] -= d[i]; q[i + 2] -= d[i]; }
      P = q;
    }
    const c = cospi(x) / sinpi(x);
    let pc = 0;
    for (let i = P.length - 1; i >= 0; i--) pc = pc * c + P[i];
    return (n % 2 === 0 ? 1 : -1) * polygamma(n, 1 - x) - Math.pow(Math.PI, n + 1) * pc;
  }
  const sgn = n % 2 === 1 ? 1 : -1; // (−1)ⁿ⁺¹
  let nf = 1; // n!
  for (let k = 2; k <= n; k++) nf *= k;
  let acc = 0;
  const lim = 20 + n;
  while (x < lim) { acc += nf / Math.pow(x, n + 1); x += 1; }
  // asymptotic part: (n−1)!/xⁿ + n!/(2xⁿ⁺¹) + Σ_k B₂ₖ (2k+n−1)!/(2k)! / x^(2k+n)
  const z = 1 / (x * x);
  let s = 0;
  for (let k = 10; k >= 1; k--) {
    // (2k+n−1)!/(2k)! = (2k+1)(2k+2)…(2k+n−1)
    let f = 1;
    for (let j = 2 * k + 1; j <= 2 * k + n - 1; j++) f *= j;
    s = s * z + BERN[k - 1] * f;
  }
  const xn = Math.pow(x, n);
  const asym = nf / n / xn + nf / (2 * xn * x) + (s * z) / xn;
  return sgn * (acc + asym);
}

/** log(x / (1 − x)): near ½ as log1p((2x − 1)/(1 − x)) (2x − 1 exact), avoiding the cancellation of log q near q = 1. */
export function logit(x: number): number {
  if (x >= 0.25 && x <= 0.75) return Math.log1p((2 * x - 1) / (1 - x));
  return Math.log(x / (1 - x));
}

/** sin(πx)/(πx), 1 at 0. */
export function sinc(x: number): number {
  if (x === 0) return 1;
  if (!Number.isFinite(x)) return x !== x ? NaN : 0;
  return sinpi(x) / (Math.PI * x);
}

/** Round half to even (IEEE roundTiesToEven, as torch.round and NumPy): 0.5 → 0, 1.5 → 2, 2.5 → 2. */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x) || Math.abs(x) >= 4503599627370496) return x;
  const r = Math.round(x); // ties toward +∞
  // a tie rounded up to an odd integer goes back down by one
  if (r - x === 0.5 && r % 2 !== 0) return r - 1;
  return r === 0 && x < 0 ? -0 : r;
}

/** PyTorch's remainder: a − b·floor(a/b), the sign of the divisor, computed from the exact fmod. */
export function remainder(a: number, b: number): number {
  const m = a % b;
  return m !== 0 && (m < 0) !== (b < 0) ? m + b : m;
}

/** √(a² + b²) without overflow; NaN if either is NaN (matgrad's NaN policy; C's hypot gives +∞ for hypot(NaN, ±∞)). */
export function hypot(a: number, b: number): number {
  return a !== a || b !== b ? NaN : Math.hypot(a, b);
}

/** x·log y, 0 where x = 0 unless y is NaN (PyTorch's xlogy). */
export function xlogy(x: number, y: number): number {
  if (y !== y) return NaN;
  if (x === 0) return 0;
  return x * Math.log(y);
}

/** a·b = p + e exactly (Dekker's product with Veltkamp splitting; no FMA in JavaScript). */
function twoProd(a: number, b: number): [number, number] {
  const p = a * b;
  const S = 134217729; // 2²⁷ + 1
  const ta = S * a, ah = ta - (ta - a), al = a - ah;
  const tb = S * b, bh = tb - (tb - b), bl = b - bh;
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

const SQRT_HALF_HI = 0.7071067811865476; // 1/√2 = HI + LO
const SQRT_HALF_LO = -4.833646656726457e-17;

/**
 * GELU x·Φ(x) = x·erfc(−x/√2)/2 to a few ulp: the argument u = −x/√2 is formed
 * as uₕ + uₗ (double-double) and erfc(uₕ + uₗ) ≈ erfc(uₕ) − (2/√π) e^(−uₕ²) uₗ.
 * Without the correction, the rounding of u is multiplied by erfc's condition
 * number 2u² in the left tail (≈ 25 ulp at x = −5).
 */
export function gelu(x: number): number {
  if (x !== x) return NaN;
  if (x === Infinity) return x;
  if (x < -40) return -0; // x·Φ(x) underflows
  const [p, e] = twoProd(x, SQRT_HALF_HI);
  const uh = -p, ul = -(e + x * SQRT_HALF_LO);
  const c = erfc(uh) - TWO_OVER_SQRT_PI * Math.exp(-uh * uh) * ul;
  return 0.5 * x * c;
}

const GELU_C1 = 1.5957691216057308; // 2√(2/π)
const GELU_C1_LO = -9.96930880911092e-17;
const GELU_C2 = 0.07135481627260025; // 2·0.044715·√(2/π) = C2 + C2_LO (0.044715 as the float64 PyTorch uses)
const GELU_C2_LO = -4.1218577217431825e-18;

/**
 * The tanh form x(1 + tanh(√(2/π)(x + 0.044715x³)))/2 = x·σ(t), t = x(c₁ + c₂x²), to a few ulp:
 * t is formed as tₕ + tₗ (double-double products) and σ(tₕ + tₗ) ≈ σ(tₕ)(1 + (1 − σ(tₕ)) tₗ);
 * without it, t's rounding is multiplied by σ's condition number |t| in the left tail.
 */
export function geluTanh(x: number): number {
  if (x !== x) return NaN;
  if (x === Infinity) return x;
  if (x < -40) return -0;
  // q = c₁ + c₂x² as qₕ + qₗ
  const [x2, x2e] = twoProd(x, x);
  const [m, me] = twoProd(GELU_C2, x2);
  const qh = GELU_C1 + m;
  const bb = qh - GELU_C1; // Knuth's TwoSum: qh + (rounding error) = c₁ + m exactly
  const ql = (GELU_C1 - (qh - bb)) + (m - bb) + me + GELU_C2 * x2e + GELU_C2_LO * x2 + GELU_C1_LO;
  const [th, te] = twoProd(x, qh);
  const tl = te + x * ql;
  let s: number;
  if (th >= 0) s = 1 / (1 + Math.exp(-th));
  else { const ex = Math.exp(th); s = ex / (1 + ex); }
  return x * (s + s * (1 - s) * tl);
}
