import { describe, expect, it } from 'vitest';
import { AttrError } from '../../src/engine/index.ts';
import { createOptimizer } from '../../src/engine/runtime/optimizers/index.ts';
import { param } from '../../src/engine/runtime/params.ts';
import {
  createScheduler,
  planSchedule,
  type SchedulerName,
  schedulerDefs,
} from '../../src/engine/runtime/schedulers/index.ts';

const names = Object.keys(schedulerDefs) as SchedulerName[];
const start = { lr: 0.1, momentum: 0.9 };

/** A working config for each scheduler (the required PyTorch arguments filled in). */
const sample: Record<SchedulerName, Record<string, unknown>> = {
  StepLR: { step_size: 3, gamma: 0.5 },
  MultiStepLR: { milestones: [2, 5, 5], gamma: 0.5 },
  ExponentialLR: { gamma: 0.9 },
  CosineAnnealingLR: { T_max: 6, eta_min: 0.01 },
  CosineAnnealingWarmRestarts: { T_0: 3, T_mult: 2, eta_min: 0.001 },
  LinearLR: { start_factor: 0.25, total_iters: 4 },
  OneCycleLR: { max_lr: 1, total_steps: 20 },
  SequentialLR: {
    schedulers: [
      { scheduler: 'LinearLR', params: { start_factor: 0.1, total_iters: 3 } },
      { scheduler: 'ExponentialLR', params: { gamma: 0.8 } },
    ],
    milestones: [3],
  },
  SquareRootScheduler: {},
  FactorScheduler: { factor: 0.8, stop_factor_lr: 0.03 },
};

const closeTo = (got: number[], want: number[]) => {
  expect(got).toHaveLength(want.length);
  for (const [i, g] of got.entries()) expect(g, `t = ${i}`).toBeCloseTo(want[i], 10);
};
const range = (n: number) => Array.from({ length: n }, (_, t) => t);
const cosine = (t: number, T: number, lo: number, hi: number) =>
  lo + ((hi - lo) * (1 + Math.cos((Math.PI * t) / T))) / 2;

describe('every scheduler', () => {
  it.each(names)('%s: plan(n), lrAt(t) and stepping give the same curve', (name) => {
    const s = createScheduler(name, sample[name], start);
    const plan = s.plan(15).lrs;
    expect(range(15).map((t) => s.lrAt(t))).toEqual(plan);
    const stepped = [s.lr];
    for (let t = 1; t < 15; t++) stepped.push(s.step());
    expect(stepped).toEqual(plan);
  });

  it.each(names)('%s resumes from a JSON snapshot with identical next steps', (name) => {
    const a = createScheduler(name, sample[name], start);
    for (let t = 0; t < 4; t++) a.step();
    const b = createScheduler(name, sample[name], start);
    b.restore(JSON.parse(JSON.stringify(a.snapshot())));
    const next = (s: typeof a) => range(8).map(() => [s.step(), s.momentum]);
    expect(next(b)).toEqual(next(a));
  });

  it.each(names)('%s documents itself for the node that will wrap it', (name) => {
    const def = schedulerDefs[name];
    expect(def.name).toBe(name);
    expect(def.formula.length).toBeGreaterThan(5);
    expect(def.doc.length).toBeGreaterThan(10);
    expect(def.pytorchClass).toMatch(/^torch\.optim\.lr_scheduler\.|^d2l /);
    for (const spec of Object.values(def.params) as { doc: string }[])
      expect(spec.doc.length).toBeGreaterThan(3);
  });
});

