import type * as H5 from 'h5wasm';
import {
  NIR_VERSION,
  nirArray,
  type NirArray,
  type NirGraph,
  type NirMetadata,
  type NirNode,
  type NirNodeType,
} from '../core/nir/graph.ts';
import { freshMemoryPath, hasHdf5Signature, hdf5Reason, loadH5wasm } from './h5wasm.ts';

/**
 * NIR graphs as HDF5 files, laid out as the NIR reference library (nir.write / nir.read) lays
 * them out, so `nir.read("model.nir")` in Python loads ours:
 *
 *   /version                 string, the NIR release (NIR_VERSION)
 *   /node/type               "NIRGraph"
 *   /node/edges              [E][2] strings (source, target)
 *   /node/metadata/<key>     strings and numbers (optional)
 *   /node/nodes/<name>/type  "Input", "Linear", "Delay", "LIF", ...
 *   /node/nodes/<name>/...   the node's parameters as arrays (Input/Output: int64 "shape")
 *
 * Strings are variable-length UTF-8 (h5py's string_dtype). Weights are float32 when that loses
 * nothing (the engine trains in float32), else float64; neuron parameters are float64. Matrices
 * of 4,096 entries or more are gzip-compressed (a per-delay branch is mostly zeros).
 */

/** A file that is not a NIR graph this reader understands; the message names the file. */
export class NirFormatError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'NirFormatError';
  }
}

/** Parameters each node type has, in file order. */
const NODE_PARAMETERS: Record<NirNodeType, string[]> = {
  Input: ['shape'],
  Output: ['shape'],
  Linear: ['weight'],
  Affine: ['weight', 'bias'],
  Scale: ['scale'],
  Delay: ['delay'],
  LIF: ['tau', 'r', 'v_leak', 'v_threshold', 'v_reset'],
  LI: ['tau', 'r', 'v_leak'],
};

const COMPRESS_FROM = 4096;

function writeArray(group: H5.Group, name: string, array: NirArray): void {
  const data = array.dtype === 'f32' ? Float32Array.from(array.data) : array.data;
  const compress = array.data.length >= COMPRESS_FROM;
  group.create_dataset({
    name,
    data,
    shape: array.shape,
    ...(compress ? { chunks: array.shape, compression: 'gzip' as const, compression_opts: 4 } : {}),
  });
}

function writeNode(group: H5.Group, node: NirNode): void {
  group.create_dataset({ name: 'type', data: node.type });
  if (node.type === 'Input' || node.type === 'Output') {
    group.create_dataset({ name: 'shape', data: BigInt64Array.from(node.shape.map(BigInt)) });
    return;
  }
  const params = node as unknown as Record<string, NirArray>;
  for (const key of NODE_PARAMETERS[node.type]) writeArray(group, key, params[key]!);
}

/** The graph as the bytes of a NIR HDF5 file. */
export async function writeNirFile(graph: NirGraph): Promise<Uint8Array> {
  const { h5, module } = await loadH5wasm();
  const path = freshMemoryPath(module, 'delaylab-nir');
  // HDF5 errors as exceptions: h5wasm passes over a failed create_dataset's status otherwise,
  // and an incomplete file would be reported as written.
  module.activate_throwing_error_handler();
  try {
    const file = new h5.File(path, 'w');
    try {
      file.create_dataset({ name: 'version', data: NIR_VERSION });
      const root = file.create_group('node');
      root.create_dataset({ name: 'type', data: 'NIRGraph' });
      root.create_dataset({ name: 'edges', data: graph.edges.flat(), shape: [graph.edges.length, 2] });
      const keys = Object.keys(graph.metadata);
      if (keys.length > 0) {
        const meta = root.create_group('metadata');
        for (const key of keys) {
          const v = graph.metadata[key]!;
          meta.create_dataset({
            name: key,
            data: typeof v === 'number' ? new Float64Array([v]) : v,
            ...(typeof v === 'number' ? { shape: [] } : {}),
          });
        }
      }
      const nodes = root.create_group('nodes');
      for (const [name, node] of graph.nodes) writeNode(nodes.create_group(name), node);
    } finally {
      file.close();
    }
    return module.FS.readFile(path);
  } catch (e) {
    throw new Error(`the NIR file could not be written (${hdf5Reason(e)})`, { cause: e });
  } finally {
    module.deactivate_throwing_error_handler();
    if (module.FS.analyzePath(path).exists) module.FS.unlink(path);
  }
}

type Fail = (problem: string) => never;

/** h5wasm's classes (from the loaded module, so instanceof holds in minified builds too). */
let classes: { Dataset: typeof H5.Dataset; Group: typeof H5.Group } | null = null;

function dataset(group: H5.Group, key: string, where: string, fail: Fail): H5.Dataset {
  const entity = group.get(key);
  if (!(entity instanceof classes!.Dataset)) fail(`${where}/${key}: expected a dataset`);
  return entity;
}

function subgroup(group: H5.Group, key: string, where: string, fail: Fail): H5.Group {
  const entity = group.get(key);
  if (!(entity instanceof classes!.Group)) fail(`${where}/${key}: expected a group`);
  return entity;
}

