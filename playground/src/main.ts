/**
 * The playground page: a CodeMirror editor, the presets, the panels, the
 * worker with its time limit, and the shareable URL.
 */
import { EditorView, keymap, lineNumbers, highlightActiveLine, Decoration, type DecorationSet } from "@codemirror/view";
import { EditorState, StateEffect, StateField } from "@codemirror/state";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { javascript } from "@codemirror/lang-javascript";
import { syntaxHighlighting, defaultHighlightStyle, bracketMatching } from "@codemirror/language";
import katex from "katex";
import "katex/dist/katex.min.css";
import "./style.css";
import { presets, presetById, defaultPreset, type Preset } from "./presets";
import { decodeState, encodeState } from "./share";
import { el, graphSvg, heatmap, numberTable, shapeText } from "./render";
import type { ErrorInfo, NamedTensor, Section, WorkerMessage } from "./protocol";

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

/** The time limit of one run, ms (`?timeout=` overrides it, e.g. for tests). */
const TIME_LIMIT = Number(new URLSearchParams(location.search).get("timeout") ?? "") || 5000;
$("limit").textContent = String(TIME_LIMIT / 1000);
/** Larger graphs (a loop of small ops) are listed as text only: a layered drawing of them is unreadable. */
const MAX_GRAPH_NODES = 300;

// ---------------------------------------------------------------------------
// Editor, with a line decoration for the line an error points at.

const setErrorLine = StateEffect.define<number | null>();
const errorLine = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(deco, tr) {
    for (const e of tr.effects) {
      if (!e.is(setErrorLine)) continue;
      if (e.value === null || e.value < 1 || e.value > tr.state.doc.lines) return Decoration.none;
      return Decoration.set([Decoration.line({ class: "cm-error-line" }).range(tr.state.doc.line(e.value).from)]);
    }
    return tr.docChanged ? Decoration.none : deco;
  },
  provide: (f) => EditorView.decorations.from(f),
});

const editor = new EditorView({
  parent: $("editor"),
  state: EditorState.create({
    doc: defaultPreset.code,
    extensions: [
      lineNumbers(), history(), highlightActiveLine(), bracketMatching(),
      syntaxHighlighting(defaultHighlightStyle), javascript({ typescript: true }), errorLine,
      keymap.of([{ key: "Mod-Enter", run: () => (run(), true) }, indentWithTab, ...defaultKeymap, ...historyKeymap]),
    ],
  }),
});

const code = (): string => editor.state.doc.toString();
/** The line currently marked as an error's, if any. */
function errorLineShown(): number | null {
  const it = editor.state.field(errorLine).iter();
  return it.value === null ? null : editor.state.doc.lineAt(it.from).number;
}
function setCode(text: string): void {
  editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: text } });
}

// ---------------------------------------------------------------------------
// Presets and the URL.

const select = $<HTMLSelectElement>("preset");
for (const p of presets) select.append(el("option", { value: p.id }, p.title));
let preset: Preset = defaultPreset;

async function writeHash(): Promise<void> {
  const hash = await encodeState(preset.id, code(), preset.code);
  window.history.replaceState(null, "", `#${hash}`);
}

async function readHash(): Promise<void> {
  try {
    const state = await decodeState(location.hash);
    preset = presetById(state.preset) ?? defaultPreset;
    select.value = preset.id;
    setCode(state.code ?? preset.code);
  } catch (e) {
    preset = defaultPreset;
    select.value = preset.id;
    setCode(preset.code);
    showCodeError({ name: "Error", op: null, message: `the link's code could not be decoded (${e instanceof Error ? e.message : String(e)}); showing the preset`, line: null, column: null });
  }
}

select.addEventListener("change", () => {
  preset = presetById(select.value) ?? defaultPreset;
  setCode(preset.code);
  run();
});

$("share").addEventListener("click", async () => {
  await writeHash();
  try {
    await navigator.clipboard.writeText(location.href);
    setStatus("done", "link copied");
  } catch {
    setStatus("done", "the link is in the address bar");
  }
});

// ---------------------------------------------------------------------------
// Panels.

const panels: Record<Exclude<Section, "code">, HTMLElement> = {
  value: $("value"), gradient: $("gradient"), jacobian: $("jacobian"), explain: $("explain"), gradcheck: $("gradcheck"), graph: $("graph"),
};
const body = (p: HTMLElement): HTMLElement => p.querySelector<HTMLElement>(".body")!;

