import { type AnyNodeDef, defineNode, tensorPort } from '../define.ts';
import {
  broadcastBindingWarning,
  broadcastDims,
  broadcastFixes,
  broadcastTrap,
  trapFixes,
} from '../shapes.ts';
import type { DType } from '../types.ts';

/** int with int stays int; anything with a float is float (PyTorch's type promotion). */
const promote = (a: DType, b: DType): DType => (a === 'int32' && b === 'int32' ? 'int32' : 'float32');

/** A two-operand elementwise node with NumPy/PyTorch broadcasting and the trap warning. */
function binaryNode(type: string, op: string, formula: string, aliases: string[], doc: string): AnyNodeDef {
  return defineNode({
    type,
    group: 'math',
    aliases,
    doc: `${doc} Broadcasts like PyTorch: dims compared from the right, a size 1 stretches.`,
    formula,
    params: {},
    inputs: [tensorPort('a'), tensorPort('b')],
    outputs: [tensorPort('output')],
    infer([a, b], _params, ctx) {
      if (!a || !b)
        return [
          {
            severity: 'error',
            code: 'missing_input',
            port: a ? 'b' : 'a',
            message: `${type} needs two inputs`,
          },
        ];
      const dims = broadcastDims(a.dims, b.dims, ctx);
      if (!Array.isArray(dims)) return [{ ...dims, port: 'b', fixes: broadcastFixes(a.dims, b.dims) }];
      const binding = broadcastBindingWarning(a.dims, b.dims, dims);
      if (binding) ctx.warn({ ...binding, port: 'b' });
      const trap = broadcastTrap(a.dims, b.dims, dims);
      if (trap)
        ctx.warn({ ...trap, port: a.dims.length === 1 ? 'a' : 'b', fixes: trapFixes(a.dims, b.dims) });
      return [{ dtype: type === 'Div' ? 'float32' : promote(a.dtype, b.dtype), dims }];
    },
    lower: (builder, [a, b]) => builder.op(op, [a, b]),
    paramCount: () => 0,
    flops: ([a, b]) => {
      const dims = a && b ? broadcastDims(a.dims, b.dims, { unify: () => true }) : [];
      return Array.isArray(dims) ? dims.reduce<number>((n, d) => n * (typeof d === 'number' ? d : 0), 1) : 0;
    },
  });
}

export const Add = binaryNode(
  'Add',
  'add',
  'y = a + b',
  ['plus', 'sum', 'residual', '+'],
  'Adds two tensors.',
);
export const Sub = binaryNode('Sub', 'sub', 'y = a − b', ['minus', 'subtract', '-'], 'Subtracts b from a.');
export const Mul = binaryNode(
  'Mul',
  'mul',
  'y = a · b',
  ['times', 'multiply', 'hadamard', '*'],
  'Multiplies elementwise.',
);
export const Div = binaryNode('Div', 'div', 'y = a / b', ['divide', '/'], 'Divides a by b elementwise.');
export const Maximum = binaryNode(
  'Maximum',
  'maximum',
  'y = max(a, b)',
  ['max', 'maximum'],
  'The larger of a and b, elementwise.',
);
