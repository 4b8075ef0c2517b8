/** Every OpInfo table; the op test suite runs all of them. */
import type { OpInfo } from "../opinfo.js";
import { coreOpInfos } from "./core.js";
import { linalgOpInfos } from "./linalg.js";
import { linalgSolverOpInfos } from "./linalg-solvers.js";
import { linalgExtraOpInfos } from "./linalg-extra.js";
import { elementwiseOpInfos } from "./elementwise.js";
import { contractionOpInfos } from "./contractions.js";
import { indexingOpInfos } from "./indexing.js";
import { scanOpInfos } from "./scan.js";
import { layoutOpInfos } from "./layout.js";
import { sortingOpInfos } from "./sorting.js";

export { coreOpInfos, linalgOpInfos, contractionOpInfos, elementwiseOpInfos, layoutOpInfos, indexingOpInfos };
/** Every OpInfo entry: core, elementwise math, linear algebra (incl. the solvers and matrix functions), contractions, layout, sorting, scans and indexing. */
export const allOpInfos: OpInfo[] = [...coreOpInfos, ...elementwiseOpInfos, ...linalgOpInfos, ...linalgSolverOpInfos, ...linalgExtraOpInfos, ...contractionOpInfos, ...layoutOpInfos, ...sortingOpInfos, ...scanOpInfos, ...indexingOpInfos];