function readString(group: H5.Group, key: string, where: string, fail: Fail): string {
  const value = dataset(group, key, where, fail).value;
  const s = Array.isArray(value) && value.length === 1 ? value[0] : value;
  if (typeof s !== 'string') fail(`${where}/${key}: expected a string`);
  return s;
}

function readArray(group: H5.Group, key: string, where: string, fail: Fail): NirArray {
  const ds = dataset(group, key, where, fail);
  const value = ds.value;
  const shape = ds.shape ?? [];
  if (!ArrayBuffer.isView(value) && typeof value !== 'number' && typeof value !== 'bigint')
    fail(`${where}/${key}: expected numbers`);
  const values =
    typeof value === 'number' || typeof value === 'bigint'
      ? [Number(value)]
      : Array.from(value as ArrayLike<number | bigint>, Number);
  if (values.some((v) => !Number.isFinite(v))) fail(`${where}/${key}: holds a value that is not finite`);
  const meta = ds.metadata;
  return nirArray(shape, values, meta.type === 1 && meta.size === 4 ? 'f32' : 'f64');
}

function readNode(group: H5.Group, where: string, fail: Fail): NirNode {
  const type = readString(group, 'type', where, fail);
  if (!(type in NODE_PARAMETERS))
    fail(
      `${where}: node type "${type}" is not one this reader runs (${Object.keys(NODE_PARAMETERS).join(', ')})`,
    );
  const kind = type as NirNodeType;
  if (kind === 'Input' || kind === 'Output') {
    const shape = Array.from(readArray(group, 'shape', where, fail).data);
    if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1))
      fail(`${where}/shape: expected positive integers`);
    return { type: kind, shape };
  }
  const params: Record<string, NirArray> = {};
  for (const key of NODE_PARAMETERS[kind]) {
    if (key === 'v_reset' && !group.keys().includes(key)) continue; // NIR: absent means zeros
    params[key] = readArray(group, key, where, fail);
  }
  if (kind === 'LIF' && !params['v_reset']) {
    const n = params['v_threshold']!.data.length;
    params['v_reset'] = nirArray([n], new Float64Array(n), 'f64');
  }
  return { type: kind, ...params } as unknown as NirNode;
}

/** Reads a NIR HDF5 file's bytes back into a graph; throws NirFormatError naming `fileName`. */
export async function readNirFile(bytes: Uint8Array, fileName: string): Promise<NirGraph> {
  const fail: Fail = (problem) => {
    throw new NirFormatError(fileName, problem);
  };
  if (!hasHdf5Signature(bytes)) fail('is not a NIR file (not HDF5: no HDF5 signature)');
  const { h5, module } = await loadH5wasm();
  classes = { Dataset: h5.Dataset, Group: h5.Group };
  const path = freshMemoryPath(module, 'delaylab-nir-read');
  let file: H5.File | null = null;
  module.activate_throwing_error_handler();
  try {
    module.FS.writeFile(path, bytes);
    try {
      file = new h5.File(path, 'r');
    } catch (e) {
      fail(`is not an HDF5 file h5wasm can open (${hdf5Reason(e)})`);
    }
    if (!file.keys().includes('node')) fail('is not a NIR file (no "node" group)');
    const graphGroup = subgroup(file, 'node', '', fail);
    const type = readString(graphGroup, 'type', 'node', fail);
    if (type !== 'NIRGraph') fail(`node/type is "${type}", expected "NIRGraph"`);
    const nodesGroup = subgroup(graphGroup, 'nodes', 'node', fail);
    const nodes = new Map<string, NirNode>();
    for (const name of nodesGroup.keys())
      nodes.set(name, readNode(subgroup(nodesGroup, name, 'node/nodes', fail), `node/nodes/${name}`, fail));
    const edgeSet = dataset(graphGroup, 'edges', 'node', fail);
    const flat = edgeSet.value;
    const edgeShape = edgeSet.shape ?? [];
    if (
      !Array.isArray(flat) ||
      edgeShape.length !== 2 ||
      edgeShape[1] !== 2 ||
      flat.some((s) => typeof s !== 'string')
    )
      fail('node/edges: expected [E][2] strings');
    const names = flat as string[];
    const edges: [string, string][] = [];
    for (let e = 0; e < names.length; e += 2) {
      const edge: [string, string] = [names[e]!, names[e + 1]!];
      for (const n of edge)
        if (!nodes.has(n)) fail(`node/edges: edge ${edge[0]} -> ${edge[1]} names no node`);
      edges.push(edge);
    }
    const metadata: NirMetadata = {};
    if (graphGroup.keys().includes('metadata')) {
      const meta = subgroup(graphGroup, 'metadata', 'node', fail);
      for (const key of meta.keys()) {
        const value = dataset(meta, key, 'node/metadata', fail).value;
        const v = ArrayBuffer.isView(value) ? Number((value as Float64Array)[0]) : value;
        if (typeof v === 'string' || typeof v === 'number') metadata[key] = v;
      }
    }
    return { nodes, edges, metadata };
  } catch (e) {
    if (e instanceof NirFormatError) throw e;
    return fail(`could not be read (${hdf5Reason(e)})`);
  } finally {
    try {
      file?.close();
    } catch {
      // Closing after a failed read may report the same error again; the file is unlinked anyway.
    }
    module.deactivate_throwing_error_handler();
    if (module.FS.analyzePath(path).exists) module.FS.unlink(path);
  }
}
