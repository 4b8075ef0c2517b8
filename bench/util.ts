/** Benchmark helpers: robust timing (median of batches) and table printing. Not timed tests. */

/** Median seconds per call of fn, measured in batches after a warm-up. */
export async function timeIt(fn: () => unknown | Promise<unknown>, opts: { minTime?: number; batches?: number; warmup?: number } = {}): Promise<number> {
  const minTime = opts.minTime ?? 0.15;
  const batches = opts.batches ?? 5;
  for (let i = 0; i < (opts.warmup ?? 2); i++) await fn();
  // calibrate the batch size so that one batch takes ≈ minTime / batches
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) await fn();
    const dt = (performance.now() - t0) / 1000;
    if (dt >= minTime / batches || reps >= 1 << 20) break;
    reps *= dt > 0 ? Math.min(10, Math.max(2, Math.ceil(minTime / batches / dt))) : 10;
  }
  const per: number[] = [];
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) await fn();
    per.push((performance.now() - t0) / 1000 / reps);
  }
  per.sort((a, b) => a - b);
  return per[Math.floor(per.length / 2)];
}

export function printTable(title: string, header: string[], rows: (string | number)[][]): void {
  const fmt = (v: string | number): string => (typeof v === "number" ? fmtNum(v) : v);
  const cells = [header, ...rows.map((r) => r.map(fmt))];
  const widths = header.map((_, j) => Math.max(...cells.map((r) => (r[j] ?? "").length)));
  console.log(`\n${title}`);
  cells.forEach((r, i) => {
    console.log("  " + r.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join("  "));
    if (i === 0) console.log("  " + widths.map((w) => "-".repeat(w)).join("  "));
  });
}

export function fmtNum(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

export const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;
