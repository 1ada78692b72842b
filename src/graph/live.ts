/**
 * Live mode: each node's tensor on a sample batch (`value$`), computed lazily by the engine
 * for observed nodes only, and after a backward pass each node's gradient (`grad$`). Values
 * follow the store's transactions: the nodes a transaction recomputed lose their values, and
 * those still observed are recomputed once, in topological order, then emitted.
 */
import { BehaviorSubject, Observable, type Subscription } from 'rxjs';
import {
  applyOp,
  BackwardPass,
  type BackwardStep,
  getOp,
  Rng,
  type Tensor,
  tensor,
  withSource,
} from '../engine/index.ts';
import type { OpBuilder, ParamInit } from '../nodes/define.ts';
import type { Dim, TensorType } from '../nodes/types.ts';
import {
  COMPOSITE_TYPE,
  DocumentIndex,
  feedbackTest,
  type GraphNode,
  type NodeId,
  portsOf,
  topologicalOrder,
} from './document.ts';
import type { GraphStore } from './store.ts';

export type LiveValue =
  | { status: 'ok'; outputs: Record<string, Tensor> }
  /** no value: a shape error upstream, a symbol without a size, an op the engine lacks */
  | { status: 'unavailable'; reason: string };

export interface LiveGrad {
  /** d loss / d output, per output port (null where the loss does not depend on it) */
  outputs: Record<string, Tensor | null>;
  /** d loss / d parameter, per parameter name */
  params: Record<string, Tensor | null>;
}

export interface LiveOptions {
  /** sizes for symbols; the document's meta.symbols fill in, then `N` defaults to 4 */
  symbols?: Record<string, number>;
  seed?: number;
  /** int32 sources sample integers in [0, intHigh) (class indices) */
  intHigh?: number;
}

class LiveError extends Error {}

