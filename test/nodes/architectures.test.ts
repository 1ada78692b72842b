import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalog } from '../../src/nodes/index.ts';
import { defaultParams } from '../../src/nodes/params.ts';
import { concrete } from './harness.ts';

interface LayerRow {
  name: string;
  type: string;
  attrs: Record<string, unknown>;
  input_shape: number[];
  output_shape: number[];
  params: number;
}

const file = new URL('../reference/cases/architectures.json', import.meta.url);
const cases = (JSON.parse(readFileSync(file, 'utf8')) as { cases: { id: string; layers: LayerRow[] }[] })
  .cases;

/** PyTorch class names that the catalog spells otherwise (found by alias). */
const nodeTypeOf = (pytorchType: string) =>
  catalog.get(pytorchType) ?? catalog.all.find((d) => d.aliases.includes(`nn.${pytorchType}`));

describe('layer rows of the reference architectures, built from their attrs', () => {
  const rows = cases.flatMap((c) => c.layers.map((row) => ({ model: c.id, row })));

  it('covers every layer type the reference uses', () => {
    const missing = [...new Set(rows.map((r) => r.row.type))].filter((t) => !nodeTypeOf(t));
    expect(missing).toEqual([]);
  });

  for (const { model, row } of rows) {
    it(`${model} ${row.name} (${row.type}): output shape and parameter count equal PyTorch's`, () => {
      const def = nodeTypeOf(row.type);
      if (!def) return;
      const unknown = Object.keys(row.attrs).filter((a) => !(a in def.params));
      expect(unknown, `attrs ${row.type} has no param for`).toEqual([]);
      const params = {
        ...defaultParams(def.params),
        ...row.attrs,
        ...(def.params.mode ? { mode: 'eval' } : {}),
      } as never;
      const input = { dtype: 'float32' as const, dims: row.input_shape };
      const inputs = def.inputs.map((port, i) => (i === 0 ? input : port.optional ? null : input));
      const result = def.infer(inputs, params, concrete);
      expect(
        result.every((r) => 'dims' in r),
        JSON.stringify(result),
      ).toBe(true);
      expect('dims' in result[0] && result[0].dims).toEqual(row.output_shape);
      expect(def.paramCount(inputs, params)).toBe(row.params);
    });
  }
});