describe('PyTorch 1.13 semantics', () => {
  it('StepLR decays by γ every step_size steps', () => {
    closeTo(
      planSchedule('StepLR', { step_size: 4, gamma: 0.5 }, start, 13).lrs,
      range(13).map((t) => 0.1 * 0.5 ** Math.floor(t / 4)),
    );
  });

  it('MultiStepLR applies γ once per occurrence of a repeated milestone, also at step 0', () => {
    const lrs = planSchedule('MultiStepLR', { milestones: [0, 3, 3, 6], gamma: 0.5 }, start, 8).lrs;
    closeTo(lrs, [0.05, 0.05, 0.05, 0.0125, 0.0125, 0.0125, 0.00625, 0.00625]);
  });

  it('ExponentialLR multiplies by γ each step', () => {
    closeTo(
      planSchedule('ExponentialLR', { gamma: 1.1 }, start, 10).lrs,
      range(10).map((t) => 0.1 * 1.1 ** t),
    );
  });

  it('CosineAnnealingLR (recursive form) follows the cosine down and back up past T_max', () => {
    const T = 7;
    const lrs = planSchedule('CosineAnnealingLR', { T_max: T, eta_min: 0.02 }, start, 4 * T + 1).lrs;
    closeTo(
      lrs,
      range(4 * T + 1).map((t) => cosine(t, T, 0.02, 0.1)),
    );
    expect(lrs[T]).toBeCloseTo(0.02, 12);
    expect(lrs[2 * T]).toBeCloseTo(0.1, 12);
  });

  it('CosineAnnealingWarmRestarts restarts after T_0, T_0·T_mult, ... steps', () => {
    const lrs = planSchedule('CosineAnnealingWarmRestarts', { T_0: 2, T_mult: 3, eta_min: 0 }, start, 27).lrs;
    // cycles of 2, 6 and 18 steps start at t = 0, 2, 8, 26
    for (const t of [0, 2, 8, 26]) expect(lrs[t]).toBeCloseTo(0.1, 12);
    expect(lrs[5]).toBeCloseTo(cosine(3, 6, 0, 0.1), 12);
    expect(lrs[17]).toBeCloseTo(cosine(9, 18, 0, 0.1), 12);
  });

  it('LinearLR goes from lr·start_factor to lr·end_factor, then stays', () => {
    const lrs = planSchedule(
      'LinearLR',
      { start_factor: 0.5, end_factor: 0.1, total_iters: 4 },
      start,
      8,
    ).lrs;
    closeTo(
      lrs,
      range(8).map((t) => 0.1 * (0.5 + (-0.4 * Math.min(t, 4)) / 4)),
    );
  });

  it('OneCycleLR: max_lr/div_factor → max_lr → min lr, momentum the other way, ignoring the optimizer lr', () => {
    const p = {
      max_lr: 2,
      total_steps: 11,
      pct_start: 0.5,
      div_factor: 4,
      final_div_factor: 10,
      anneal_strategy: 'linear',
    };
    const { lrs, momentums } = planSchedule('OneCycleLR', p, start, 11);
    expect(lrs[0]).toBeCloseTo(0.5, 12);
    expect(Math.max(...lrs)).toBeLessThanOrEqual(2);
    // phase 1 ends at step pct_start·T − 1 = 4.5; the last step reaches initial/final_div
    expect(lrs[10]).toBeCloseTo(0.05, 12);
    expect(lrs[4]).toBeCloseTo(0.5 + (1.5 * 4) / 4.5, 12);
    expect(momentums![0]).toBeCloseTo(0.95, 12);
    expect(momentums![10]).toBeCloseTo(0.95, 12);
    expect(Math.min(...momentums!)).toBeGreaterThanOrEqual(0.85);
  });

  it('OneCycleLR takes total_steps from epochs·steps_per_epoch, and refuses to step past the end', () => {
    const a = planSchedule('OneCycleLR', { max_lr: 1, total_steps: 12 }, start, 12);
    const b = planSchedule('OneCycleLR', { max_lr: 1, epochs: 3, steps_per_epoch: 4 }, start, 12);
    expect(b).toEqual(a);
    const s = createScheduler('OneCycleLR', { max_lr: 1, total_steps: 12 }, start);
    expect(s.lastStep).toBe(12);
    expect(s.plan(13).lrs).toHaveLength(13);
    expect(() => planSchedule('OneCycleLR', { max_lr: 1, total_steps: 12 }, start, 15)).toThrow(
      /OneCycleLR: total_steps is 12: tried to step 14 times/,
    );
    expect(() => createScheduler('OneCycleLR', { max_lr: 1 }, start)).toThrow(
      /total_steps must be given, or both epochs and steps_per_epoch/,
    );
  });

  it('OneCycleLR without cycle_momentum leaves the momentum alone', () => {
    const s = createScheduler('OneCycleLR', { max_lr: 1, total_steps: 10, cycle_momentum: false }, start);
    expect(s.plan(10).momentums).toBeUndefined();
    s.step();
    expect(s.momentum).toBe(0.9);
  });

  it('SequentialLR restarts the next scheduler from its own step 0 at the initial lr', () => {
    const lrs = planSchedule('SequentialLR', sample.SequentialLR, start, 8).lrs;
    closeTo(lrs.slice(0, 3), [0.01, 0.04, 0.07]);
    closeTo(
      lrs.slice(3),
      range(5).map((t) => 0.1 * 0.8 ** t),
    );
  });

  it('SequentialLR ends where its last scheduler ends; most schedules never end', () => {
    const cycleLast = {
      schedulers: [
        { scheduler: 'LinearLR', params: { start_factor: 0.1, total_iters: 3 } },
        { scheduler: 'OneCycleLR', params: { max_lr: 1, total_steps: 10 } },
      ],
      milestones: [3],
    };
    expect(createScheduler('SequentialLR', cycleLast, start).lastStep).toBe(13);
    expect(createScheduler('SequentialLR', sample.SequentialLR, start).lastStep).toBeUndefined();
    expect(createScheduler('StepLR', {}, start).lastStep).toBeUndefined();
  });

  it('SquareRootScheduler and FactorScheduler match D2L §12.11', () => {
    closeTo(
      planSchedule('SquareRootScheduler', {}, start, 6).lrs,
      range(6).map((t) => 0.1 * (t + 1) ** -0.5),
    );
    const factor = planSchedule('FactorScheduler', { factor: 0.5, stop_factor_lr: 0.01 }, start, 6).lrs;
    closeTo(
      factor,
      range(6).map((t) => Math.max(0.01, 0.1 * 0.5 ** (t + 1))),
    );
    expect(factor[5]).toBe(0.01);
  });

  it('drives an optimizer: lr each step, and one-cycle momentum as SGD momentum or Adam β₁', () => {
    const params = [param('w', [1], [0])];
    const adam = createOptimizer('Adam', params, { lr: 0.1 });
    const s = createScheduler(
      'OneCycleLR',
      { max_lr: 1, total_steps: 10 },
      { lr: adam.lr, momentum: adam.momentum },
    );
    s.applyTo(adam);
    expect(adam.lr).toBeCloseTo(0.04, 12);
    expect(adam.hyperparams.betas).toEqual([0.95, 0.999]);
    s.step();
    s.applyTo(adam);
    expect(adam.hyperparams.betas[0]).toBeCloseTo(s.momentum!, 12);
    const sgd = createOptimizer('SGD', params, { lr: 0.1 });
    const step = createScheduler('StepLR', { step_size: 1, gamma: 0.5 }, { lr: sgd.lr });
    step.step();
    step.applyTo(sgd);
    expect(sgd.lr).toBeCloseTo(0.05, 12);
  });
});

