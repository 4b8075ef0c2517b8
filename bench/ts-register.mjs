/**
 * `node --import ./bench/ts-register.mjs <file.ts>`: runs TypeScript through
 * bench/ts-hooks.mjs (esbuild, no keepNames), so benchmarks time the code users
 * run from dist/ rather than tsx's instrumented transform. `npm run bench` uses it.
 */
import { register } from "node:module";

register("./ts-hooks.mjs", import.meta.url);
