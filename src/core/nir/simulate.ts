import type { NirGraph, NirNode } from './graph.ts';

/**
 * A discrete-time interpreter of NIR graphs, to check an exported graph without another
 * framework: every node is stepped with forward Euler at step `dt` (seconds), the usual reading
 * of NIR's ODEs by its reference backends. At each step, in topological order, a node's input is
 * the sum of its predecessors' outputs at that step (NIR sums converging edges):
 *   Input   the step's input vector
 *   Linear  W x;  Affine  W x + b;  Scale  s x
 *   Delay   x(t - tau), tau a whole number of steps (its outputs are 0 before that)
 *   LI      v <- v + (dt / tau)(v_leak - v + r x); output v
 *   LIF     the same, then z = v > v_threshold (NIR's strict comparison), v <- v_reset where z;
 *           output z
 *   Output  its input
 * Cycles are refused (no feedback delay is implied by NIR, so their order is a backend's choice).
 */

export class NirSimulationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NirSimulationError';
  }
}

/** Every node's output at every step: `[time][element]`, row-major. */
export interface NirTrace {
  timeSteps: number;
  outputs: Map<string, Float64Array>;
}

function nodeSize(name: string, node: NirNode): { in: number; out: number } {
  switch (node.type) {
    case 'Input':
    case 'Output':
      return { in: node.shape.reduce((a, b) => a * b, 1), out: node.shape.reduce((a, b) => a * b, 1) };
    case 'Linear':
    case 'Affine': {
      const [rows, cols] = node.weight.shape;
      if (node.weight.shape.length !== 2) throw new NirSimulationError(`${name}: weight must be 2-D`);
      return { in: cols!, out: rows! };
    }
    case 'Scale':
      return { in: node.scale.data.length, out: node.scale.data.length };
    case 'Delay':
      return { in: node.delay.data.length, out: node.delay.data.length };
    case 'LI':
    case 'LIF':
      return { in: node.tau.data.length, out: node.tau.data.length };
  }
}

/** Node names in an order where every edge goes forward; throws on a cycle or a dangling edge. */
export function topologicalOrder(graph: NirGraph): string[] {
  const indegree = new Map<string, number>();
  const next = new Map<string, string[]>();
  for (const name of graph.nodes.keys()) {
    indegree.set(name, 0);
    next.set(name, []);
  }
  for (const [from, to] of graph.edges) {
    if (!graph.nodes.has(from) || !graph.nodes.has(to))
      throw new NirSimulationError(`edge ${from} -> ${to} names a node the graph does not have`);
    next.get(from)!.push(to);
    indegree.set(to, indegree.get(to)! + 1);
  }
  const ready = [...graph.nodes.keys()].filter((n) => indegree.get(n) === 0);
  const order: string[] = [];
  while (ready.length > 0) {
    const n = ready.shift()!;
    order.push(n);
    for (const m of next.get(n)!) {
      const d = indegree.get(m)! - 1;
      indegree.set(m, d);
      if (d === 0) ready.push(m);
    }
  }
  if (order.length !== graph.nodes.size)
    throw new NirSimulationError('the graph has a cycle; this interpreter runs acyclic graphs only');
  return order;
}

/**
 * Runs the graph on input vectors `[time][inputs]` for its single Input node; `dt` in seconds.
 * Returns every node's outputs per step.
 */
