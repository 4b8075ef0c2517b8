/** Every OpInfo table; the op test suite runs all of them. */
import type { OpInfo } from "../opinfo.js";
import { coreOpInfos } from "./core.js";
import { linalgOpInfos } from "./linalg.js";
import { linalgExtraOpInfos } from "./linalg-extra.js";
import { elementwiseOpInfos } from "./elementwise.js";
import { contractionOpInfos } from "./contractions.js";
import { indexingOpInfos } from "./indexing.js";
import { layoutOpInfos } from "./layout.js";
import { sortingOpInfos } from "./sorting.js";
import { scanOpInfos } from "./scan.js";

export { coreOpInfos, linalgOpInfos, contractionOpInfos, elementwiseOpInfos, layoutOpInfos, indexingOpInfos };
/** Every OpInfo entry: core, elementwise math, linear algebra and contractions. */
export const allOpInfos: OpInfo[] = [...coreOpInfos, ...elementwiseOpInfos, ...linalgOpInfos, ...linalgExtraOpInfos, ...contractionOpInfos, ...layoutOpInfos, ...sortingOpInfos, ...indexingOpInfos, ...scanOpInfos];
