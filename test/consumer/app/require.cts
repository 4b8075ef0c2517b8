/**
 * A CommonJS user's file (.cts under module nodenext): `import … from` compiles
 * to `require("matgrad")`, so TypeScript resolves the package's "require"
 * condition (dist/cjs/index.d.ts, CommonJS declarations).
 */
import { tensor, grad, matmul, trace, type Tensor } from "matgrad";
import matgrad = require("matgrad");

const energy = (A: Tensor): Tensor => {
  const B = matmul(A, A);
  return trace(matmul(B.mT, B));
};
const g: Tensor = grad(energy)(tensor([[1, 2], [3, 4]]));
const d: number = matgrad.linalg.det(tensor([[1, 2], [3, 4]])).item();
export = { g, d };
