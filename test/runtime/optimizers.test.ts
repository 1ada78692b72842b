import { describe, expect, it } from 'vitest';
import { AttrError, cpuBackend, OpError, tensor } from '../../src/engine/index.ts';
import { defaultsOf, resolveHyperparams } from '../../src/engine/runtime/hyperparams.ts';
import {
  clipGradNorm,
  clipGradValue,
  createOptimizer,
  type OptimizerName,
  optimizerDefs,
  totalGradNorm,
} from '../../src/engine/runtime/optimizers/index.ts';
import { radamRectification } from '../../src/engine/runtime/optimizers/radam.ts';
import { gradsOf, type Param, param, paramTensor } from '../../src/engine/runtime/params.ts';

const names = Object.keys(optimizerDefs) as OptimizerName[];

/** L(p) = 0.5·Σ_i c_i(p_i − t_i)², a separable quadratic with its gradient c·(p − t). */
const curvature = [1, 4, 0.5, 2];
const target = [1, -2, 0.5, 3];
const lossOf = (p: Float32Array) =>
  p.reduce((acc, x, i) => acc + 0.5 * curvature[i] * (x - target[i]) ** 2, 0);
const gradOf = (p: Float32Array) => Float32Array.from(p, (x, i) => curvature[i] * (x - target[i]));

function runSteps(opt: ReturnType<typeof createOptimizer>, params: Param[], steps: number): void {
  for (let k = 0; k < steps; k++)
    opt.step(
      params,
      params.map((p) => gradOf(p.data)),
    );
}

const trainable = (): Param[] => [param('w', [4], [0, 0, 0, 0])];

describe('every optimizer', () => {
  it.each(names)('%s lowers a quadratic loss over 200 steps', (name) => {
    const params = trainable();
    const opt = createOptimizer(name, params, { lr: name === 'Adadelta' ? 1 : 0.05 });
    const before = lossOf(params[0].data);
    runSteps(opt, params, 200);
    expect(lossOf(params[0].data)).toBeLessThan(before * 0.5);
  });

  it.each(names)('%s resumes from a JSON snapshot with identical next steps', (name) => {
    const hyper = name === 'SGD' ? { lr: 0.05, momentum: 0.9, nesterov: true } : { lr: 0.05 };
    const a = trainable();
    const optA = createOptimizer(name, a, hyper);
    runSteps(optA, a, 3);
    const snapshot = JSON.parse(JSON.stringify(optA.snapshot()));
    const b = [param('w', [4], a[0].data)];
    const optB = createOptimizer(name, b, hyper);
    optB.restore(snapshot);
    runSteps(optA, a, 4);
    runSteps(optB, b, 4);
    expect(Array.from(b[0].data)).toEqual(Array.from(a[0].data));
    expect(optB.state.params[0].step).toBe(7);
  });

  it.each(names)('%s documents itself for the node that will wrap it', (name) => {
    const def = optimizerDefs[name];
    expect(def.name).toBe(name);
    expect(def.formula.length).toBeGreaterThan(10);
    expect(def.doc.length).toBeGreaterThan(10);
    expect(def.pytorchClass).toMatch(name === 'Yogi' ? /d2l/ : new RegExp(`^torch\\.optim\\.${name}$`));
    for (const spec of Object.values(def.hyperparams)) expect(spec.doc.length).toBeGreaterThan(3);
    // the defaults the inspector shows are valid values
    expect(resolveHyperparams(name, def.hyperparams, {})).toEqual(defaultsOf(def.hyperparams));
  });

  it.each(names)('%s skips a parameter whose gradient is null, as PyTorch skips p.grad None', (name) => {
    const params = [param('a', [2], [1, 2]), param('b', [2], [3, 4])];
    const opt = createOptimizer(name, params, { lr: 0.1 });
    opt.step(params, [Float32Array.of(0.5, -0.5), null]);
    expect(Array.from(params[1].data)).toEqual([3, 4]);
    expect(opt.state.params.map((s) => s.step)).toEqual([1, 0]);
    expect(Array.from(params[0].data)).not.toEqual([1, 2]);
  });
});

