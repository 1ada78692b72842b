/**
 * Gradient check: central finite differences against autograd, per node type or for a whole
 * graph, with a relative error per parameter / input tensor and pass or fail.
 *
 * Everything runs in float64 on the CPU backend, as torch.autograd.gradcheck does: inputs and
 * parameters are float64 leaves, every op computes in float64, and the objective Σ r⊙y (r fixed
 * random weights; the loss for a graph) is differentiated by central differences
 *   fd_i = (f(x + h·e_i) − f(x − h·e_i)) / 2h,   h = 1e-6.
 * Truncation is O(h²) ≈ 1e-12; what is left is float64 rounding in the forward pass, about
 * ε·S/h per coordinate (ε = 2⁻⁵³, S = ‖r⊙y‖). A tensor passes when
 *   ‖fd − autograd‖ / max(‖fd‖, ‖autograd‖, noise / tolerance) < tolerance = 1e-6,
 * noise = 2ε·S·√(points)/h: a relative error of 1e-6, or an absolute one within float64's
 * resolution for gradients that are exactly zero (a conv bias before BatchNorm). Points with a
 * kink within the stencil (ReLU at 0, a max changing hands) are tried on narrower stencils and
 * left out if they still see one. Large tensors are checked on a sample of coordinates.
 */
import {
  applyOp,
  astype,
  BackwardPass,
  getOp,
  isFloat,
  noGrad,
  Rng,
  type Root,
  type Tensor,
  tensor,
} from '../engine/index.ts';
import type { Catalog } from '../nodes/catalog.ts';
import type { AnyNodeDef, OpBuilder } from '../nodes/define.ts';
import type { Dim, DType, TensorType } from '../nodes/types.ts';
import type { GraphDocument, NodeId } from './document.ts';
import { evaluateDim } from './live.ts';
import { type ForwardOptions, findLoss, initialParam, runForward } from './stepper.ts';

/** The relative error a tensor's gradient must stay under (the issue's float64 bar, PyTorch's 1e-6). */
export const GRADCHECK_TOLERANCE = 1e-6;
/** The central-difference step h. */
export const GRADCHECK_STEP = 1e-6;
/** Every check computes in this dtype. */
export const GRADCHECK_DTYPE = 'float64' as const;
const FLOAT64_EPS = 2 ** -53;
/** rounding in one forward pass, in units of ε·S: generous for deep blocks, still far below a kink */
const ROUNDOFF = 256;

export interface GradcheckOptions {
  /** finite-difference step h */
  step?: number;
  tolerance?: number;
  /** coordinates checked per tensor at most (a seeded sample beyond that) */
  maxCoordinates?: number;
  seed?: number;
}

export interface TensorCheck {
  /** input port or parameter name */
  name: string;
  kind: 'input' | 'param';
  shape: number[];
  /** ‖fd − autograd‖ / max(‖fd‖, ‖autograd‖, noise / tolerance) over the checked coordinates */
  relError: number;
  maxAbsError: number;
  /** coordinates compared */
  checked: number;
  /** coordinates left out: a kink (ReLU at 0, a max changing hands) lies within the stencil */
  skipped: number;
  /** at least one coordinate compared, and the relative error under the tolerance */
  pass: boolean;
}

export interface GradcheckReport {
  subject: string;
  tensors: TensorCheck[];
  tolerance: number;
  /** the dtype every difference was taken in (GRADCHECK_DTYPE) */
  dtype: typeof GRADCHECK_DTYPE;
  pass: boolean;
}

export class GradcheckError extends Error {
  constructor(
    readonly subject: string,
    message: string,
  ) {
    super(`gradient check of ${subject}: ${message}`);
    this.name = 'GradcheckError';
  }
}

interface Checked {
  name: string;
  kind: 'input' | 'param';
  tensor: Tensor;
}

/**
 * Compare autograd with finite differences for every tensor in `checked` (float64 leaves).
 * `objective(values)` re-runs the computation with the given replacements (no tape) and
 * returns a scalar; `grads` are autograd's gradients of the same objective.
 */
