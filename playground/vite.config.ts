/**
 * The playground: a static site built with Vite. `matgrad` resolves to the
 * repository's sources (src/index.ts), the way a user's bundler resolves the
 * published package; nothing in src/ imports from here. `base: "./"` makes
 * every asset URL relative, so the built dist/ can be served from any path.
 * keepNames: matgrad's errors report their class (`ShapeError`) through
 * `new.target.name`, which minification would otherwise rename.
 */
import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  resolve: { alias: [{ find: /^matgrad$/, replacement: fileURLToPath(new URL("../src/index.ts", import.meta.url)) }] },
  // the worker's dependency is found only when the worker loads: pre-bundle it at start-up (no reload on the first run)
  optimizeDeps: { include: ["sucrase"] },
  worker: { format: "es", rolldownOptions: { output: { keepNames: true } } },
  server: { host: "127.0.0.1", port: 5173 },
  preview: { host: "127.0.0.1", port: 4173 },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 4096, rolldownOptions: { output: { keepNames: true } } },
});