describe('PyTorch 1.13 semantics', () => {
  it('SGD: the momentum buffer is the raw gradient on the first step, dampened after', () => {
    const p = [param('w', [1], [1])];
    const opt = createOptimizer('SGD', p, { lr: 0.1, momentum: 0.9, dampening: 0.5 });
    opt.step(p, [Float32Array.of(2)]);
    expect(p[0].data[0]).toBeCloseTo(1 - 0.1 * 2, 6);
    expect(opt.state.params[0].buffers.momentum_buffer[0]).toBe(2);
    opt.step(p, [Float32Array.of(4)]);
    const buf = 0.9 * 2 + 0.5 * 4;
    expect(opt.state.params[0].buffers.momentum_buffer[0]).toBeCloseTo(buf, 6);
    expect(p[0].data[0]).toBeCloseTo(0.8 - 0.1 * buf, 6);
  });

  it('SGD with weight decay adds wd·p to the gradient before the momentum', () => {
    const p = [param('w', [1], [2])];
    createOptimizer('SGD', p, { lr: 0.5, weight_decay: 0.1 }).step(p, [Float32Array.of(1)]);
    expect(p[0].data[0]).toBeCloseTo(2 - 0.5 * (1 + 0.1 * 2), 6);
  });

  it('Adam: the first step moves each coordinate by lr (bias correction makes m̂/√v̂ = ±1)', () => {
    const p = [param('w', [3], [0, 0, 0])];
    createOptimizer('Adam', p, { lr: 0.01, eps: 0 }).step(p, [Float32Array.of(3, -0.2, 50)]);
    expect(Array.from(p[0].data).map((x) => Number(x.toFixed(6)))).toEqual([-0.01, 0.01, -0.01]);
  });

  it('AdamW shrinks p by (1 − lr·wd) before an Adam step without L2; Adam adds wd·p to the gradient', () => {
    const g = Float32Array.of(0.5);
    const adamw = [param('w', [1], [2])];
    createOptimizer('AdamW', adamw, { lr: 0.1, weight_decay: 0.5, eps: 0 }).step(adamw, [g]);
    expect(adamw[0].data[0]).toBeCloseTo(2 * (1 - 0.1 * 0.5) - 0.1, 6);
    const adam = [param('w', [1], [2])];
    createOptimizer('Adam', adam, { lr: 0.1, weight_decay: 0.5, eps: 0 }).step(adam, [g]);
    expect(adam[0].data[0]).toBeCloseTo(2 - 0.1, 6); // first step is ±lr whatever the decayed gradient
  });

  it('Adam with amsgrad divides by the running maximum of v', () => {
    const p = [param('w', [1], [0])];
    const opt = createOptimizer('Adam', p, { lr: 0.1, amsgrad: true, betas: [0, 0.5] });
    opt.step(p, [Float32Array.of(4)]);
    opt.step(p, [Float32Array.of(1)]);
    const b = opt.state.params[0].buffers;
    expect(b.exp_avg_sq[0]).toBeCloseTo(0.5 * 0.5 * 16 + 0.5, 6);
    expect(b.max_exp_avg_sq[0]).toBeCloseTo(8, 6);
  });

  it('RAdam takes plain bias-corrected momentum steps until ρ_t > 5, then rectified steps', () => {
    expect([1, 2, 3, 4, 5].map((t) => radamRectification(0.999, t))).toEqual([null, null, null, null, null]);
    expect(radamRectification(0.999, 6)).toBeGreaterThan(0);
    expect(radamRectification(0.5, 100)).toBeNull(); // ρ∞ = 3 never exceeds 5
    const p = [param('w', [1], [1])];
    createOptimizer('RAdam', p, { lr: 0.1, betas: [0.9, 0.999] }).step(p, [Float32Array.of(3)]);
    expect(p[0].data[0]).toBeCloseTo(1 - 0.1 * 3, 6);
  });

  it('Adagrad divides the lr by 1 + (t − 1)·lr_decay and accumulates from initial_accumulator_value', () => {
    const p = [param('w', [1], [0])];
    const opt = createOptimizer('Adagrad', p, { lr: 1, lr_decay: 0.5, initial_accumulator_value: 1, eps: 0 });
    opt.step(p, [Float32Array.of(1)]);
    expect(p[0].data[0]).toBeCloseTo(-1 / Math.sqrt(2), 6);
    opt.step(p, [Float32Array.of(1)]);
    expect(p[0].data[0]).toBeCloseTo(-1 / Math.sqrt(2) - 1 / 1.5 / Math.sqrt(3), 6);
  });

  it('Yogi (D2L): the first step is lr·g/(|g| + ε), and s grows additively', () => {
    const p = [param('w', [2], [0, 0])];
    const opt = createOptimizer('Yogi', p, { lr: 0.1 });
    opt.step(p, [Float32Array.of(2, -0.5)]);
    expect(p[0].data[0]).toBeCloseTo((-0.1 * 2) / (2 + 1e-3), 6);
    expect(p[0].data[1]).toBeCloseTo((0.1 * 0.5) / (0.5 + 1e-3), 6);
    opt.step(p, [Float32Array.of(0, 0)]);
    // g = 0: sign(0 − s)·0 leaves s unchanged
    expect(opt.state.params[0].buffers.s[0]).toBeCloseTo(0.001 * 4, 6);
  });

  it('uses the scheduled lr, not the constructor lr', () => {
    const p = [param('w', [1], [1])];
    const opt = createOptimizer('SGD', p, { lr: 0.1 });
    opt.lr = 0.5;
    opt.step(p, [Float32Array.of(1)]);
    expect(p[0].data[0]).toBeCloseTo(0.5, 6);
  });

  it('exposes the momentum a one-cycle schedule cycles: SGD momentum, Adam β₁', () => {
    const sgd = createOptimizer('SGD', trainable(), { momentum: 0.9 });
    sgd.momentum = 0.85;
    expect(sgd.hyperparams.momentum).toBe(0.85);
    const adam = createOptimizer('Adam', trainable());
    adam.momentum = 0.8;
    expect(adam.hyperparams.betas).toEqual([0.8, 0.999]);
    expect(() => {
      createOptimizer('Adagrad', trainable()).momentum = 0.9;
    }).toThrow(/Adagrad: momentum cannot be cycled/);
  });
});

