/**
 * What every catalog declaration shares: issues in one call, the params re-checked against
 * their specs before a shape rule runs (so a bad value loaded from anywhere is a diagnostic
 * naming the param and its range, never a crash), and the engine op's own shape rule run on
 * numeric shapes, so a node and the op it lowers to give the same PyTorch message.
 */
import { getOp, inferOp } from '../../engine/dispatch.ts';
import { isOpError } from '../../engine/errors.ts';
import type { TensorMeta } from '../../engine/tensor.ts';
import { defineNode, type InferContext, type NodeDef } from '../define.ts';
import { describeValue, type ParamSchema, type ParamsOf } from '../params.ts';
import { isNumeric } from '../shapes.ts';
import type { Dim, ShapeIssue, TensorType } from '../types.ts';

/** One error issue. */
export function fail(code: string, message: string, extra: Partial<ShapeIssue> = {}): ShapeIssue[] {
  return [{ severity: 'error', code, message, ...extra }];
}

/** A param outside its valid range: names the node, the param, the range and the value. */
export function rangeIssue(
  node: string,
  param: string,
  range: string,
  got: unknown,
  explanation?: string,
): ShapeIssue[] {
  return fail(
    'param_range',
    `${node}: ${param} must be ${range}, got ${describeValue(got)}`,
    explanation ? { explanation } : {},
  );
}

/** Every param against its own spec: "Conv1d: stride: expected a positive integer, got 0". */
export function checkParams(
  node: string,
  schema: ParamSchema,
  params: Record<string, unknown>,
): ShapeIssue[] {
  const issues: ShapeIssue[] = [];
  for (const [name, spec] of Object.entries(schema)) {
    const problem = spec.check(params[name]);
    if (problem)
      issues.push({ severity: 'error', code: 'invalid_param', message: `${node}: ${name}: ${problem}` });
  }
  return issues;
}

/**
 * defineNode, with the params checked against their specs before the shape rule runs: a rule
 * can then trust every value's type and range and only check what relates params to shapes.
 */
export function declareNode<S extends ParamSchema>(def: NodeDef<S>): NodeDef<S> {
  const rule = def.infer;
  return defineNode({
    ...def,
    infer(inputs, params, ctx) {
      const issues = checkParams(def.type, def.params, params as Record<string, unknown>);
      return issues.length > 0 ? issues : rule.call(this, inputs, params, ctx);
    },
  });
}

/**
 * The engine op's shape rule on numeric shapes: its output metas, or its error as an issue
 * (PyTorch's message). Symbolic shapes give null: the node's own rule decides.
 */
export function engineShapes(
  op: string,
  inputs: (TensorType | null)[],
  attrs: Record<string, unknown>,
  port?: string,
): TensorMeta[] | ShapeIssue[] | null {
  if (inputs.some((t) => t && !isNumeric(t.dims))) return null;
  const metas = inputs.map((t) => (t ? { shape: t.dims as number[], dtype: t.dtype } : null));
  try {
    const op_ = getOp(op);
    return inferOp(op_, metas, { ...(op_.defaults ?? {}), ...attrs });
  } catch (e) {
    if (!isOpError(e)) throw e;
    return fail(e.code, e.message, port ? { port } : {});
  }
}

/** True when `engineShapes` gave issues. */
export const isIssues = <T>(x: T[] | ShapeIssue[] | null): x is ShapeIssue[] =>
  Array.isArray(x) && x.length > 0 && typeof x[0] === 'object' && x[0] !== null && 'severity' in x[0];

/** A context that unifies nothing: for working out shapes once more (FLOPs) without binding symbols. */
export const quietContext: InferContext = {
  unify: (a, b) => a === b || typeof a === 'string' || typeof b === 'string',
  resolve: (d) => d,
  warn: () => {},
};

/** The output types a declaration infers for `inputs`, or null when it reports errors. */
export function outputsOf<S extends ParamSchema>(
  def: NodeDef<S>,
  inputs: (TensorType | null)[],
  params: ParamsOf<S>,
): TensorType[] | null {
  const result = def.infer(inputs, params, quietContext);
  return result.every((r) => 'dims' in r) ? (result as TensorType[]) : null;
}

/** Same type, another shape. */
export const typed = (x: TensorType, dims: Dim[]): TensorType => ({ dtype: x.dtype, dims });
