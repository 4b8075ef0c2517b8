/**
 * Drawing: numbers as tables, matrices as heatmaps, the autograd graph as a
 * layered SVG. Plain DOM, no framework.
 */
import type { AutogradGraph, GraphNode } from "matgrad";
import type { TensorView } from "./protocol";

const SVG = "http://www.w3.org/2000/svg";

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

function svg(tag: string, attrs: Record<string, string | number> = {}): SVGElement {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

/** At most 4 decimals; exponent notation for very large or small magnitudes. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "NaN" : v > 0 ? "∞" : "−∞";
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-4)) return v.toExponential(3).replace("-", "−");
  const s = String(Number(v.toFixed(4)));
  return (s === "-0" ? "0" : s).replace("-", "−");
}

/** Rows × columns of a tensor viewed as a matrix: the last axis is the columns, the others the rows. */
export function asMatrix(t: TensorView): { rows: number; cols: number } {
  if (t.shape.length === 0) return { rows: 1, cols: 1 };
  const cols = t.shape[t.shape.length - 1];
  return { rows: cols === 0 ? 0 : t.data.length / cols, cols };
}

export function shapeText(shape: readonly number[]): string {
  return shape.length === 0 ? "scalar" : shape.join("×");
}

/** A table of the numbers (a scalar as a single big number). */
export function numberTable(t: TensorView): HTMLElement {
  if (t.shape.length === 0) return el("div", { class: "scalar", "data-testid": "number" }, fmt(t.data[0]));
  const { rows, cols } = asMatrix(t);
  const table = el("table", { class: "numbers" });
  for (let i = 0; i < rows; i++) {
    const tr = el("tr");
    for (let j = 0; j < cols; j++) tr.append(el("td", { "data-testid": "number" }, fmt(t.data[i * cols + j])));
    table.append(tr);
  }
  return table;
}

/** Blue (negative) – white (0) – red (positive), scaled by the largest magnitude. */
function color(v: number, maxAbs: number): string {
  if (!Number.isFinite(v)) return "#000";
  const t = maxAbs === 0 ? 0 : Math.max(-1, Math.min(1, v / maxAbs));
  const fade = Math.round(255 * (1 - Math.abs(t)));
  return t >= 0 ? `rgb(255,${fade},${fade})` : `rgb(${fade},${fade},255)`;
}

/** A heatmap of a matrix (values in cell tooltips; numbers drawn in the cells when they fit). */
export function heatmap(t: TensorView, maxSide = 280): SVGElement {
  const { rows, cols } = asMatrix(t);
  const cell = Math.max(3, Math.min(36, Math.floor(maxSide / Math.max(rows, cols, 1))));
  const maxAbs = t.data.reduce((m, v) => (Number.isFinite(v) ? Math.max(m, Math.abs(v)) : m), 0);
  const root = svg("svg", { class: "heatmap", width: cols * cell, height: rows * cell, viewBox: `0 0 ${cols * cell} ${rows * cell}` });
  const withText = cell >= 30;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = t.data[i * cols + j];
      const r = svg("rect", { x: j * cell, y: i * cell, width: cell, height: cell, fill: color(v, maxAbs), stroke: "#fff", "stroke-width": cell > 6 ? 1 : 0 });
      const title = svg("title");
      title.textContent = `[${i}, ${j}] = ${fmt(v)}`;
      r.append(title);
      root.append(r);
      if (withText) {
        const dark = Number.isFinite(v) && maxAbs > 0 && Math.abs(v) / maxAbs > 0.6;
        const text = svg("text", { x: j * cell + cell / 2, y: i * cell + cell / 2 + 3, "text-anchor": "middle", class: dark ? "cell-text dark" : "cell-text" });
        const short = fmt(Number(v.toPrecision(3)));
        text.textContent = short.length <= 6 ? short : "";
        root.append(text);
      }
    }
  }
  return root;
}

// ---------------------------------------------------------------------------
// The autograd graph: a layered layout (Sugiyama's scheme, reduced to its
// simplest steps). Layer = longest path from a source; a source (leaf or
// constant) sits one layer above its first consumer; within a layer, nodes are
// ordered by the mean position of their inputs (barycenter), two sweeps.

interface Box {
  node: GraphNode;
  layer: number;
  x: number;
  y: number;
  w: number;
  h: number;
  order: number;
}

const CHAR_W = 6.6, LINE_H = 14, PAD = 8, GAP_X = 18, GAP_Y = 42;

