/**
 * Every export is documented: TypeDoc (the generator of the API reference,
 * `npm run docs:api`, configured by typedoc.json) converts the public API from
 * src/index.ts and validates it; each exported function, class, interface,
 * type alias, variable and namespace, and each method and accessor of a
 * class or interface, must carry a TSDoc comment. (Option fields are not
 * required, though most have one.) Broken {@link …} references fail too.
 */
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { resolve, join } from "node:path";

const root = resolve(__dirname, "../..");

describe("API reference (TypeDoc)", () => {
  it("documents every export", () => {
    const r = spawnSync(process.execPath, [join(root, "node_modules/typedoc/bin/typedoc"), "--emit", "none", "--logLevel", "Warn"], {
      cwd: root,
      encoding: "utf8",
      timeout: 240_000,
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    });
    const out = `${r.stdout}\n${r.stderr}`;
    // eslint-disable-next-line no-control-regex
    const lines = out.replace(/\x1b\[[0-9;]*m/g, "").split("\n");
    const undocumented = lines.filter((l) => /does not have any documentation/.test(l)).map((l) => l.replace(/^\[warning\]\s*/, ""));
    const broken = lines.filter((l) => /Failed to resolve link|\[error\]/.test(l));
    expect(undocumented, `exports without a TSDoc comment:\n${undocumented.join("\n")}`).toEqual([]);
    expect(broken, broken.join("\n")).toEqual([]);
    expect(r.status, out).toBe(0);
  }, 300_000);
});
