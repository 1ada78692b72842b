import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SymbolTable } from '../../src/graph/index.ts';
import { catalog, type Dim, type InferContext, type TensorType } from '../../src/nodes/index.ts';

/** The node types declared with the graph core (the rest of the catalog has its own tests). */
const FIRST_HANDFUL = [
  'Input',
  'Linear',
  'Conv2d',
  'ReLU',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Maximum',
  'MatMul',
  'Flatten',
  'Reshape',
  'Transpose',
  'Unsqueeze',
  'CrossEntropyLoss',
];

const dim: fc.Arbitrary<Dim> = fc.oneof(
  fc.integer({ min: 0, max: 40 }),
  fc.constantFrom('N', 'T', 'd', 'N*3', '(H-2)/2+1'),
);
const tensorType: fc.Arbitrary<TensorType> = fc.record({
  dtype: fc.constantFrom('float32', 'int32'),
  dims: fc.array(dim, { maxLength: 5 }),
});

describe('shape rules of the first node types', () => {
  it.each(FIRST_HANDFUL)(
    '%s answers types or issues for any inputs and valid params, never throws',
    (type) => {
      const def = catalog.get(type);
      if (!def) throw new Error(`${type} is not in the catalog`);
      // valid params: each param's default or a value its own check accepts
      const candidates = fc.oneof(
        fc.integer({ min: -3, max: 40 }),
        fc.boolean(),
        fc.constantFrom('mean', 'sum', 'none', 'float32', 'int32'),
        fc.array(fc.integer({ min: -1, max: 9 }), { maxLength: 3 }),
      );
      const params = fc.record(
        Object.fromEntries(
          Object.entries(def.params).map(([name, spec]) => [
            name,
            candidates.map((v) => (spec.check(v) === null ? v : spec.default)),
          ]),
        ),
      );
      fc.assert(
        fc.property(
          fc.array(fc.option(tensorType, { nil: null }), {
            minLength: def.inputs.length,
            maxLength: def.inputs.length,
          }),
          params,
          (inputs, values) => {
            const table = new SymbolTable();
            const ctx: InferContext = {
              unify: (a, b) => table.unify(a, b),
              resolve: (d) => table.resolve(d),
              warn: () => {},
            };
            const result = def.infer(inputs, values as never, ctx);
            expect(Array.isArray(result)).toBe(true);
            for (const r of result) {
              if ('dims' in r)
                expect(r.dims.every((d) => typeof d === 'string' || (Number.isInteger(d) && d >= 0))).toBe(
                  true,
                );
              else expect(r.message.length).toBeGreaterThan(0);
            }
            const count = def.paramCount(inputs, values as never);
            expect(Number.isFinite(count)).toBe(true);
          },
        ),
        { numRuns: 400 },
      );
    },
  );
});