export function graphSvg(g: AutogradGraph): SVGElement {
  const byId = new Map<string, Box>();
  const preds = new Map<string, string[]>(), succs = new Map<string, string[]>();
  for (const n of g.nodes) {
    const lines = n.label.split("\n");
    const w = Math.max(...lines.map((l) => l.length)) * CHAR_W + 2 * PAD;
    byId.set(n.id, { node: n, layer: 0, x: 0, y: 0, w, h: lines.length * LINE_H + PAD, order: 0 });
    preds.set(n.id, []);
    succs.set(n.id, []);
  }
  for (const e of g.edges) {
    preds.get(e.to)!.push(e.from);
    succs.get(e.from)!.push(e.to);
  }
  // nodes come in topological order (inputs first)
  for (const n of g.nodes) {
    const p = preds.get(n.id)!;
    if (p.length > 0) byId.get(n.id)!.layer = 1 + Math.max(...p.map((q) => byId.get(q)!.layer));
  }
  for (const n of g.nodes) {
    const s = succs.get(n.id)!;
    if (preds.get(n.id)!.length === 0 && s.length > 0) byId.get(n.id)!.layer = Math.min(...s.map((q) => byId.get(q)!.layer)) - 1;
  }
  const nLayers = Math.max(0, ...[...byId.values()].map((b) => b.layer)) + 1;
  const layers: Box[][] = Array.from({ length: nLayers }, () => []);
  for (const n of g.nodes) layers[byId.get(n.id)!.layer].push(byId.get(n.id)!);
  const place = (): void => {
    for (const layer of layers) {
      let x = 0;
      layer.forEach((b, i) => {
        b.order = i;
        b.x = x;
        x += b.w + GAP_X;
      });
    }
  };
  place();
  const center = (b: Box): number => b.x + b.w / 2;
  for (let sweep = 0; sweep < 2; sweep++) {
    for (const layer of layers) {
      const key = (b: Box): number => {
        const p = preds.get(b.node.id)!.concat(succs.get(b.node.id)!);
        return p.length === 0 ? center(b) : p.reduce((s, q) => s + center(byId.get(q)!), 0) / p.length;
      };
      const keys = new Map(layer.map((b) => [b, key(b)] as const));
      layer.sort((a, b) => keys.get(a)! - keys.get(b)! || a.order - b.order);
    }
    place();
  }
  const widths = layers.map((l) => (l.length === 0 ? 0 : l[l.length - 1].x + l[l.length - 1].w));
  const width = Math.max(...widths, 1);
  let y = 4;
  layers.forEach((layer, i) => {
    const shift = (width - widths[i]) / 2;
    const h = Math.max(0, ...layer.map((b) => b.h));
    for (const b of layer) {
      b.x += shift + 4;
      b.y = y + (h - b.h) / 2;
    }
    y += h + GAP_Y;
  });
  const height = y - GAP_Y + 8;
  const root = svg("svg", { class: "graph", width: width + 8, height, viewBox: `0 0 ${width + 8} ${height}`, "data-testid": "graph-svg" });
  const defs = svg("defs");
  const marker = svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
  marker.append(svg("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#555" }));
  defs.append(marker);
  root.append(defs);

  const nIn = new Map<string, number>();
  for (const e of g.edges) nIn.set(e.to, (nIn.get(e.to) ?? 0) + 1);
  for (const e of g.edges) {
    const a = byId.get(e.from)!, b = byId.get(e.to)!;
    const x1 = center(a), y1 = a.y + a.h;
    const x2 = b.x + (b.w * (e.input + 1)) / (nIn.get(e.to)! + 1), y2 = b.y;
    // an edge that skips layers goes around the nodes in between (on their right)
    const between = layers.slice(a.layer + 1, b.layer).flat().filter((c) => c.x < Math.max(x1, x2) + 12 && c.x + c.w > Math.min(x1, x2) - 12);
    let d: string;
    if (between.length === 0) {
      const dy = Math.max(20, (y2 - y1) / 2);
      d = `M ${x1} ${y1} C ${x1} ${y1 + dy}, ${x2} ${y2 - dy}, ${x2} ${y2}`;
    } else {
      const xr = Math.max(...between.map((c) => c.x + c.w)) + 14;
      const bend = GAP_Y / 2;
      d = `M ${x1} ${y1} C ${x1} ${y1 + bend}, ${xr} ${y1 + bend}, ${xr} ${y1 + 2 * bend} L ${xr} ${y2 - 2 * bend} C ${xr} ${y2 - bend}, ${x2} ${y2 - bend}, ${x2} ${y2}`;
    }
    root.append(svg("path", { d, class: "edge", "marker-end": "url(#arrow)" }));
    if (a.node.shapes.length > 1) {
      const t = svg("text", { x: x1 + 4, y: y1 + 12, class: "edge-label" });
      t.textContent = String(e.output);
      root.append(t);
    }
  }
  for (const b of byId.values()) {
    const n = b.node;
    const gNode = svg("g", { class: `node ${n.kind}${n.isOutput ? " output" : ""}`, "data-testid": "graph-node" });
    const rx = n.kind === "op" ? b.h / 2 : 3;
    gNode.append(svg("rect", { x: b.x, y: b.y, width: b.w, height: b.h, rx, ry: rx }));
    n.label.split("\n").forEach((line, i) => {
      const t = svg("text", { x: center(b), y: b.y + PAD / 2 + LINE_H * (i + 1) - 3, "text-anchor": "middle", class: i === 0 ? "title" : "" });
      t.textContent = line;
      gNode.append(t);
    });
    root.append(gNode);
  }
  return root;
}