describe('bad parameters', () => {
  const cases: [SchedulerName, Record<string, unknown>, RegExp][] = [
    ['CosineAnnealingLR', { T_max: 0 }, /^CosineAnnealingLR: T_max must be an integer ≥ 1, got 0$/],
    ['StepLR', { step_size: 2.5 }, /^StepLR: step_size must be an integer ≥ 1, got 2\.5$/],
    ['LinearLR', { start_factor: 0 }, /^LinearLR: start_factor must be in \(0, 1\], got 0$/],
    [
      'OneCycleLR',
      { max_lr: 1, total_steps: 10, anneal_strategy: 'cosine' },
      /anneal_strategy must be one of 'cos', 'linear'/,
    ],
    [
      'OneCycleLR',
      { max_lr: 1, total_steps: 10, pct_start: 1.5 },
      /^OneCycleLR: pct_start must be in \[0, 1\], got 1\.5$/,
    ],
    ['MultiStepLR', { milestones: [3, -1] }, /^MultiStepLR: milestones\[1\] must be an integer ≥ 0, got -1$/],
    [
      'ExponentialLR',
      { gama: 0.9 },
      /^ExponentialLR: gama is not a parameter of ExponentialLR \(expected one of gamma\)$/,
    ],
    [
      'SequentialLR',
      { schedulers: [{ scheduler: 'StepLR', params: { step_size: 2 } }], milestones: [3] },
      /^SequentialLR: milestones must number one fewer than the schedulers, got 1 schedulers and 1 milestones$/,
    ],
    [
      'SequentialLR',
      { schedulers: [{ scheduler: 'Warmup' }, { scheduler: 'StepLR' }], milestones: [3] },
      /^SequentialLR: schedulers\[0\] names an unknown scheduler Warmup$/,
    ],
    [
      'SequentialLR',
      {
        schedulers: [{ scheduler: 'StepLR' }, { scheduler: 'StepLR', params: { gamma: -1 } }],
        milestones: [3],
      },
      /^StepLR: gamma must be ≥ 0, got -1$/,
    ],
  ];
  it.each(cases)('%s %j is rejected with the param and its range', (name, params, message) => {
    let err: unknown;
    try {
      createScheduler(name, params, start);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AttrError);
    expect((err as Error).message).toMatch(message);
  });

  it('names an unknown scheduler and a bad step count', () => {
    expect(() => createScheduler('PolyLR', {}, start)).toThrow(
      /'PolyLR' is not a scheduler \(expected one of StepLR/,
    );
    expect(() => createScheduler('StepLR', {}, start).lrAt(-1)).toThrow(
      /StepLR: t must be an integer ≥ 0, got -1/,
    );
  });
});
