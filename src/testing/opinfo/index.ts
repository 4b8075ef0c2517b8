/** Every OpInfo table; the op test suite runs all of them. */
import type { OpInfo } from "../opinfo.js";
import { coreOpInfos } from "./core.js";
import { linalgOpInfos } from "./linalg.js";

export { coreOpInfos, linalgOpInfos };
/** Every OpInfo entry: core and linear algebra. */
export const allOpInfos: OpInfo[] = [...coreOpInfos, ...linalgOpInfos];