function errorBox(e: ErrorInfo): HTMLElement {
  const where = e.line === null ? "" : ` (line ${e.line}${e.column === null ? "" : `:${e.column}`})`;
  return el("div", { class: "error", "data-testid": "error" },
    el("span", { class: "error-name" }, e.name), " ",
    ...(e.op === null ? [] : [el("span", { class: "op", "data-testid": "error-op" }, e.op), ": "]),
    el("span", { class: "message" }, e.message), where);
}

function showCodeError(e: ErrorInfo): void {
  const box = $("code-error");
  box.replaceChildren(errorBox(e));
  box.hidden = false;
  if (e.line !== null) editor.dispatch({ effects: setErrorLine.of(e.line) });
}

function setStatus(state: "idle" | "running" | "done" | "timeout", text: string): void {
  const s = $("status");
  s.dataset.state = state;
  s.textContent = text;
}

function tensorBlock(t: NamedTensor, caption: string): HTMLElement {
  const isScalar = t.value.shape.length === 0;
  return el("div", { class: "tensor", "data-name": t.name },
    el("div", { class: "caption" }, caption),
    el("div", { class: "row" }, numberTable(t.value), ...(isScalar ? [] : [heatmap(t.value, 160)])));
}

function render(m: WorkerMessage): void {
  switch (m.kind) {
    case "value": {
      const b = body(panels.value);
      b.replaceChildren(tensorBlock({ name: "f", value: m.value }, `f(${m.inputs.map((x) => x.name).join(", ")}): ${shapeText(m.value.shape)}`));
      const inputs = el("details", { class: "inputs" }, el("summary", {}, "example inputs"),
        ...m.inputs.map((x) => tensorBlock(x, `${x.name}: ${shapeText(x.value.shape)}`)));
      b.append(inputs);
      return;
    }
    case "gradient":
      body(panels.gradient).replaceChildren(el("div", { class: "caption" }, m.title),
        ...m.grads.flatMap((g) => g.numeric === null ? [tensorBlock(g, `∂/∂${g.name}`)] : [
          tensorBlock(g, `∂/∂${g.name} by autodiff`),
          el("div", { "data-testid": "gradient-numeric" }, tensorBlock({ name: g.name, value: g.numeric.value }, `∂/∂${g.name} by central differences`)),
          el("p", { class: "note mismatch" }, `autodiff and central differences differ by up to ${g.numeric.maxDiff.toPrecision(3)}`),
        ]));
      return;
    case "jacobian":
      panels.jacobian.querySelector("h2")!.textContent = m.hessian ? "Hessian" : "Jacobian";
      body(panels.jacobian).replaceChildren(el("div", { class: "caption" }, m.title),
        ...m.blocks.map((blk) => el("div", { class: "tensor", "data-name": blk.name },
          el("div", { class: "caption" }, `w.r.t. ${blk.name}: ${blk.value.shape.join("×")}`),
          ...(blk.value.data.length === 0 ? [] : blk.numeric === null ? [heatmap(blk.value)] : [
            el("div", { class: "row" },
              el("figure", {}, heatmap(blk.value, 220), el("figcaption", {}, "autodiff")),
              el("figure", { "data-testid": "jacobian-numeric" }, heatmap(blk.numeric, 220), el("figcaption", {}, "central differences"))),
          ]),
          ...(blk.note === null ? [] : [el("p", { class: blk.numeric === null ? "note" : "note mismatch" }, blk.note)]))));
      return;
    case "explain": {
      const math = el("div", { class: "math", "data-testid": "explain-math" });
      katex.render(`\\begin{aligned}${m.latex}\\end{aligned}`, math, { displayMode: true, throwOnError: false });
      body(panels.explain).replaceChildren(
        el("span", { class: m.verified ? "badge ok" : "badge warn", "data-testid": "explain-verified" },
          m.verified ? "verified against autodiff" : "not all formulas verified"),
        math,
        ...m.notes.map((n) => el("p", { class: "note" }, n)),
        el("details", {}, el("summary", {}, "as text"), el("pre", { "data-testid": "explain-text" }, m.text)));
      return;
    }
    case "gradcheck":
      body(panels.gradcheck).replaceChildren(
        el("span", { class: m.ok ? "badge ok" : "badge fail", "data-testid": "gradcheck-verdict" }, m.ok ? "PASSED" : "FAILED"),
        ...(m.diagnosis.length === 0 ? [] : [el("ul", { class: "diagnosis", "data-testid": "gradcheck-diagnosis" }, ...m.diagnosis.map((d) => el("li", {}, d)))]),
        el("details", m.ok ? {} : { open: "" }, el("summary", {}, "report"), el("pre", { "data-testid": "gradcheck-report" }, m.report)));
      return;
    case "graph":
      body(panels.graph).replaceChildren(
        m.graph.nodes.length <= MAX_GRAPH_NODES
          ? el("div", { class: "graph-wrap" }, graphSvg(m.graph))
          : el("p", { class: "note" }, `${m.graph.nodes.length} nodes: too many to draw (at most ${MAX_GRAPH_NODES}); the DOT and Mermaid text are below`),
        el("details", {}, el("summary", {}, "DOT (toDot)"), el("pre", { "data-testid": "graph-dot" }, m.dot)),
        el("details", {}, el("summary", {}, "Mermaid (toMermaid)"), el("pre", {}, m.mermaid)));
      return;
    case "error":
      runErrors++;
      if (m.section === "code" || m.section === "value") {
        showCodeError(m.error);
        for (const p of Object.values(panels)) body(p).replaceChildren(el("p", { class: "note" }, "not computed: the code raised an error"));
      } else {
        body(panels[m.section]).replaceChildren(errorBox(m.error));
        // a panel's error that points into the user's code (say, inside a custom backward) marks that line too
        if (m.error.line !== null && errorLineShown() === null) editor.dispatch({ effects: setErrorLine.of(m.error.line) });
      }
      return;
    case "started":
      startClock(m.id);
      return;
    case "done":
      running = false;
      clearTimeout(timer);
      setStatus("done", `done in ${Math.round(m.ms)} ms${runErrors === 0 ? "" : `, ${runErrors === 1 ? "1 error" : `${runErrors} errors`}`}`);
      return;
  }
}