/** Evaluate a dim expression such as `N*28`, `(H-3)/2+1` with sizes for its symbols. */
export function evaluateDim(d: Dim, sizes: Record<string, number>): number {
  if (typeof d === 'number') return d;
  const tokens = d.match(/[A-Za-z_][A-Za-z0-9_']*|\d+|[-+*/()]/g) ?? [];
  let at = 0;
  const atom = (): number => {
    const t = tokens[at++];
    if (t === '(') {
      const v = sum();
      at++;
      return v;
    }
    if (t !== undefined && /^\d+$/.test(t)) return Number(t);
    if (t !== undefined && t in sizes) return sizes[t];
    throw new LiveError(`symbol '${t}' has no size; give it one in the document's symbols`);
  };
  const product = (): number => {
    let v = atom();
    while (tokens[at] === '*' || tokens[at] === '/')
      v = tokens[at++] === '*' ? v * atom() : Math.floor(v / atom());
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (tokens[at] === '+' || tokens[at] === '-') v = tokens[at++] === '+' ? v + product() : v - product();
    return v;
  };
  return sum();
}

function hashSeed(text: string, seed: number): number {
  let h = seed ^ 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

interface Slot {
  value: BehaviorSubject<LiveValue | null>;
  grad: BehaviorSubject<LiveGrad | null>;
  observers: number;
}

/** The top-level node a path names: `node:block` for `node:block/node:relu`. */
const topOf = (path: string) => path.split('/')[0] as NodeId;

export class LiveValues {
  private values = new Map<NodeId, LiveValue>();
  /** inner nodes' outputs by path (`<composite>/<inner>`), set when their composite computes */
  private innerValues = new Map<string, Record<string, Tensor>>();
  private params = new Map<string, Tensor>();
  private readonly slots = new Map<NodeId, Slot>();
  private readonly subscription: Subscription;

  constructor(
    readonly store: GraphStore,
    readonly options: LiveOptions = {},
  ) {
    this.subscription = store.transactions$.subscribe((tx) => {
      for (const id of [...tx.recomputed, ...tx.changes.removed]) this.values.delete(id);
      // parameter keys and inner paths start with their top-level node's id
      for (const key of [...this.params.keys()])
        if (tx.changes.removed.has(topOf(key))) this.params.delete(key);
      for (const path of [...this.innerValues.keys()]) {
        const top = topOf(path);
        if (tx.changes.removed.has(top) || tx.recomputed.includes(top)) this.innerValues.delete(path);
      }
      this.refresh(new Set(tx.recomputed));
    });
  }

  /**
   * A node's value on the sample batch; computed when first observed, then per transaction.
   * An inner node of a composite is named by its path, `<composite>/<inner>` (nested likewise):
   * its value comes with its composite's.
   */
  value$(id: NodeId | string): Observable<LiveValue> {
    if (id.includes('/')) return this.innerValue$(id);
    const top = id as NodeId;
    return new Observable<LiveValue>((subscriber) => {
      const slot = this.slot(top);
      slot.observers++;
      if (slot.value.value === null) slot.value.next(this.valueOf(top));
      const inner = slot.value.subscribe((v) => v && subscriber.next(v));
      return () => {
        slot.observers--;
        inner.unsubscribe();
      };
    });
  }

  private innerValue$(path: string): Observable<LiveValue> {
    return new Observable<LiveValue>((subscriber) =>
      this.value$(topOf(path)).subscribe((top) => {
        if (top.status !== 'ok') return subscriber.next(top);
        const outputs = this.innerValues.get(path);
        subscriber.next(
          outputs ? { status: 'ok', outputs } : { status: 'unavailable', reason: `no node ${path} inside` },
        );
      }),
    );
  }

  /** A node's gradients after the last backward pass (null before any). */
  grad$(id: NodeId): Observable<LiveGrad | null> {
    return this.slot(id).grad.asObservable();
  }

  /** The value now (computing it and what it needs). */
  valueOf(id: NodeId): LiveValue {
    const cached = this.values.get(id);
    if (cached) return cached;
    let value: LiveValue;
    try {
      value = this.compute(id);
    } catch (e) {
      value = { status: 'unavailable', reason: e instanceof Error ? e.message : String(e) };
    }
    this.values.set(id, value);
    return value;
  }

  /**
   * Start a backward pass from a node's scalar output (a loss). Step it with `next()` (the
   * stepper) or `run()`; `publish()` emits every node's grad$ with the gradients so far.
   */
  beginBackward(lossId: NodeId): LiveBackward | (LiveValue & { status: 'unavailable' }) {
    const value = this.valueOf(lossId);
    if (value.status !== 'ok') return value;
    const out = Object.values(value.outputs)[0];
    if (out?.size !== 1)
      return { status: 'unavailable', reason: 'backward needs a node with a scalar output (a loss)' };
    try {
      return new LiveBackward(this, new BackwardPass(out));
    } catch (e) {
      return { status: 'unavailable', reason: e instanceof Error ? e.message : String(e) };
    }
  }

  /** Emit grad$ for every node from a (possibly partial) backward pass. */
  publishGrads(pass: BackwardPass): void {
    for (const id of this.store.topologicalOrder) {
      const value = this.values.get(id);
      if (value?.status !== 'ok') continue;
      const outputs: Record<string, Tensor | null> = {};
      for (const [port, t] of Object.entries(value.outputs)) outputs[port] = pass.gradOf(t);
      const params: Record<string, Tensor | null> = {};
      for (const [key, t] of this.params)
        if (key.startsWith(`${id}/`)) params[key.slice(id.length + 1)] = pass.gradOf(t);
      this.slot(id).grad.next({ outputs, params });
    }
  }

  dispose(): void {
    this.subscription.unsubscribe();
    for (const slot of this.slots.values()) {
      slot.value.complete();
      slot.grad.complete();
    }
  }

  private slot(id: NodeId): Slot {
    let slot = this.slots.get(id);
    if (!slot) {
      slot = {
        value: new BehaviorSubject<LiveValue | null>(null),
        grad: new BehaviorSubject<LiveGrad | null>(null),
        observers: 0,
      };
      this.slots.set(id, slot);
    }
    return slot;
  }

  /** Recompute observed nodes whose values were dropped, in topological order; emit each once. */
  private refresh(dropped: Set<NodeId>): void {
    const fresh: [Slot, LiveValue][] = [];
    for (const id of this.store.topologicalOrder) {
      const slot = this.slots.get(id);
      if (!slot) continue;
      slot.grad.value && dropped.has(id) && slot.grad.next(null);
      if (slot.observers > 0 && dropped.has(id)) fresh.push([slot, this.valueOf(id)]);
      else if (dropped.has(id)) slot.value.next(null);
    }
    for (const [slot, value] of fresh) slot.value.next(value);
  }

  private sizes(): Record<string, number> {
    return { N: 4, ...this.store.doc.meta.symbols, ...this.options.symbols };
  }

  private numeric(t: TensorType | null, sizes: Record<string, number>): number[] | null {
    return t ? t.dims.map((d) => evaluateDim(d, sizes)) : null;
  }

  private compute(id: NodeId): LiveValue {
    const node = this.store.documentIndex.nodes.get(id);
    const info = this.store.typeOf(id);
    if (!node || !info) return { status: 'unavailable', reason: `no node ${id}` };
    if (info.status !== 'ok' && info.status !== 'warning') {
      return { status: 'unavailable', reason: info.diagnostics[0]?.message ?? `node is ${info.status}` };
    }
    const ports = portsOf(node, this.store.catalog);
    if (!ports) return { status: 'unavailable', reason: `unknown node type '${node.type}'` };
    const inputs = ports.inputs.map((p) => {
      const edge = this.store.documentIndex.edgeInto(id, p.name);
      if (!edge) return null;
      const up = this.valueOf(edge.from.node);
      if (up.status !== 'ok') {
        // name the node where it started, not every node in between
        throw new LiveError(
          up.reason.startsWith('unknown because of')
            ? up.reason
            : `unknown because of ${edge.from.node}: ${up.reason}`,
        );
      }
      return up.outputs[edge.from.port] ?? null;
    });
    const sizes = this.sizes();
    const shapes = {
      inputs: ports.inputs.map((p) => this.numeric(info.inputs[p.name], sizes)),
      outputs: ports.outputs.map((p) => this.numeric(info.outputs[p.name], sizes) ?? []),
    };
    const outs = withSource(id, () => this.lowerNode(node, inputs, shapes, id));
    const outputs: Record<string, Tensor> = {};
    ports.outputs.forEach((p, i) => {
      outputs[p.name] = outs[i];
    });
    return { status: 'ok', outputs };
  }

  private builder(owner: string): OpBuilder<Tensor> {
    const seed = this.options.seed ?? 0;
    return {
      op: (name, inputs, attrs) => applyOp(getOp(name), inputs, attrs),
      param: (name, shape, init) => this.param(`${owner}/${name}`, shape, init, seed),
      constant: (data, shape, dtype = 'float32') => tensor(data, shape, dtype),
      source: (shape, dtype) => {
        const rng = new Rng(hashSeed(owner, seed));
        const size = shape.reduce((a, b) => a * b, 1);
        const high = this.options.intHigh ?? 2;
        const data = Array.from({ length: size }, () => (dtype === 'int32' ? rng.int(high) : rng.normal()));
        return tensor(data, shape, dtype);
      },
    };
  }

  private param(key: string, shape: number[], init: ParamInit, seed: number): Tensor {
    const have = this.params.get(key);
    // given values are the node's params: an edit to them shows at once, not only after a reshape
    const given = init.kind === 'values' ? init.data : null;
    if (have && have.shape.length === shape.length && have.shape.every((d, i) => d === shape[i]) && !given)
      return have;
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    if (init.kind === 'uniform_fan_in') {
      const bound = 1 / Math.sqrt(Math.max(1, init.fanIn));
      new Rng(hashSeed(key, seed)).fillUniform(data, -bound, bound);
    } else if (init.kind === 'uniform')
      new Rng(hashSeed(key, seed)).fillUniform(data, -init.bound, init.bound);
    else if (init.kind === 'normal') new Rng(hashSeed(key, seed)).fillNormal(data, 0, init.std);
    else if (init.kind === 'ones') data.fill(1);
    else if (given) data.set(given);
    const t = tensor(data, shape).named(key).requireGrad();
    this.params.set(key, t);
    return t;
  }

  /** Output shapes of an inner node of a composite: its rule run on the actual input shapes. */
  private concreteOutputs(node: GraphNode, inputs: (Tensor | null)[]): number[][] {
    if (node.type === COMPOSITE_TYPE) return [];
    const def = this.store.catalog.get(node.type);
    const types = inputs.map((t): TensorType | null => (t ? { dtype: t.dtype, dims: [...t.shape] } : null));
    const result = def?.infer(types, node.params as never, concreteContext) ?? [];
    const sizes = this.sizes();
    return result.map((r) => ('dims' in r ? r.dims.map((d) => evaluateDim(d, sizes)) : []));
  }

  /**
   * Lower one node; a composite lowers its inner nodes in order and keeps their outputs by
   * path. `path` names the node's parameters, as the compiled plan does (`<composite>/<inner>/
   * weight`): two composites with the same inner ids do not share weights.
   */
  private lowerNode(
    node: GraphNode,
    inputs: (Tensor | null)[],
    shapes: { inputs: (number[] | null)[]; outputs: number[][] },
    path: string,
  ): Tensor[] {
    if (node.type !== COMPOSITE_TYPE) {
      const def = this.store.catalog.get(node.type);
      if (!def) throw new LiveError(`unknown node type '${node.type}'`);
      return def.lower(this.builder(path), inputs, node.params as never, shapes);
    }
    const sub = node.subgraph;
    if (!sub) throw new LiveError(`composite ${node.id} has no subgraph`);
    const index = new DocumentIndex(sub);
    const values = new Map<NodeId, Tensor[]>();
    for (const id of topologicalOrder(index, feedbackTest(index, this.store.catalog)).order) {
      const inner = index.nodes.get(id) as GraphNode;
      const ports = portsOf(inner, this.store.catalog);
      if (!ports) throw new LiveError(`unknown node type '${inner.type}'`);
      const ins = ports.inputs.map((p) => {
        const exposed = sub.inputs.findIndex((x) => x.node === id && x.port === p.name);
        if (exposed >= 0) return inputs[exposed];
        const edge = index.edgeInto(id, p.name);
        if (!edge) return null;
        const fromPorts = portsOf(index.nodes.get(edge.from.node) as GraphNode, this.store.catalog);
        return (
          values.get(edge.from.node)?.[
            fromPorts?.outputs.findIndex((o) => o.name === edge.from.port) ?? -1
          ] ?? null
        );
      });
      const innerShapes = {
        inputs: ins.map((t) => (t ? [...t.shape] : null)),
        outputs: this.concreteOutputs(inner, ins),
      };
      const innerPath = `${path}/${id}`;
      const outs = withSource(innerPath, () => this.lowerNode(inner, ins, innerShapes, innerPath));
      values.set(id, outs);
      this.innerValues.set(innerPath, Object.fromEntries(ports.outputs.map((p, k) => [p.name, outs[k]])));
    }
    return sub.outputs.map((x) => {
      const ports = portsOf(index.nodes.get(x.node) as GraphNode, this.store.catalog);
      const t = values.get(x.node)?.[ports?.outputs.findIndex((o) => o.name === x.port) ?? -1];
      if (!t) throw new LiveError(`exposed output '${x.name}' has no value`);
      return t;
    });
  }
}

/** Concrete dims make every symbol question trivial: equal or not. */
const concreteContext = { unify: (a: Dim, b: Dim) => a === b, resolve: (d: Dim) => d, warn: () => {} };

/** A backward pass over the live values, for running at once or stepping through. */
export class LiveBackward {
  constructor(
    private readonly live: LiveValues,
    readonly pass: BackwardPass,
  ) {}

  /** Run one step, then emit the gradients so far. */
  next(): BackwardStep | null {
    const step = this.pass.next();
    this.live.publishGrads(this.pass);
    return step;
  }

  /** Run every remaining step, then emit. */
  run(): BackwardStep[] {
    const steps = this.pass.run();
    this.live.publishGrads(this.pass);
    return steps;
  }
}
