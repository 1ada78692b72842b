import { state, defaultBackend } from './context.ts';
import { OpError } from './errors.ts';
import type { OpDef } from './op.ts';
import { opRegistry, type AttrsOf, type OpName } from './ops/index.ts';
import { checkBackendDType, type Tensor, type TensorMeta } from './tensor.ts';

export function getOp(name: string): OpDef<any> {
  const op = (opRegistry as Record<string, OpDef<any>>)[name];
  if (!op) throw new OpError('arity', name, `unknown op '${name}'`);
  return op;
}

export function withDefaults<A>(op: OpDef<A>, attrs: Partial<A> | undefined): A {
  return { ...(op.defaults ?? {}), ...(attrs ?? {}) } as A;
}

/** Check arity and run the op's shape rule; throws the op's own typed error. */
export function inferOp(op: OpDef<any>, metas: (TensorMeta | null)[], attrs: unknown): TensorMeta[] {
  const required = op.inputs.filter((i) => !i.optional).length;
  if (metas.length < required || (!op.variadic && metas.length > op.inputs.length)) {
    throw new OpError(
      'arity',
      op.name,
      `${op.name} takes ${op.variadic ? 'at least ' : ''}${required === op.inputs.length ? required : `${required}..${op.inputs.length}`} inputs (${op.inputs.map((i) => i.name).join(', ')}), got ${metas.length}`,
    );
  }
  op.inputs.forEach((spec, i) => {
    if (!spec.optional && !op.variadic && metas[i] == null) {
      throw new OpError('arity', op.name, `${op.name}: input '${spec.name}' is required`);
    }
  });
  const result = op.shape(metas, attrs);
  if (result instanceof Error) throw result;
  return result;
}

/**
 * Apply an op: shape rule, forward on the inputs' backend, and — when grad is on and an input
 * needs one — a tape entry linking the outputs to their creator.
 */
export function applyOp(op: OpDef<any>, inputs: (Tensor | null)[], rawAttrs?: unknown): Tensor[] {
  const attrs = withDefaults(op, rawAttrs as object);
  const outs = inferOp(op, inputs, attrs);
  const present = inputs.filter((t): t is Tensor => t !== null);
  const backend = present[0]?.backend ?? defaultBackend();
  for (const t of present) {
    if (t.backend !== backend) {
      throw new OpError(
        'backend',
        op.name,
        `${op.name}: inputs live on different backends (${backend.name} and ${t.backend.name})`,
      );
    }
  }
  checkBackendDType(op.name, backend, [...inputs, ...outs]);
  if (op.composite) {
    const outputs = op.composite(inputs, attrs);
    outputs.forEach((t, i) => {
      const want = outs[i];
      if (!want || t.shape.length !== want.shape.length || t.shape.some((d, j) => d !== want.shape[j])) {
        throw new OpError(
          'shape',
          op.name,
          `${op.name}: composite output ${i} has shape [${t.shape}], rule says [${want?.shape}]`,
        );
      }
    });
    return outputs;
  }
  if (!backend.supports(op)) {
    throw new OpError('backend', op.name, `${op.name} has no ${backend.name} kernel yet`);
  }
  const outputs = backend.run(op, inputs, attrs, outs);
  const needsGrad = inputs.map((t, i) => !!t?.requiresGrad && !op.inputs[op.variadic ? 0 : i]?.noGrad);
  if (state.gradEnabled && needsGrad.some(Boolean)) {
    const node = { id: state.nextNodeId++, op: op.name, attrs, inputs, outputs, source: state.source };
    outputs.forEach((t, output) => {
      t.requiresGrad = true;
      t.creator = { node, output };
    });
  }
  return outputs;
}

/** Run a registry op by name and return its first output. */
export function run<K extends OpName>(
  name: K,
  inputs: (Tensor | null)[],
  attrs?: Partial<AttrsOf<K>>,
): Tensor {
  return applyOp(getOp(name), inputs, attrs)[0];
}

/** Run a registry op by name and return all its outputs. */
export function runAll<K extends OpName>(
  name: K,
  inputs: (Tensor | null)[],
  attrs?: Partial<AttrsOf<K>>,
): Tensor[] {
  return applyOp(getOp(name), inputs, attrs);
}
