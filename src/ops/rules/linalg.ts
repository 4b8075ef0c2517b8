/**
 * Rules of the linear-algebra primitives (the `linalg` family of the
 * registry). Each sub-family lives in src/ops/rules/linalg/*.ts with its
 * derivation in comments; the public functions are in src/linalg/index.ts.
 */
import type { Rule } from "../../tensor/meta.js";
import { luRules, type LuParams } from "./linalg/lu.js";
import { triangularRules, type TriangularParams } from "./linalg/triangular.js";
import { spectralRules, type SpectralParams } from "./linalg/spectral.js";
import { matfunRules, type MatfunParams } from "./linalg/matfun.js";
import { normRules, structRules, type NormParams, type StructParams } from "./linalg/norms.js";
import { svdRules, type SvdParams } from "./linalg/svd.js";
import { schurRules, type SchurParams } from "./linalg/schur.js";
import { exRules, type ExParams } from "./linalg/ex.js";
import { luRectRules, type LuRectParams } from "./linalg/lu-rect.js";
import { riccatiRules, type RiccatiParams } from "./linalg/riccati.js";
import { ldlRules, type LdlParams } from "./linalg/ldl.js";

/** Parameters of the linear-algebra primitives. */
export interface LinalgParams extends LuParams, TriangularParams, SpectralParams, SvdParams, MatfunParams, NormParams, StructParams,
  ExParams, LuRectParams, SchurParams, RiccatiParams, LdlParams {}

export const linalgRules: { [P in keyof LinalgParams]: Rule<LinalgParams[P]> } = {
  ...luRules,
  ...triangularRules,
  ...spectralRules,
  ...svdRules,
  ...matfunRules,
  ...normRules,
  ...structRules,
  ...exRules,
  ...luRectRules,
  ...schurRules,
  ...riccatiRules,
  ...ldlRules,
};
