/**
 * The model templates against the reference `architectures` family (layer shapes and
 * parameter counts, torchinfo-style), and the D2L models the reference file does not hold
 * yet, with their rows worked out from D2L's code.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RefCase } from '../../src/engine/conformance/types.ts';
import { ARCHITECTURE_TEMPLATES, runArchitectureCase } from '../../src/templates/conformance.ts';

interface Row {
  name: string;
  type: string;
  input_shape: number[];
  output_shape: number[];
  params: number;
}

const reference = JSON.parse(
  readFileSync(new URL('../reference/cases/architectures.json', import.meta.url), 'utf8'),
) as { cases: RefCase[] };

/**
 * D2L's ViT (§11.8) at its defaults: 96×96 images, 16×16 patches, d = 512, MLP 2048, 8 heads,
 * 2 blocks, bias-free attention; cls_token [1, 1, d] and pos_embedding [1, 37, d] are
 * nn.Parameters outside any layer.
 */
function d2lVit(): RefCase {
  const d = 512;
  const mlp = 2048;
  const steps = (96 / 16) ** 2 + 1;
  const tokens = [1, steps, d];
  const wide = [1, steps, mlp];
  const norm = (name: string, shape: number[]): Row => ({
    name,
    type: 'LayerNorm',
    input_shape: shape,
    output_shape: shape,
    params: 2 * d,
  });
  const dropout = (name: string, shape: number[]): Row => ({
    name,
    type: 'Dropout',
    input_shape: shape,
    output_shape: shape,
    params: 0,
  });
  const rows: Row[] = [
    {
      name: 'patch_embedding.conv',
      type: 'Conv2d',
      input_shape: [1, 1, 96, 96],
      output_shape: [1, d, 6, 6],
      params: 16 * 16 * d + d,
    },
    dropout('dropout', tokens),
  ];
  for (const b of [0, 1]) {
    rows.push(
      norm(`blks.${b}.ln1`, tokens),
      {
        name: `blks.${b}.attention`,
        type: 'MultiheadAttention',
        input_shape: tokens,
        output_shape: tokens,
        params: 4 * d * d,
      },
      norm(`blks.${b}.ln2`, tokens),
      {
        name: `blks.${b}.mlp.dense1`,
        type: 'Linear',
        input_shape: tokens,
        output_shape: wide,
        params: d * mlp + mlp,
      },
      { name: `blks.${b}.mlp.gelu`, type: 'GELU', input_shape: wide, output_shape: wide, params: 0 },
      dropout(`blks.${b}.mlp.dropout1`, wide),
      {
        name: `blks.${b}.mlp.dense2`,
        type: 'Linear',
        input_shape: wide,
        output_shape: tokens,
        params: mlp * d + d,
      },
      dropout(`blks.${b}.mlp.dropout2`, tokens),
    );
  }
  rows.push(norm('head.0', [1, d]), {
    name: 'head.1',
    type: 'Linear',
    input_shape: [1, d],
    output_shape: [1, 10],
    params: d * 10 + 10,
  });
  const outside = d + steps * d; // cls_token, pos_embedding
  return {
    id: 'vit_d2l',
    input_shape: [1, 1, 96, 96],
    output_shape: [1, 10],
    layers: rows,
    total_params: rows.reduce((n, r) => n + r.params, outside),
  } as RefCase;
}

/** D2L's MLP 784-128-64-10 on flattened 28×28 digits. */
function mlp(): RefCase {
  const sizes = [784, 128, 64, 10];
  const rows: Row[] = [
    { name: '0', type: 'Flatten', input_shape: [1, 1, 28, 28], output_shape: [1, 784], params: 0 },
  ];
  for (let i = 0; i < 3; i++) {
    rows.push({
      name: String(rows.length),
      type: 'Linear',
      input_shape: [1, sizes[i]],
      output_shape: [1, sizes[i + 1]],
      params: sizes[i] * sizes[i + 1] + sizes[i + 1],
    });
    if (i < 2)
      rows.push({
        name: String(rows.length),
        type: 'ReLU',
        input_shape: [1, sizes[i + 1]],
        output_shape: [1, sizes[i + 1]],
        params: 0,
      });
  }
  return {
    id: 'mlp_784_128_64_10',
    input_shape: [1, 1, 28, 28],
    output_shape: [1, 10],
    layers: rows,
    total_params: rows.reduce((n, r) => n + r.params, 0),
  } as RefCase;
}

describe('model templates = the reference architectures', () => {
  it.each(reference.cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const result = runArchitectureCase(c);
    expect(result.message ?? '').toBe('');
    expect(result.ok).toBe(true);
  });

  it('every case id the reference file holds has a template', () => {
    for (const c of reference.cases) expect(Object.keys(ARCHITECTURE_TEMPLATES)).toContain(c.id);
  });
});

describe('D2L models the reference file lacks, rows worked out from D2L', () => {
  it('ViT: a class token and learned positions (outside any layer), head on X[:, 0]', () => {
    const c = d2lVit();
    expect((c as unknown as { total_params: number }).total_params).toBe(6_457_866);
    const result = runArchitectureCase(c);
    expect(result.message ?? '').toBe('');
    expect(result.ok).toBe(true);
  });

  it('ViT without the class token would not match: the comparison sees 512 parameters', () => {
    const c = d2lVit() as RefCase & { total_params: number };
    c.total_params -= 512;
    expect(runArchitectureCase(c)).toMatchObject({ ok: false, message: expect.stringMatching(/6457866/) });
  });

  it('a row with the wrong output shape is named', () => {
    const c = d2lVit() as RefCase & { layers: Row[] };
    c.layers[c.layers.length - 1].output_shape = [1, 11];
    expect(runArchitectureCase(c)).toMatchObject({ ok: false, message: expect.stringMatching(/head\.1/) });
  });

  it('MLP 784-128-64-10', () => {
    const result = runArchitectureCase(mlp());
    expect(result.message ?? '').toBe('');
    expect(result.ok).toBe(true);
  });
});
