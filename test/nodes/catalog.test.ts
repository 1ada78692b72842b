import { describe, expect, it } from 'vitest';
import { catalog } from '../../src/nodes/index.ts';
import { defaultParams } from '../../src/nodes/params.ts';
import type { TensorType } from '../../src/nodes/types.ts';
import { concrete, lowerNode } from './harness.ts';
import { samples } from './samples.ts';

/** Groups whose nodes compute on tensors: each needs FLOPs and a runnable sample. */
const COMPUTING = new Set(['layers', 'activations', 'losses', 'math', 'reshape', 'composites', 'evaluators']);
/** Groups where FLOPs mean something (reshapes only move data; a probe only watches). */
const ARITHMETIC = new Set(['layers', 'activations', 'losses', 'math', 'composites']);

describe('every node type in the catalog', () => {
  for (const def of catalog.all) {
    describe(def.type, () => {
      it('has a doc, a formula and aliases', () => {
        expect(def.doc.length, 'doc').toBeGreaterThan(10);
        // a data source's doc says what it holds; every other node shows its formula
        if (def.group !== 'sources') expect(def.formula?.length ?? 0, 'formula').toBeGreaterThan(2);
        expect(Array.isArray(def.aliases)).toBe(true);
      });

      it('has params whose defaults pass their own checks', () => {
        for (const [name, spec] of Object.entries(def.params)) {
          expect(spec.check(spec.default), `${def.type}.${name} default`).toBeNull();
        }
      });

      it('has a shape rule, a lowering and a parameter count', () => {
        expect(typeof def.infer).toBe('function');
        expect(typeof def.lower).toBe('function');
        expect(typeof def.paramCount).toBe('function');
        if (ARITHMETIC.has(def.group)) expect(typeof def.flops, 'flops').toBe('function');
      });

      if (!COMPUTING.has(def.group)) return;

      it('has a sample input, and lowering gives the shapes and parameters its rule promises', () => {
        const sample = samples[def.type];
        expect(sample, `add a sample for ${def.type} to test/nodes/samples.ts`).toBeDefined();
        const inputs = sample.inputs();
        const params = { ...defaultParams(def.params), ...sample.params } as never;
        const types = inputs.map((t): TensorType | null =>
          t ? { dtype: t.dtype, dims: [...t.shape] } : null,
        );
        const inferred = def.infer(types, params, concrete);
        expect(
          inferred.every((r) => 'dims' in r),
          JSON.stringify(inferred),
        ).toBe(true);
        const lowered = lowerNode(def, inputs, sample.params);
        expect(lowered.outputs.map((t) => [...t.shape])).toEqual(
          inferred.map((r) => ('dims' in r ? r.dims : null)),
        );
        const created = [...lowered.params.values()].reduce((n, t) => n + t.size, 0);
        expect(def.paramCount(types, params)).toBe(created);
        if (ARITHMETIC.has(def.group) && def.flops)
          expect(def.flops(types, params)).toBeGreaterThanOrEqual(0);
      });
    });
  }
});