export function simulateNir(
  graph: NirGraph,
  input: ArrayLike<number>,
  timeSteps: number,
  dt: number,
): NirTrace {
  if (!(dt > 0)) throw new NirSimulationError(`dt must be a positive number of seconds, got ${dt}`);
  const order = topologicalOrder(graph);
  const inputs = [...graph.nodes].filter(([, n]) => n.type === 'Input');
  if (inputs.length !== 1) throw new NirSimulationError(`expected one Input node, found ${inputs.length}`);
  const sizes = new Map([...graph.nodes].map(([name, node]) => [name, nodeSize(name, node)]));
  const inputSize = sizes.get(inputs[0]![0])!.out;
  if (input.length !== timeSteps * inputSize)
    throw new NirSimulationError(`input must hold ${timeSteps} x ${inputSize} values, got ${input.length}`);
  const predecessors = new Map<string, string[]>([...graph.nodes.keys()].map((n) => [n, []]));
  for (const [from, to] of graph.edges) {
    if (sizes.get(from)!.out !== sizes.get(to)!.in)
      throw new NirSimulationError(
        `edge ${from} -> ${to}: ${from} gives ${sizes.get(from)!.out} values, ${to} takes ${sizes.get(to)!.in}`,
      );
    predecessors.get(to)!.push(from);
  }
  const outputs = new Map<string, Float64Array>();
  const state = new Map<string, Float64Array>();
  const lags = new Map<string, number>();
  for (const [name, node] of graph.nodes) {
    outputs.set(name, new Float64Array(timeSteps * sizes.get(name)!.out));
    if (node.type === 'LI' || node.type === 'LIF') state.set(name, new Float64Array(node.tau.data.length));
    if (node.type === 'Delay') {
      const steps = node.delay.data.map((d) => d / dt);
      const lag = Math.round(steps[0] ?? 0);
      // One lag per node, as the exporter writes; element-wise lags would need per-element rings.
      if (steps.some((s) => Math.abs(s - lag) > 1e-6 || Math.round(s) !== lag || s < 0))
        throw new NirSimulationError(
          `${name}: delays must be one whole number of steps of ${dt} s for this interpreter, got ${Array.from(node.delay.data.slice(0, 3)).join(', ')} s`,
        );
      lags.set(name, lag);
    }
  }
  for (let t = 0; t < timeSteps; t++) {
    for (const name of order) {
      const node = graph.nodes.get(name)!;
      const { in: nIn, out: nOut } = sizes.get(name)!;
      const y = outputs.get(name)!;
      const yBase = t * nOut;
      if (node.type === 'Input') {
        for (let i = 0; i < nOut; i++) y[yBase + i] = input[t * nIn + i]!;
        continue;
      }
      if (node.type === 'Delay') {
        const lag = lags.get(name)!;
        if (t < lag) continue;
        // The delayed value is the node's summed input lag steps ago, recomputed from predecessors.
        for (const p of predecessors.get(name)!) {
          const src = outputs.get(p)!;
          const base = (t - lag) * nIn;
          for (let i = 0; i < nIn; i++) y[yBase + i] = y[yBase + i]! + src[base + i]!;
        }
        continue;
      }
      const x = new Float64Array(nIn);
      for (const p of predecessors.get(name)!) {
        const src = outputs.get(p)!;
        const base = t * nIn;
        for (let i = 0; i < nIn; i++) x[i] = x[i]! + src[base + i]!;
      }
      switch (node.type) {
        case 'Output':
          y.set(x, yBase);
          break;
        case 'Linear':
        case 'Affine': {
          const w = node.weight.data;
          for (let r = 0; r < nOut; r++) {
            let sum = node.type === 'Affine' ? node.bias.data[r]! : 0;
            const row = r * nIn;
            for (let c = 0; c < nIn; c++) if (x[c] !== 0) sum += w[row + c]! * x[c]!;
            y[yBase + r] = sum;
          }
          break;
        }
        case 'Scale':
          for (let i = 0; i < nOut; i++) y[yBase + i] = node.scale.data[i]! * x[i]!;
          break;
        case 'LI':
        case 'LIF': {
          const v = state.get(name)!;
          for (let i = 0; i < nOut; i++) {
            const u =
              v[i]! + (dt / node.tau.data[i]!) * (node.v_leak.data[i]! - v[i]! + node.r.data[i]! * x[i]!);
            if (node.type === 'LI') {
              v[i] = u;
              y[yBase + i] = u;
            } else {
              const z = u > node.v_threshold.data[i]! ? 1 : 0;
              v[i] = z ? node.v_reset.data[i]! : u;
              y[yBase + i] = z;
            }
          }
          break;
        }
      }
    }
  }
  return { timeSteps, outputs };
}