// ---------------------------------------------------------------------------
// Running: one worker, replaced when a run is cut off or superseded.

let worker: Worker | null = null;
let running = false;
let runId = 0;
/** Errors reported by the current run (shown in the status line). */
let runErrors = 0;
let timer: ReturnType<typeof setTimeout> | undefined;

function makeWorker(): Worker {
  const w = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
  w.onmessage = (ev: MessageEvent<WorkerMessage>) => {
    if (ev.data.id === runId) render(ev.data);
  };
  w.onerror = (ev) => {
    ev.preventDefault();
    running = false;
    clearTimeout(timer);
    showCodeError({ name: "Error", op: null, message: `the worker failed: ${ev.message}`, line: null, column: null });
    setStatus("done", "failed");
  };
  return w;
}

function run(): void {
  if (worker !== null && running) {
    worker.terminate();
    worker = null;
  }
  worker ??= makeWorker();
  clearTimeout(timer);
  const id = ++runId;
  running = true;
  runErrors = 0;
  $("code-error").hidden = true;
  editor.dispatch({ effects: setErrorLine.of(null) });
  for (const p of Object.values(panels)) body(p).replaceChildren(el("p", { class: "note" }, "computing…"));
  setStatus("running", "running…");
  worker.postMessage({ id, code: code() });
  void writeHash();
}

/** The time limit runs from the moment the worker starts on the code (a fresh worker first loads matgrad). */
function startClock(id: number): void {
  clearTimeout(timer);
  timer = setTimeout(() => {
    if (id !== runId || !running) return;
    worker?.terminate();
    worker = null;
    running = false;
    showCodeError({
      name: "TimeoutError", op: null, line: null, column: null,
      message: `the code ran for more than ${TIME_LIMIT / 1000} s and its worker was stopped (an endless loop?)`,
    });
    for (const p of Object.values(panels)) {
      if (body(p).querySelector(".note")?.textContent === "computing…") body(p).replaceChildren(el("p", { class: "note" }, "not computed: stopped at the time limit"));
    }
    setStatus("timeout", `stopped after ${TIME_LIMIT / 1000} s`);
  }, TIME_LIMIT);
}

$("run").addEventListener("click", run);
window.addEventListener("hashchange", async () => {
  const current = await encodeState(preset.id, code(), preset.code);
  if (location.hash.replace(/^#/, "") === current) return;
  await readHash();
  run();
});

await readHash();
run();