function compare(
  subject: string,
  checked: Checked[],
  grads: (Tensor | null)[],
  objective: (replace: Map<Tensor, Tensor>) => number,
  /** S = ‖r⊙y‖ of the unperturbed objective: what float64 rounding is relative to */
  scale: number,
  options: GradcheckOptions,
): GradcheckReport {
  const h = options.step ?? GRADCHECK_STEP;
  const tolerance = options.tolerance ?? GRADCHECK_TOLERANCE;
  const rng = new Rng(options.seed ?? 7);
  const f0 = objective(new Map());
  const roundoff = ROUNDOFF * FLOAT64_EPS * Math.max(scale, Math.abs(f0));
  const tensors = checked.map((c, k): TensorCheck => {
    const base = c.tensor.dataSync();
    const auto = grads[k]?.dataSync() ?? new Float64Array(base.length);
    const coords = sampleCoordinates(base.length, options.maxCoordinates ?? 24, rng);
    let diff = 0;
    let fdNorm = 0;
    let autoNorm = 0;
    let maxAbs = 0;
    let checked = 0;
    let skipped = 0;
    let noiseSq = 0;
    for (const i of coords) {
      const at = (delta: number) => {
        const data = Float64Array.from(base);
        data[i] = base[i] + delta;
        return objective(new Map([[c.tensor, tensor(data, c.tensor.shape, GRADCHECK_DTYPE)]]));
      };
      // a kink (ReLU at 0, a max changing hands) inside the stencil: try a narrower one
      const estimate = [h, h / 16, h / 256]
        .map((step) => ({ step, ...stencil(at, f0, step) }))
        .find((e) => e.bend <= roundoff + 1e-8 * e.step * (Math.abs(e.fd) + Math.abs(auto[i])));
      if (!estimate) {
        skipped++;
        continue;
      }
      checked++;
      noiseSq += ((4 * FLOAT64_EPS * scale) / estimate.step) ** 2;
      const err = Math.abs(estimate.fd - auto[i]);
      diff += err * err;
      fdNorm += estimate.fd * estimate.fd;
      autoNorm += auto[i] * auto[i];
      maxAbs = Math.max(maxAbs, err);
    }
    const noise = Math.sqrt(noiseSq);
    const relError =
      Math.sqrt(diff) / Math.max(Math.sqrt(fdNorm), Math.sqrt(autoNorm), noise / tolerance, 1e-300);
    return {
      name: c.name,
      kind: c.kind,
      shape: [...c.tensor.shape],
      relError,
      maxAbsError: maxAbs,
      checked,
      skipped,
      pass: checked > 0 && relError < tolerance,
    };
  });
  return { subject, tensors, tolerance, dtype: GRADCHECK_DTYPE, pass: tensors.every((t) => t.pass) };
}

/**
 * The five-point central difference at one coordinate, and how far the second differences over
 * h and 2h disagree: for a smooth function they agree to O(h⁴) (float64 rounding is all that
 * is left), across a kink they differ by about h times the jump in slope.
 */
function stencil(at: (delta: number) => number, f0: number, h: number): { fd: number; bend: number } {
  const [m2, m1, p1, p2] = [at(-2 * h), at(-h), at(h), at(2 * h)];
  const fd = (8 * (p1 - m1) - (p2 - m2)) / (12 * h);
  const bend = Math.abs(p1 - 2 * f0 + m1 - (p2 - 2 * f0 + m2) / 4);
  return { fd, bend };
}

function sampleCoordinates(size: number, most: number, rng: Rng): number[] {
  if (size <= most) return Array.from({ length: size }, (_, i) => i);
  const picked = new Set<number>();
  while (picked.size < most) picked.add(rng.int(size));
  return [...picked].sort((a, b) => a - b);
}

/** Σ r⊙y over float outputs, in float64. */
function weightedSum(outputs: Tensor[], weights: Float64Array[]): number {
  let s = 0;
  outputs.forEach((y, k) => {
    const data = y.dataSync();
    const r = weights[k];
    for (let i = 0; i < data.length; i++) s += r[i] * data[i];
  });
  return s;
}

