/**
 * The Moré–Thuente line search (MINPACK-2 dcsrch / dcstep, as used by
 * L-BFGS-B and SciPy's line_search_wolfe1), on φ(α) = f(x + α d).
 *
 * It finds α with the strong Wolfe conditions
 *   φ(α) ≤ φ(0) + ftol·α·φ'(0)   (sufficient decrease)
 *   |φ'(α)| ≤ gtol·|φ'(0)|       (curvature)
 * by safeguarded cubic/quadratic interpolation on an interval [stx, sty] that
 * brackets a minimizer of ψ(α) = φ(α) − φ(0) − ftol·α·φ'(0) (stage 1) and then of φ.
 * The step logic follows the Fortran (Moré & Thuente, ACM TOMS 20, 1994)
 * line for line, so iteration counts match SciPy's.
 */

export interface DcsrchOptions {
  ftol: number;
  gtol: number;
  xtol: number;
  stpmin: number;
  stpmax: number;
}

/** The state of one search; `task` is "FG" (evaluate at stp and call again), "CONVERGENCE", "WARNING: …" or "ERROR: …". */
export class Dcsrch {
  private brackt = false;
  private stage = 1;
  private finit = 0;
  private ginit = 0;
  private gtest = 0;
  private width = 0;
  private width1 = 0;
  private stx = 0;
  private fx = 0;
  private gx = 0;
  private sty = 0;
  private fy = 0;
  private gy = 0;
  private stmin = 0;
  private stmax = 0;
  task = "START";

  constructor(private readonly o: DcsrchOptions) {}

  /** One call of dcsrch: given φ and φ' at stp (at stp = 0 on the first call), the next stp. */
  iterate(stp: number, f: number, g: number): number {
    const o = this.o;
    const p5 = 0.5, p66 = 0.66, xtrapl = 1.1, xtrapu = 4.0;
    if (this.task === "START") {
      if (stp < o.stpmin) this.task = "ERROR: STP .LT. STPMIN";
      else if (stp > o.stpmax) this.task = "ERROR: STP .GT. STPMAX";
      else if (g >= 0) this.task = "ERROR: INITIAL G .GE. ZERO";
      if (this.task.startsWith("ERROR")) return stp;
      this.brackt = false;
      this.stage = 1;
      this.finit = f;
      this.ginit = g;
      this.gtest = o.ftol * g;
      this.width = o.stpmax - o.stpmin;
      this.width1 = this.width / p5;
      this.stx = 0;
      this.fx = f;
      this.gx = g;
      this.sty = 0;
      this.fy = f;
      this.gy = g;
      this.stmin = 0;
      this.stmax = stp + xtrapu * stp;
      this.task = "FG";
      return stp;
    }
    const ftest = this.finit + stp * this.gtest;
    if (this.stage === 1 && f <= ftest && g >= 0) this.stage = 2;
    let task = "FG";
    if (this.brackt && (stp <= this.stmin || stp >= this.stmax)) task = "WARNING: ROUNDING ERRORS PREVENT PROGRESS";
    if (this.brackt && this.stmax - this.stmin <= o.xtol * this.stmax) task = "WARNING: XTOL TEST SATISFIED";
    if (stp === o.stpmax && f <= ftest && g <= this.gtest) task = "WARNING: STP = STPMAX";
    if (stp === o.stpmin && (f > ftest || g >= this.gtest)) task = "WARNING: STP = STPMIN";
    if (f <= ftest && Math.abs(g) <= o.gtol * -this.ginit) task = "CONVERGENCE";
    if (task !== "FG") {
      this.task = task;
      return stp;
    }
    let r: StepResult;
    if (this.stage === 1 && f <= this.fx && f > ftest) {
      // stage 1 on the modified function ψ, whose derivative is φ' − ftol·φ'(0)
      const gt = this.gtest;
      r = dcstep(this.stx, this.fx - this.stx * gt, this.gx - gt, this.sty, this.fy - this.sty * gt, this.gy - gt,
        stp, f - stp * gt, g - gt, this.brackt, this.stmin, this.stmax);
      this.stx = r.stx;
      this.sty = r.sty;
      this.fx = r.fx + r.stx * gt;
      this.fy = r.fy + r.sty * gt;
      this.gx = r.dx + gt;
      this.gy = r.dy + gt;
    } else {
      r = dcstep(this.stx, this.fx, this.gx, this.sty, this.fy, this.gy, stp, f, g, this.brackt, this.stmin, this.stmax);
      this.stx = r.stx;
      this.fx = r.fx;
      this.gx = r.dx;
      this.sty = r.sty;
      this.fy = r.fy;
      this.gy = r.dy;
    }
    stp = r.stp;
    this.brackt = r.brackt;
    if (this.brackt) {
      // force a sufficient decrease of the bracket's width (bisection if it shrank too little)
      if (Math.abs(this.sty - this.stx) >= p66 * this.width1) stp = this.stx + p5 * (this.sty - this.stx);
      this.width1 = this.width;
      this.width = Math.abs(this.sty - this.stx);
      this.stmin = Math.min(this.stx, this.sty);
      this.stmax = Math.max(this.stx, this.sty);
    } else {
      this.stmin = stp + xtrapl * (stp - this.stx);
      this.stmax = stp + xtrapu * (stp - this.stx);
    }
    stp = Math.min(Math.max(stp, o.stpmin), o.stpmax);
    if ((this.brackt && (stp <= this.stmin || stp >= this.stmax)) || (this.brackt && this.stmax - this.stmin <= o.xtol * this.stmax)) stp = this.stx;
    this.task = "FG";
    return stp;
  }
}

