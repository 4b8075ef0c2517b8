/**
 * The playground: a static site built with Vite. `matgrad` resolves to the
 * repository's sources (src/index.ts), the way a user's bundler resolves the
 * published package; nothing in src/ imports from here. `base: "./"` makes
 * every asset URL relative, so the built dist/ can be served from any path.
 * No keepNames: matgrad's public classes state their names (src/errors.ts),
 * so errors show `ShapeError` through minification, and the per-call closures
 * are not wrapped in a name-setting helper.
 */
import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  resolve: { alias: [{ find: /^matgrad$/, replacement: fileURLToPath(new URL("../src/index.ts", import.meta.url)) }] },
  // the worker's dependency is found only when the worker loads: pre-bundle it at start-up (no reload on the first run)
  optimizeDeps: { include: ["sucrase"] },
  worker: { format: "es" },
  server: { host: "127.0.0.1", port: 5173 },
  preview: { host: "127.0.0.1", port: 4173 },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 4096 },
});
