/** Every OpInfo table; the op test suite runs all of them. */
import type { OpInfo } from "../opinfo.js";
import { coreOpInfos } from "./core.js";

export { coreOpInfos };
export const allOpInfos: OpInfo[] = [...coreOpInfos];