/** ‖r⊙y‖ in float64. */
function objectiveScale(outputs: Tensor[], weights: Float64Array[]): number {
  let sq = 0;
  outputs.forEach((y, k) => {
    const data = y.dataSync();
    for (let i = 0; i < data.length; i++) sq += (weights[k][i] * data[i]) ** 2;
  });
  return Math.sqrt(sq);
}

/** Whether every op that reads `t` declares that input gradient-free (a loss target, indices). */
function declaredNoGrad(t: Tensor, outputs: Tensor[]): boolean {
  let readers = 0;
  let gradFree = 0;
  const seen = new Set<number>();
  const stack = [...outputs];
  while (stack.length) {
    const node = stack.pop()!.creator?.node;
    if (!node || seen.has(node.id)) continue;
    seen.add(node.id);
    const op = getOp(node.op);
    node.inputs.forEach((x, i) => {
      if (x !== t) return;
      readers++;
      if (op.inputs[op.variadic ? 0 : i]?.noGrad) gradFree++;
    });
    for (const x of node.inputs) if (x) stack.push(x);
  }
  return readers > 0 && readers === gradFree;
}

// ---------------------------------------------------------------- one node type

/** A tensor's dtype as a graph document knows it (float64 is the check's own precision). */
function graphDType(t: Tensor): DType {
  return isFloat(t.dtype) ? 'float32' : t.dtype;
}

/**
 * Lower a node type on given inputs, with its parameters held in `params` (made on first use,
 * float64 like everything else the check builds: parameters and float constants).
 */
function lowerNode(
  def: AnyNodeDef,
  params: Record<string, unknown>,
  inputs: (Tensor | null)[],
  held: Map<string, Tensor>,
  seed: number,
): Tensor[] {
  const builder: OpBuilder<Tensor> = {
    op: (name, ins, attrs) => applyOp(getOp(name), ins, attrs),
    param: (name, shape, init) => {
      let t = held.get(name);
      if (!t) {
        t = tensor(initialParam(`${def.type}/${name}`, shape, init, seed), shape, GRADCHECK_DTYPE)
          .named(name)
          .requireGrad();
        held.set(name, t);
      }
      return t;
    },
    constant: (data, shape, dtype = 'float32') =>
      tensor(data, shape, dtype === 'int32' ? dtype : GRADCHECK_DTYPE),
    source: () => {
      throw new GradcheckError(def.type, 'a source node has nothing to check');
    },
  };
  const shapes = {
    inputs: inputs.map((t) => (t ? [...t.shape] : null)),
    outputs: concreteOutputs(def, params, inputs),
  };
  return def.lower(builder, inputs, params as never, shapes);
}

/**
 * Output shapes from the shape rule on the actual inputs; a rule that matches symbols (Reshape
 * to ['N', -1]) gets the batch dim as the symbol N, as in a graph.
 */
function concreteOutputs(
  def: AnyNodeDef,
  params: Record<string, unknown>,
  inputs: (Tensor | null)[],
): number[][] {
  let message = '';
  for (const batchSymbol of [false, true]) {
    const symbols = new SymbolSizes(1);
    const types = inputs.map((t): TensorType | null => {
      if (!t) return null;
      // the node's shape rule knows a document's dtypes: float64 is float32 to it
      const dtype = graphDType(t);
      if (!batchSymbol || t.rank === 0) return { dtype, dims: [...t.shape] };
      symbols.bind('N', t.shape[0]);
      return { dtype, dims: ['N', ...t.shape.slice(1)] };
    });
    const result = def.infer(types, params as never, symbols.context());
    const issue = result.find((r) => !('dims' in r));
    if (!issue) return result.map((r) => ('dims' in r ? r.dims.map((d) => symbols.size(d)) : []));
    message ||= 'message' in issue ? issue.message : 'shape rule failed';
  }
  throw new GradcheckError(def.type, message);
}

/**
 * Check one node type on given inputs: every float input that gets a gradient, and every
 * parameter. Inputs the engine declares gradient-free (loss targets, indices) are skipped.
 */
