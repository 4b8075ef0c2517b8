/**
 * Scalar special functions in float64, each accurate to a few ulp (measured
 * against mpmath in test/ops/elementwise-math.test.ts): erf / erfc (W. J. Cody's
 * rational Chebyshev approximations, Math. Comp. 1969), erfinv (Giles' initial
 * guess refined by Newton steps on erf or erfc), lgamma / digamma / polygamma
 * (Taylor series at their troublesome points, recurrences, Stirling's and the
 * asymptotic series, reflection), sinpi / cospi (exact argument reduction), and
 * the rounding and remainder functions with PyTorch's conventions.
 */

const SQRT_PI_INV = 0.56418958354775628695; // 1/√π
const TWO_OVER_SQRT_PI = 1.1283791670955125739; // 2/√π
const HALF_LOG_2PI = 0.91893853320467274178; // ½ log 2π

// Cody's coefficients: erf on |x| ≤ 0.46875; erfc on [0.46875, 4]; erfc on (4, ∞) in 1/x².
const CA = [3.1611237438705656, 113.864154151050156, 377.485237685302021, 3209.37758913846947, 0.185777706184603153];
const CB = [23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062];
const CC = [0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131, 881.95222124176909,
  1712.04761263407058, 2051.07837782607147, 1230.33935479799725, 2.15311535474403846e-8];
const CD = [15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019, 3290.79923573345963,
  4362.61909014324716, 3439.36767414372164, 1230.33935480374942];
const CP = [0.305326634961232344, 0.360344899949804439, 0.125781726111229246, 0.0160837851487422766, 6.58749161529837803e-4, 0.0163153871373020978];
const CQ = [2.56852019228982242, 1.87295284992346047, 0.527905102951428412, 0.0605183413124413191, 0.00233520497626869185];

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
const L1 = [-0.57721566490153286061, 0.82246703342411321824, -0.40068563438653142847, 0.27058080842778454788, -0.20738555102867398527, 0.16955717699740818995, -0.14404989676884611812, 0.12550966952474304242, -0.11133426586956469049, 0.10009945751278180853, -0.090954017145829042233, 0.083353840546109004025, -0.076932516411352191473, 0.071432946295361336059, -0.066668705882420468033, 0.062500955141213040742, -0.058823978658684582339, 0.055555767627403611102, -0.052631679379616660734, 0.05000004769810169364, -0.047619070330142227991, 0.045454556293204669442, -0.043478266053040259361, 0.041666669150341210469, -0.040000001192140140586, 0.038461539034675185706, -0.037037037312989325549, 0.035714285847333358028, -0.034482758684919300811, 0.033333333364377581081, -0.032258064531150416339, 0.03125000000727597448, -0.030303030306558045507, 0.029411764707594344732, -0.028571428572260110013, 0.02777777777818199783, -0.02702702702722367459, 0.02631578947377994683, -0.025641025641072281786, 0.02500000000002273737, -0.02439024390245011579, 0.023809523809529223183, -0.023255813953491015973, 0.022727272727274019169, -0.022222222222222853816, 0.021739130434782917627, -0.021276595744681002243, 0.020833333333333407348, -0.020408163265306158701, 0.020000000000000017764, -0.019607843137254910668, 0.019230769230769235039, -0.018867924528301888887, 0.018518518518518519547, -0.018181818181818182323, 0.017857142857142857391, -0.017543859649122807139, 0.017241379310344827646, -0.016949152542372881385, 0.016666666666666666681, -0.016393442622950819679];
const L2 = [0.42278433509846713939, 0.32246703342411321824, -0.067352301053198095133, 0.020580808427784547879, -0.0073855510286739852663, 0.0028905103307415232858, -0.0011927539117032609771, 0.00050966952474304242234, -0.00022315475845357937976, 0.000099457512781808533715, -0.0000449262367381331417, 0.000020507212775670691553, -9.439488275268395904e-6, 4.3748667899074878042e-6, -2.0392157538013662368e-6, 9.5514121304074198329e-7, -4.4924691987645660433e-7, 2.1207184805554665869e-7, -1.0043224823968099609e-7, 4.7698101693639805658e-8, -2.271109460894316491e-8, 1.0838659214896954091e-8, -5.1834750419700466551e-9, 2.4836745438024783172e-9, -1.1921401405860912074e-9, 5.7313672416788620133e-10, -2.7595228851242331452e-10, 1.3304764374244489481e-10, -6.4229645638381000221e-11, 3.1044247747322272762e-11, -1.5021384080754142171e-11, 7.2759744802390796625e-12, -3.5277424765759150836e-12, 1.7119917905596179086e-12, -8.3153858414202848198e-13, 4.0422005252894400655e-13, -1.9664756310966164904e-13, 9.5736303878385557638e-14, -4.6640760264283742246e-14, 2.2737369600659723206e-14, -1.1091399470834522017e-14];
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
const D = [0.96767224544762117043, -0.44276316898359210609, 0.25849976095565101062, -0.1639427054424065275, 0.10782405069126236576, -0.072199561256454710926, 0.048804288164143107225, -0.033161126474847359292, 0.02259764823221810466, -0.015424765904948959139, 0.010538791616612175388, -0.007204534386356868241, 0.0049267813957298534464, -0.0033698016554393280828, 0.0023051263267349278369, -0.0015769367714301972593, 0.0010788252019162965807, -0.00073807093899600512957, 0.00050495326583460203518, -0.00034546802510630769956, 0.00023635601564027052792, -0.00016170622091974803449, 0.00011063372768747410904, -0.000075691795821950659192, 0.00005178575795222080869, -0.000035430070947659606316, 0.000024240066118601317653, -0.000016584242271854133375, 0.000011346384584663849807, -7.7628176684620944253e-6, 5.3110609208898633873e-6, -3.6336507898010456684e-6, 2.4860227331295379489e-6, -1.7008538854332606582e-6, 1.1636675363548842703e-6, -7.9614254312419704004e-7, 5.4469419306694452785e-7, -3.7266161283438229589e-7, 2.5496265520215542567e-7, -1.7443695117727745218e-7, 1.1934394829830242779e-7, -8.1651151894884088408e-8, 5.5862996835321714443e-8, -3.8219600619174942124e-8, 2.614857695196186628e-8, -1.7889984864911492651e-8, 1.2239731403233661939e-8, -8.3740162976717905429e-9, 5.7292228598499937716e-9, -3.9197433359423320778e-9, 2.6817577524081091602e-9, -1.8347692760029682159e-9, 1.2552879890596101429e-9, -8.5882620560898891306e-10, 5.875802667349349542e-10, -4.0200283549976470424e-10, 2.7503694201282488629e-10, -1.8817110923540197822e-10, 1.2874040153206377451e-10, -8.8079892040722086249e-11];

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
