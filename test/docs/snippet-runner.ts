/**
 * Runs the ```ts blocks of markdown files as modules: `from "matgrad"` points
 * at the sources and `console.assert` throws, so a snippet whose claim is false
 * fails. Shared by the doc tests.
 */
import { mkdirSync, writeFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

export const root = resolve(__dirname, "../..");
const entry = join(root, "src/index.js");

export function tsBlocks(md: string): { code: string; line: number }[] {
  const out: { code: string; line: number }[] = [];
  const re = /^```(ts|typescript)\s*\n([\s\S]*?)^```/gm;
  let m: RegExpExecArray | null;
  while ((m = re.exec(md)) !== null) out.push({ code: m[2], line: md.slice(0, m.index).split("\n").length });
  return out;
}

export class SnippetRunner {
  private counter = 0;
  private origAssert = console.assert;
  private origLog = console.log;
  constructor(private readonly dir: string) {}

  /** Install the throwing console.assert (and silence console.log) for the run. */
  setUp(): void {
    mkdirSync(this.dir, { recursive: true });
    console.assert = (cond?: boolean, ...msg: unknown[]) => {
      if (!cond) throw new Error(`console.assert failed${msg.length ? ": " + msg.join(" ") : ""}`);
    };
    console.log = () => {};
  }

  tearDown(): void {
    console.assert = this.origAssert;
    console.log = this.origLog;
    rmSync(this.dir, { recursive: true, force: true });
  }

  async run(code: string, tag: string): Promise<void> {
    const src = "// @ts-nocheck\n" + code.replace(/from\s+["']matgrad["']/g, `from ${JSON.stringify(entry)}`);
    const path = join(this.dir, `${tag.replace(/[^A-Za-z0-9]/g, "_")}_${this.counter++}.ts`);
    writeFileSync(path, src);
    await import(/* @vite-ignore */ path);
  }
}