interface StepResult {
  stx: number;
  fx: number;
  dx: number;
  sty: number;
  fy: number;
  dy: number;
  stp: number;
  brackt: boolean;
}

/** dcstep: the safeguarded trial step and the updated bracket (Moré–Thuente's four cases). */
function dcstep(stx: number, fx: number, dx: number, sty: number, fy: number, dy: number, stp: number, fp: number, dp: number,
  brackt: boolean, stpmin: number, stpmax: number): StepResult {
  const sgnd = Math.sign(dp) * Math.sign(dx);
  let stpf: number;
  if (fp > fx) {
    // case 1: higher function value — the minimum is bracketed; cubic or the cubic/quadratic average
    const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
    const s = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
    let gamma = s * Math.sqrt((theta / s) ** 2 - (dx / s) * (dp / s));
    if (stp < stx) gamma = -gamma;
    const p = gamma - dx + theta, q = gamma - dx + gamma + dp;
    const stpc = stx + (p / q) * (stp - stx);
    const stpq = stx + (dx / ((fx - fp) / (stp - stx) + dx) / 2) * (stp - stx);
    stpf = Math.abs(stpc - stx) <= Math.abs(stpq - stx) ? stpc : stpc + (stpq - stpc) / 2;
    brackt = true;
  } else if (sgnd < 0) {
    // case 2: lower value, derivatives of opposite sign — bracketed; cubic or secant, the farther
    const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
    const s = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
    let gamma = s * Math.sqrt((theta / s) ** 2 - (dx / s) * (dp / s));
    if (stp > stx) gamma = -gamma;
    const p = gamma - dp + theta, q = gamma - dp + gamma + dx;
    const stpc = stp + (p / q) * (stx - stp);
    const stpq = stp + (dp / (dp - dx)) * (stx - stp);
    stpf = Math.abs(stpc - stp) > Math.abs(stpq - stp) ? stpc : stpq;
    brackt = true;
  } else if (Math.abs(dp) < Math.abs(dx)) {
    // case 3: lower value, same sign, derivative decreasing in magnitude
    const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
    const s = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
    let gamma = s * Math.sqrt(Math.max(0, (theta / s) ** 2 - (dx / s) * (dp / s)));
    if (stp > stx) gamma = -gamma;
    const p = gamma - dp + theta, q = gamma + (dx - dp) + gamma;
    const r = p / q;
    let stpc: number;
    if (r < 0 && gamma !== 0) stpc = stp + r * (stx - stp);
    else if (stp > stx) stpc = stpmax;
    else stpc = stpmin;
    const stpq = stp + (dp / (dp - dx)) * (stx - stp);
    if (brackt) {
      stpf = Math.abs(stpc - stp) < Math.abs(stpq - stp) ? stpc : stpq;
      stpf = stp > stx ? Math.min(stp + 0.66 * (sty - stp), stpf) : Math.max(stp + 0.66 * (sty - stp), stpf);
    } else {
      stpf = Math.abs(stpc - stp) > Math.abs(stpq - stp) ? stpc : stpq;
      stpf = Math.min(Math.max(stpf, stpmin), stpmax);
    }
  } else {
    // case 4: lower value, same sign, derivative not decreasing — cubic on [stp, sty] or extrapolate to a limit
    if (brackt) {
      const theta = (3 * (fp - fy)) / (sty - stp) + dy + dp;
      const s = Math.max(Math.abs(theta), Math.abs(dy), Math.abs(dp));
      let gamma = s * Math.sqrt((theta / s) ** 2 - (dy / s) * (dp / s));
      if (stp > sty) gamma = -gamma;
      const p = gamma - dp + theta, q = gamma - dp + gamma + dy;
      stpf = stp + (p / q) * (sty - stp);
    } else stpf = stp > stx ? stpmax : stpmin;
  }
  if (fp > fx) {
    sty = stp;
    fy = fp;
    dy = dp;
  } else {
    if (sgnd < 0) {
      sty = stx;
      fy = fx;
      dy = dx;
    }
    stx = stp;
    fx = fp;
    dx = dp;
  }
  return { stx, fx, dx, sty, fy, dy, stp: stpf, brackt };
}
