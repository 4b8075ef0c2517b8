import { describe, it, expect } from "vitest";
import { tensor, linalg, toDot, toMermaid, autogradGraph, ArgumentError, customVjp, Tensor } from "../../src/index.js";

const energyGraph = (): { X: Tensor; Y: Tensor; E: Tensor } => {
  const X = tensor([[1, 2], [3, 4]], { requiresGrad: true });
  const Y = X.matmul(X);
  const E = Y.mT.matmul(Y).trace();
  return { X, Y, E };
};

describe("toDot", () => {
  it("draws the energy tr((XX)ᵀ(XX)): X twice into matmul, named nodes, the result doubly outlined", () => {
    const { X, Y, E } = energyGraph();
    expect(toDot(E, { names: { X, Y } })).toBe(`digraph autograd {
  node [fontname="Helvetica", fontsize=10];
  n0 [label="X\\n[2, 2]\\nrequires grad", shape=box, style=filled, fillcolor="#dbeafe"];
  n1 [label="Y = matmul\\n[2, 2]", shape=ellipse];
  n2 [label="permute\\n[2, 2]", shape=ellipse];
  n3 [label="matmul\\n[2, 2]", shape=ellipse];
  n4 [label="diagonal\\n[2]", shape=ellipse];
  n5 [label="sum\\n[]", shape=ellipse, peripheries=2];
  n0 -> n1;
  n0 -> n1;
  n1 -> n2;
  n2 -> n3;
  n1 -> n3;
  n3 -> n4;
  n4 -> n5;
}
`);
  });

  it("is deterministic: the same program gives the same text, whatever was computed before", () => {
    const a = toDot(energyGraph().E);
    for (let i = 0; i < 5; i++) tensor([1], { requiresGrad: true }).exp();
    expect(toDot(energyGraph().E)).toBe(a);
  });

  it("draws constants (no gradient) grey, multi-output ops with their output index on edges", () => {
    const A = tensor([[2, 1], [1, 3]], { requiresGrad: true });
    const { eigenvalues, eigenvectors } = linalg.eigh(A);
    const w = tensor([1, 2]);
    const out = eigenvalues.sum().add(eigenvectors.mul(w).sum());
    expect(toDot(out, { names: { A, w } })).toBe(`digraph autograd {
  node [fontname="Helvetica", fontsize=10];
  n0 [label="A\\n[2, 2]\\nrequires grad", shape=box, style=filled, fillcolor="#dbeafe"];
  n1 [label="linalg.eigh\\n[2] [2, 2]", shape=ellipse];
  n2 [label="sum\\n[]", shape=ellipse];
  n3 [label="w\\n[2]", shape=box, style=filled, fillcolor="#eeeeee"];
  n4 [label="mul\\n[2, 2]", shape=ellipse];
  n5 [label="sum\\n[]", shape=ellipse];
  n6 [label="add\\n[]", shape=ellipse, peripheries=2];
  n0 -> n1;
  n1 -> n2 [label="0"];
  n1 -> n4 [label="1"];
  n3 -> n4;
  n4 -> n5;
  n2 -> n6;
  n5 -> n6;
}
`);
    // constants: false leaves them out (and their edges)
    expect(toDot(out, { constants: false })).not.toContain("constant");
  });

  it("draws a tensor without history as one node, and marks ops whose graph was freed by backward", () => {
    expect(toDot(tensor([1, 2]))).toBe(`digraph autograd {
  node [fontname="Helvetica", fontsize=10];
  n0 [label="constant\\n[2]", shape=box, style=filled, fillcolor="#eeeeee", peripheries=2];
}
`);
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.exp().sum();
    y.backward();
    expect(toDot(y)).toBe(`digraph autograd {
  node [fontname="Helvetica", fontsize=10];
  n0 [label="sum\\n[]\\n(graph freed)", shape=ellipse, peripheries=2];
}
`);
  });

  it("names a custom function's node by its name and escapes quotes in names", () => {
    const sq = customVjp((X: Tensor) => X.matmul(X), { bwd: ([X]: Tensor[], G: Tensor) => [G.matmul(X.mT).add(X.mT.matmul(G))] }, { name: "square" });
    const X = tensor([[1, 0], [0, 1]], { requiresGrad: true });
    const dot = toDot(sq(X), { names: { 'my "X"': X } });
    expect(dot).toContain('n0 [label="my \\"X\\"\\n[2, 2]\\nrequires grad"');
    expect(dot).toContain('n1 [label="square\\n[2, 2]", shape=ellipse, peripheries=2];');
  });

  it("raises ArgumentError naming the op and the argument for non-tensors", () => {
    expect(() => toDot([1, 2] as unknown as Tensor)).toThrow(ArgumentError);
    expect(() => toDot([1, 2] as unknown as Tensor)).toThrow("toDot: result must be a Tensor, got an array of length 2");
    expect(() => toMermaid(3 as unknown as Tensor)).toThrow("toMermaid: result must be a Tensor, got number 3");
    expect(() => autogradGraph(null as unknown as Tensor)).toThrow("autogradGraph: result must be a Tensor, got null");
    expect(() => toDot(tensor(1), { names: { X: [1] as unknown as Tensor } })).toThrow("toDot: options.names.X must be a Tensor, got an array of length 1");
  });
});

describe("toMermaid", () => {
  it("draws the energy as a flowchart with leaf / output classes", () => {
    const { X, Y, E } = energyGraph();
    expect(toMermaid(E, { names: { X, Y } })).toBe(`flowchart TB
  n0["X<br/>[2, 2]<br/>requires grad"]:::leaf
  n1("Y = matmul<br/>[2, 2]")
  n2("permute<br/>[2, 2]")
  n3("matmul<br/>[2, 2]")
  n4("diagonal<br/>[2]")
  n5("sum<br/>[]")
  n0 --> n1
  n0 --> n1
  n1 --> n2
  n2 --> n3
  n1 --> n3
  n3 --> n4
  n4 --> n5
  class n5 output
  classDef leaf fill:#dbeafe,stroke:#1d4ed8
  classDef constant fill:#eeeeee,stroke:#888888
  classDef output stroke-width:3px
`);
  });
});

describe("autogradGraph", () => {
  it("returns nodes in topological order with kinds, shapes and edges with operand positions", () => {
    const a = tensor([[1, 2]], { requiresGrad: true });
    const b = tensor([[3], [4]]);
    const g = autogradGraph(a.matmul(b), { names: { a, b } });
    expect(g.nodes.map((n) => [n.id, n.kind, n.op, n.name, n.shapes, n.requiresGrad, n.isOutput])).toEqual([
      ["n0", "leaf", null, "a", [[1, 2]], true, false],
      ["n1", "constant", null, "b", [[2, 1]], false, false],
      ["n2", "op", "matmul", null, [[1, 1]], true, true],
    ]);
    expect(g.edges).toEqual([
      { from: "n0", to: "n2", input: 0, output: 0 },
      { from: "n1", to: "n2", input: 1, output: 0 },
    ]);
  });

  it("walks a chain of 5000 ops without overflowing the stack", () => {
    let y = tensor([1], { requiresGrad: true });
    for (let i = 0; i < 5000; i++) y = y.mul(1.0001);
    const g = autogradGraph(y);
    expect(g.nodes.length).toBe(5001);
    expect(g.edges.length).toBe(5000);
  });
});
