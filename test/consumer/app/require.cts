/**
 * A CommonJS user's file (.cts under module nodenext and verbatimModuleSyntax,
 * where CommonJS is written `import x = require(…)`): TypeScript resolves the
 * package's "require" condition (dist/cjs/index.d.ts, CommonJS declarations).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
import matgrad = require("matgrad");

const energy = (A: matgrad.Tensor): matgrad.Tensor => {
  const B = matgrad.matmul(A, A);
  return matgrad.trace(matgrad.matmul(B.mT, B));
};
const g: matgrad.Tensor = matgrad.grad(energy)(matgrad.tensor([[1, 2], [3, 4]]));
const d: number = matgrad.linalg.det(matgrad.tensor([[1, 2], [3, 4]])).item();
export = { g, d };
