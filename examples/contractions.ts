/**
 * Walkthrough, contractions: the inertia tensors of a batch of rigid bodies
 * with einsum, the rotational kinetic energy ½ ωᵀ I ω, and its gradient in
 * the particle positions — checked against an explicit loop and the closed form.
 */
import { einsum, grad, randn, rand, sub, eye, mul, Tensor } from "../src/index.js";

const maxAbs = (t: Tensor): number => t.abs().max().item();

export function contractionsSection(log: (s: string) => void = console.log): void {
  log("── Contractions (einsum) ─────────────────────────────────────────────");

  // B bodies of P point masses m[b, p] at positions r[b, p, :] (relative to the centre of rotation):
  //   I[b] = Σ_p m_bp (|r_bp|² 𝟙 − r_bp r_bpᵀ)
  const B = 3, P = 5;
  const m = rand([B, P], { seed: 1 }).add(0.5), r = randn([B, P, 3], { seed: 2 }), omega = randn([B, 3], { seed: 3 });
  const inertia = (pos: Tensor): Tensor => {
    const r2 = einsum("bp,bpk,bpk->b", m, pos, pos); // Σ_p m |r|²
    const rr = einsum("bp,bpi,bpj->bij", m, pos, pos); // Σ_p m r rᵀ, one batched GEMM per pair
    return sub(mul(r2.reshape([B, 1, 1]), eye(3)), rr);
  };
  const I = inertia(r);

  // the same sum, written as loops
  let loopErr = 0;
  for (let b = 0; b < B; b++)
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let p = 0; p < P; p++) {
          const at = (k: number): number => r.data[(b * P + p) * 3 + k];
          const norm2 = at(0) ** 2 + at(1) ** 2 + at(2) ** 2;
          s += m.data[b * P + p] * ((i === j ? norm2 : 0) - at(i) * at(j));
        }
        loopErr = Math.max(loopErr, Math.abs(s - I.data[(b * 3 + i) * 3 + j]));
      }
  if (loopErr > 1e-12) throw new Error(`inertia tensor differs from the loop by ${loopErr}`);

  // kinetic energy T = Σ_b ½ ω_bᵀ I_b ω_b, a bilinear form batched over bodies
  const energy = (pos: Tensor): Tensor => einsum("bi,bij,bj->", omega, inertia(pos), omega).mul(0.5);
  const dT = grad(energy)(r);
  // closed form: ∂T/∂r_bp = m_bp (|ω_b|² r_bp − (r_bp·ω_b) ω_b)
  const w2 = einsum("bi,bi->b", omega, omega), rw = einsum("bpi,bi->bp", r, omega);
  const closed = mul(m.reshape([B, P, 1]), sub(mul(w2.reshape([B, 1, 1]), r), mul(rw.reshape([B, P, 1]), omega.reshape([B, 1, 3]))));
  const gradErr = maxAbs(sub(dT, closed));
  if (gradErr > 1e-12) throw new Error(`∂T/∂r differs from the closed form by ${gradErr}`);
  log(`inertia tensors of ${B} bodies (einsum vs loop: ${loopErr.toExponential(1)}); ∂T/∂r vs closed form: ${gradErr.toExponential(1)}`);
}