export function gradcheckNode(
  def: AnyNodeDef,
  params: Record<string, unknown>,
  inputs: (Tensor | null)[],
  options: GradcheckOptions = {},
): GradcheckReport {
  const seed = options.seed ?? 0;
  const held = new Map<string, Tensor>();
  const leaves = inputs.map((t, i) =>
    t && isFloat(t.dtype) ? astype(t, GRADCHECK_DTYPE).named(`input${i}`).requireGrad() : t,
  );
  const floats = lowerNode(def, params, leaves, held, seed).filter((y) => isFloat(y.dtype));
  const rounded = floats.find((y) => y.dtype !== GRADCHECK_DTYPE);
  if (rounded) {
    // an op that made float32 out of float64 inputs would hide errors below float32's resolution
    throw new GradcheckError(def.type, `an output came out ${rounded.dtype} from float64 inputs`);
  }
  const outputs = floats.filter((y) => y.requiresGrad);
  if (outputs.length === 0)
    throw new GradcheckError(def.type, 'no output depends on anything with a gradient');
  const rng = new Rng(seed + 1);
  const weights = outputs.map((y) => Float64Array.from(rng.fillNormal(new Float32Array(y.size), 0, 1)));
  const roots: Root[] = outputs.map((y, k) => ({
    tensor: y,
    grad: tensor(weights[k], y.shape, GRADCHECK_DTYPE),
  }));
  const pass = new BackwardPass(roots);
  pass.run();

  const checked: Checked[] = [];
  def.inputs.forEach((port, i) => {
    const t = leaves[i];
    if (t?.dtype !== GRADCHECK_DTYPE || declaredNoGrad(t, outputs)) return;
    checked.push({ name: port.name, kind: 'input', tensor: t });
  });
  for (const [name, t] of held) checked.push({ name, kind: 'param', tensor: t });
  const grads = checked.map((c) => pass.gradOf(c.tensor));

  const objective = (replace: Map<Tensor, Tensor>) =>
    noGrad(() => {
      const swapped = new Map([...held].map(([name, t]) => [name, replace.get(t) ?? t]));
      const ins = leaves.map((t) => (t ? (replace.get(t) ?? t) : null));
      const ys = lowerNode(def, params, ins, swapped, seed).filter((y) => isFloat(y.dtype));
      return weightedSum(ys.slice(0, outputs.length), weights);
    });
  return compare(def.type, checked, grads, objective, objectiveScale(outputs, weights), options);
}

// ---------------------------------------------------------------- tiny inputs for a node type

