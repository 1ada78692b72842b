import { describe, expect, it } from 'vitest';
import { BackwardPass, backward, noGrad, run, scalar, tensor, withSource } from '../../src/engine/index.ts';

const values = (t: { toArray(): number[] } | null | undefined) => t!.toArray();

describe('the backward pass as a list of steps', () => {
  it('has one step per recorded op, newest first, each with its op, source and formula', () => {
    const x = tensor([1, 2, 3], [3]).requireGrad().named('x');
    const w = tensor([4, 5, 6], [3]).requireGrad().named('w');
    const y = withSource('node:mul', () => run('mul', [x, w]));
    const z = withSource('node:add', () => run('add', [y, x]));
    const pass = new BackwardPass(z, tensor([1, 1, 1], [3]));
    expect(pass.total).toBe(2);
    const first = pass.next()!;
    expect(first.op).toBe('add');
    expect(first.source).toBe('node:add');
    expect(first.formula).toMatch(/da/);
    expect(values(first.upstream[0])).toEqual([1, 1, 1]);
    const second = pass.next()!;
    expect(second.op).toBe('mul');
    expect(second.produced.map((p) => p.name)).toEqual(['a', 'b']);
    expect(pass.next()).toBeNull();
    expect(pass.done).toBe(true);
  });

  it('records the sum over paths: both contributions and their total', () => {
    // z = 3x + x·x at x = 2: the paths give 3 and 4, summed into 7 (the study notes' branching case)
    const x = scalar(2).requireGrad().named('x');
    const z = run('add', [run('mul', [scalar(3), x]), run('mul', [x, x])]);
    const steps = backward(z);
    const intoX = steps.flatMap((s) => s.accumulated).filter((a) => a.into === 'x');
    const last = intoX[intoX.length - 1];
    expect(last.contributions.map((c) => c.toArray()[0]).sort()).toEqual([3, 4]);
    expect(values(last.total)).toEqual([7]);
    expect(values(x.grad)).toEqual([7]);
  });

  it('gives identical results stepped one at a time or run at once', () => {
    const make = () => {
      const a = tensor([0.5, -1, 2, 3, 1, -2], [2, 3]).requireGrad();
      const b = tensor([1, 2, 3, -1, 0.25, 4], [3, 2]).requireGrad();
      const c = run('matmul', [a, b]);
      const d = run('mul', [c, c]);
      return { a, b, d };
    };
    const all = make();
    backward(all.d, tensor([1, 1, 1, 1], [2, 2]));
    const stepped = make();
    const pass = new BackwardPass(stepped.d, tensor([1, 1, 1, 1], [2, 2]));
    while (pass.next()) {
      /* one step at a time */
    }
    expect(values(stepped.a.grad)).toEqual(values(all.a.grad));
    expect(values(stepped.b.grad)).toEqual(values(all.b.grad));
  });

  it('accumulates leaf gradients across backward calls until zeroed, like PyTorch', () => {
    const x = scalar(3).requireGrad();
    const y = run('mul', [x, x]);
    backward(y);
    backward(y);
    expect(values(x.grad)).toEqual([12]);
    x.zeroGrad();
    backward(y);
    expect(values(x.grad)).toEqual([6]);
  });

  it('keeps non-leaf gradients only when retained', () => {
    const x = scalar(2).requireGrad();
    const h = run('mul', [x, scalar(5)]);
    const kept = run('mul', [x, scalar(7)]).retainGrad();
    const z = run('add', [run('mul', [h, h]), kept]);
    backward(z);
    expect(h.grad).toBeNull();
    expect(values(kept.grad)).toEqual([1]);
    expect(values(x.grad)).toEqual([2 * 10 * 5 + 7]);
  });

  it('records nothing under noGrad and refuses backward through it', () => {
    const x = scalar(2).requireGrad();
    const y = noGrad(() => run('mul', [x, x]));
    expect(y.requiresGrad).toBe(false);
    expect(() => backward(y)).toThrow(/does not require grad/);
  });

  it('needs an explicit gradient for a non-scalar root, of the root’s shape', () => {
    const x = tensor([1, 2], [2]).requireGrad();
    const y = run('mul', [x, x]);
    expect(() => backward(y)).toThrow(/only for scalar outputs/);
    expect(() => backward(y, tensor([1, 2, 3], [3]))).toThrow(/Mismatch in shape/);
  });

  it('reduces gradients of broadcast operands back to their shapes', () => {
    const a = tensor([1, 2, 3, 4, 5, 6], [2, 3]).requireGrad();
    const b = tensor([10, 20, 30], [3]).requireGrad();
    backward(run('add', [a, b]), tensor([1, 1, 1, 1, 1, 1], [2, 3]));
    expect(values(b.grad)).toEqual([2, 2, 2]);
    expect(a.grad!.shape).toEqual([2, 3]);
  });
});

describe('op errors', () => {
  it('names the op and the PyTorch message for a broadcast mismatch', () => {
    expect(() => run('add', [tensor([1, 2, 3, 4, 5, 6], [2, 3]), tensor([1, 2, 3, 4], [4])])).toThrow(
      'The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1',
    );
  });

  it('propagates NaN and Inf instead of throwing', () => {
    const y = run('div', [tensor([1, 0, -1], [3]), tensor([0, 0, 0], [3])]);
    expect(values(y)).toEqual([Infinity, Number.NaN, -Infinity]);
  });

  it('rejects an int tensor where floats are needed with a dtype error', () => {
    expect(() => run('mul', [tensor([1], [1], 'int32'), tensor([1], [1])])).toThrow(/mul: expected float32/);
  });
});