describe('bad hyperparameters', () => {
  const cases: [OptimizerName, Record<string, unknown>, RegExp][] = [
    ['Adam', { betas: [1.2, 0.999] }, /^Adam: betas\[0\] must be in \[0, 1\), got 1\.2$/],
    ['Adam', { betas: [0.9] }, /^Adam: betas must be a list of 2 numbers/],
    ['SGD', { lr: -0.1 }, /^SGD: lr must be ≥ 0, got -0\.1$/],
    ['SGD', { momentun: 0.9 }, /^SGD: momentun is not a parameter of SGD \(expected one of lr, momentum/],
    ['SGD', { nesterov: true }, /^SGD: nesterov requires momentum > 0 and dampening = 0/],
    ['Adadelta', { rho: 1.5 }, /^Adadelta: rho must be in \[0, 1\], got 1\.5$/],
    ['RMSprop', { centered: 'yes' }, /^RMSprop: centered must be true or false, got "yes"$/],
    ['Adagrad', { eps: Number.NaN }, /^Adagrad: eps must be a number ≥ 0/],
  ];
  it.each(cases)('%s %j is rejected with the param and its range', (name, hyper, message) => {
    const err = (() => {
      try {
        createOptimizer(name, trainable(), hyper);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(AttrError);
    expect((err as Error).message).toMatch(message);
  });

  it('accepts and ignores PyTorch implementation flags (foreach, fused, ...)', () => {
    expect(() =>
      createOptimizer('Adam', trainable(), { foreach: null, fused: false, capturable: false }),
    ).not.toThrow();
  });

  it('names an unknown optimizer', () => {
    expect(() => createOptimizer('Adamax', trainable())).toThrow(
      /'Adamax' is not an optimizer \(expected one of SGD/,
    );
  });

  it('rejects a step whose parameters or gradients do not match the ones it was made for', () => {
    const opt = createOptimizer('SGD', trainable());
    expect(() => opt.step(trainable(), [new Float32Array(3)])).toThrow(OpError);
    expect(() => opt.step(trainable(), [new Float32Array(3)])).toThrow(
      /parameter 0 \('w'\) has 4 values and gradient 3/,
    );
    expect(() => opt.step([], [])).toThrow(/created for 1 parameters/);
  });

  it('rejects a snapshot of another optimizer', () => {
    const snap = createOptimizer('SGD', trainable()).snapshot();
    expect(() => createOptimizer('Adam', trainable()).restore(snap)).toThrow(
      /Adam: snapshot was taken from SGD/,
    );
  });
});

describe('gradient clipping (torch.nn.utils semantics)', () => {
  it('clip_grad_norm_ scales all gradients together by max_norm/(total + 1e-6) and returns the total', () => {
    const grads = [Float32Array.of(3, 0), Float32Array.of(0, 4), null];
    const total = clipGradNorm(grads, 1);
    expect(total).toBeCloseTo(5, 6);
    const coef = 1 / (5 + 1e-6);
    expect(Array.from(grads[0]!)).toEqual([Math.fround(3 * coef), 0]);
    expect(Array.from(grads[1]!)).toEqual([0, Math.fround(4 * coef)]);
  });

  it('clip_grad_norm_ leaves gradients under max_norm alone', () => {
    const grads = [Float32Array.of(0.3, -0.4)];
    expect(clipGradNorm(grads, 1)).toBeCloseTo(0.5, 6);
    expect(Array.from(grads[0])).toEqual([Math.fround(0.3), Math.fround(-0.4)]);
  });

  it('supports the max-norm and other p-norms', () => {
    const grads = [Float32Array.of(1, -7), Float32Array.of(2)];
    expect(totalGradNorm(grads, Infinity)).toBe(7);
    expect(totalGradNorm(grads, 1)).toBe(10);
    expect(clipGradNorm(grads, 3.5, { normType: Infinity })).toBe(7);
    expect(grads[0][1]).toBeCloseTo(-3.5, 5);
  });

  it('throws on a non-finite norm only when asked to', () => {
    const grads = [Float32Array.of(Number.POSITIVE_INFINITY, 1)];
    expect(() => clipGradNorm(grads, 1, { errorIfNonfinite: true })).toThrow(
      /non-finite total norm of order 2/,
    );
    expect(clipGradNorm([Float32Array.of(1)], 1, { errorIfNonfinite: true })).toBe(1);
  });

  it('clip_grad_value_ clamps every entry to [−v, v]', () => {
    const grads = [Float32Array.of(-3, 0.2, 5), null];
    clipGradValue(grads, 1);
    expect(Array.from(grads[0]!)).toEqual([-1, Math.fround(0.2), 1]);
    expect(() => clipGradValue(grads, -1)).toThrow(/clip_value must be ≥ 0, got -1/);
  });
});

describe('parameters and tensors', () => {
  it('a parameter tensor is a copy: the optimizer changing the storage leaves it as it was', () => {
    const p = param('w', [2], [1, 2]);
    const t = paramTensor(p, cpuBackend);
    createOptimizer('SGD', [p], { lr: 1 }).step([p], [Float32Array.of(1, 1)]);
    expect(Array.from(p.data)).toEqual([0, 1]);
    expect(t.toArray()).toEqual([1, 2]);
    expect(t.requiresGrad).toBe(true);
    expect(t.name).toBe('w');
  });

  it('gradsOf copies each .grad (clipping must not change the tensor) and gives null where there is none', async () => {
    const a = tensor([1, 2], [2]).requireGrad();
    const b = tensor([3], [1]).requireGrad();
    a.grad = tensor([10, -10], [2]);
    const grads = await gradsOf([a, b]);
    expect(grads[1]).toBeNull();
    clipGradValue(grads, 1);
    expect(Array.from(grads[0]!)).toEqual([1, -1]);
    expect(a.grad.toArray()).toEqual([10, -10]);
    const again = await gradsOf([a, b], grads);
    expect(again[0]).toBe(grads[0]);
  });

  it('param() checks the values against the shape', () => {
    expect(() => param('w', [2, 2], [1, 2, 3])).toThrow(/param 'w': shape \[2, 2\] needs 4 values, got 3/);
  });
});