const NAME = /^[A-Za-z_][A-Za-z0-9_']*$/;

/** Symbols bound by unification; unbound ones take one small size. */
class SymbolSizes {
  private readonly bound = new Map<string, Dim>();
  constructor(private readonly fallback: number) {}

  bind(name: string, size: number): void {
    this.bound.set(name, size);
  }

  find(d: Dim): Dim {
    let x = d;
    while (typeof x === 'string' && this.bound.has(x)) x = this.bound.get(x)!;
    return x;
  }

  size(d: Dim): number {
    const x = this.find(d);
    if (typeof x === 'number') return x;
    const names = x.match(/[A-Za-z_][A-Za-z0-9_']*/g) ?? [];
    const sizes: Record<string, number> = {};
    for (const n of names) {
      const v = this.find(n);
      sizes[n] = typeof v === 'number' ? v : this.fallback;
    }
    return evaluateDim(x, sizes);
  }

  context() {
    return {
      unify: (a: Dim, b: Dim) => {
        const x = this.find(a);
        const y = this.find(b);
        if (x === y) return true;
        const free =
          typeof x === 'string' && NAME.test(x) ? x : typeof y === 'string' && NAME.test(y) ? y : null;
        if (free !== null) {
          this.bound.set(free, free === x ? y : x);
          return true;
        }
        return this.size(x) === this.size(y);
      },
      resolve: (d: Dim) => this.find(d),
      warn: () => {},
    };
  }
}

function* rankChoices(count: number): Generator<number[]> {
  const ranks = [2, 1, 3, 4, 0];
  if (count === 0) {
    yield [];
    return;
  }
  for (const r of ranks) for (const rest of rankChoices(count - 1)) yield [r, ...rest];
}

type Found = { shapes: (number[] | null)[]; dtypes: DType[] };

/** Whether the shape rule accepts these input types (a rule that throws does not). */
function accepts(
  def: AnyNodeDef,
  params: Record<string, unknown>,
  types: (TensorType | null)[],
  symbols: SymbolSizes,
): boolean {
  try {
    return def.infer(types, params as never, symbols.context()).every((r) => 'dims' in r);
  } catch {
    return false;
  }
}

/**
 * Small input shapes a node type accepts with its params: each required tensor input gets
 * fresh symbols of some rank, the shape rule binds what the params fix (Linear's in_features),
 * and the rest take a small size; failing that, every dim the small size. Null when no rank
 * up to 4 fits.
 */
export function tinyShapes(def: AnyNodeDef, params: Record<string, unknown>): Found | null {
  const ports = def.inputs;
  const required = ports.filter((p) => p.kind === 'tensor' && !p.optional);
  if (required.length !== ports.filter((p) => !p.optional).length) return null;
  const dtypes = ports.map((p) => p.dtype ?? 'float32');
  const typesOf = (ranks: number[], dim: (k: number, d: number) => Dim) =>
    ports.map((p): TensorType | null => {
      const k = required.indexOf(p);
      return k < 0
        ? null
        : { dtype: p.dtype ?? 'float32', dims: Array.from({ length: ranks[k] }, (_, d) => dim(k, d)) };
    });
  for (const size of [3, 4, 16]) {
    for (const ranks of rankChoices(required.length)) {
      const symbols = new SymbolSizes(size);
      const symbolic = typesOf(ranks, (k, d) => `s${k}_${d}`);
      const candidates = [];
      if (accepts(def, params, symbolic, symbols))
        candidates.push(symbolic.map((t) => (t ? t.dims.map((d) => symbols.size(d)) : null)));
      // rules that match symbols by name (Reshape to ['N', -1]) see the batch dim as N
      const batched = new SymbolSizes(size);
      const named = typesOf(ranks, (k, d) => (d === 0 ? 'N' : `s${k}_${d}`));
      if (accepts(def, params, named, batched))
        candidates.push(named.map((t) => (t ? t.dims.map((d) => batched.size(d)) : null)));
      candidates.push(typesOf(ranks, () => size).map((t) => (t ? (t.dims as number[]) : null)));
      for (const shapes of candidates) {
        const concrete = shapes.map((dims, i): TensorType | null =>
          dims ? { dtype: dtypes[i], dims } : null,
        );
        const withBatch = concrete.map((t) =>
          t && t.dims.length > 0 ? { ...t, dims: ['N', ...t.dims.slice(1)] } : t,
        );
        const batchSizes = new SymbolSizes(size);
        if (
          accepts(def, params, concrete, new SymbolSizes(size)) ||
          accepts(def, params, withBatch, batchSizes)
        )
          return { shapes, dtypes };
      }
    }
  }
  return null;
}

/**
 * Values for tiny inputs: floats of magnitude 0.1–1 with either sign (away from ReLU's kink),
 * or in (0.1, 0.9) where a node needs probabilities; ints in {0, 1} (valid classes, indices).
 */
export function tinyInputs(
  def: AnyNodeDef,
  params: Record<string, unknown>,
  values: 'signed' | 'unit' = 'signed',
  seed = 3,
): (Tensor | null)[] | null {
  const found = tinyShapes(def, params);
  if (!found) return null;
  const rng = new Rng(seed);
  return found.shapes.map((shape, i) => {
    if (!shape) return null;
    const n = shape.reduce((a, b) => a * b, 1);
    if (found.dtypes[i] === 'int32')
      return tensor(
        Array.from({ length: n }, () => rng.int(2)),
        shape,
        'int32',
      );
    const data = Array.from({ length: n }, () =>
      values === 'unit' ? rng.uniform(0.1, 0.9) : (rng.next() < 0.5 ? -1 : 1) * rng.uniform(0.1, 1),
    );
    return tensor(data, shape);
  });
}

/** Whether a node type has something to check: a float tensor input or a parameter. */
export function hasGradients(def: AnyNodeDef): boolean {
  return def.inputs.some((p) => p.kind === 'tensor' && p.dtype !== 'int32');
}

// ---------------------------------------------------------------- a whole graph

/**
 * Check a document's loss against every parameter (and float sample input), in float64: the
 * document's parameters and sample batch are taken from one ordinary forward pass, cast to
 * float64, and finite differences re-run the whole forward pass with one coordinate moved.
 */
export function gradcheckGraph(
  doc: GraphDocument,
  catalog: Catalog,
  options: ForwardOptions & GradcheckOptions & { loss?: NodeId } = {},
): GradcheckReport {
  const first = runForward(doc, catalog, options);
  const lossId = options.loss ?? findLoss(doc, catalog, first);
  if (!lossId || !Object.values(first.values.get(lossId) ?? {})[0]) {
    const [id, why] = [...first.errors][0] ?? [];
    throw new GradcheckError(
      doc.meta.title,
      why ? `the forward pass stopped at ${id}: ${why}` : 'no scalar loss',
    );
  }
  const sources = doc.nodes.filter((n) => catalog.get(n.type)?.inputs.length === 0).map((n) => n.id);
  /** a source node's outputs, keyed as the stepper's feeds are: the k-th source of node id is `id#k` */
  const sourceValues = (values: Map<NodeId, Record<string, Tensor>>) =>
    sources.flatMap((id) => Object.values(values.get(id) ?? {}).map((t, k) => [`${id}#${k}`, t] as const));
  // the same sample batch and parameters for every run, in float64
  const feeds = Object.fromEntries(
    sourceValues(first.values).map(([key, t]) => [key, isFloat(t.dtype) ? astype(t, GRADCHECK_DTYPE) : t]),
  );
  const params = new Map(
    [...first.params].map(([key, t]) => [key, astype(t, GRADCHECK_DTYPE).named(key).requireGrad()]),
  );
  const run64 = runForward(doc, catalog, { ...options, feeds, params });
  const loss = Object.values(run64.values.get(lossId) ?? {})[0];
  if (!loss) throw new GradcheckError(doc.meta.title, `${lossId} has no value in float64`);
  if (loss.dtype !== GRADCHECK_DTYPE) {
    throw new GradcheckError(doc.meta.title, `the loss came out ${loss.dtype} from float64 parameters`);
  }
  const pass = new BackwardPass(loss);
  pass.run();
  const checked: Checked[] = [...params].map(([key, t]) => ({
    name: key,
    kind: 'param' as const,
    tensor: t,
  }));
  const leaves = sourceValues(run64.values);
  for (const [key, t] of leaves) {
    const id = key.replace(/#\d+$/, '');
    const name = leaves.filter(([k]) => k.startsWith(`${id}#`)).length > 1 ? key : id;
    if (t.dtype === GRADCHECK_DTYPE && pass.gradOf(t)) checked.push({ name, kind: 'input', tensor: t });
  }
  const objective = (replace: Map<Tensor, Tensor>) =>
    noGrad(() => {
      const moved = new Map([...params].map(([key, t]) => [key, replace.get(t) ?? t]));
      const fed = Object.fromEntries(leaves.map(([key, t]) => [key, replace.get(t) ?? t]));
      const run = runForward(doc, catalog, { ...options, feeds: fed, params: moved, inputGrads: false });
      const out = Object.values(run.values.get(lossId) ?? {})[0];
      if (!out) throw new GradcheckError(doc.meta.title, `${lossId} has no value after a perturbation`);
      return out.dataSync()[0];
    });
  return compare(
    doc.meta.title,
    checked,
    checked.map((c) => pass.gradOf(c.tensor)),
    objective,
    Math.abs(loss.dataSync()[0]),
    options,
  );
}
