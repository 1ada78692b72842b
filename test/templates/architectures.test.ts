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

/**
 * torchinfo's rows for an nn.Sequential, worked out layer by layer: each layer maps the
 * running shape [1, C, H, W] (or [1, F]) to its output and says its parameter count.
 */
class Rows {
  readonly rows: Row[] = [];
  constructor(public shape: number[]) {}

  private push(name: string, type: string, output: number[], params = 0): this {
    this.rows.push({ name, type, input_shape: this.shape, output_shape: output, params });
    this.shape = output;
    return this;
  }

  conv(name: string, out: number, k: number, s = 1, p = 0): this {
    const [n, c, h, w] = this.shape;
    const size = (x: number) => Math.floor((x + 2 * p - k) / s) + 1;
    return this.push(name, 'Conv2d', [n, out, size(h), size(w)], out * c * k * k + out);
  }

  pool(name: string, type: 'MaxPool2d' | 'AvgPool2d', k: number, s: number, p = 0): this {
    const [n, c, h, w] = this.shape;
    const size = (x: number) => Math.floor((x + 2 * p - k) / s) + 1;
    return this.push(name, type, [n, c, size(h), size(w)]);
  }

  same(name: string, type: 'ReLU' | 'Dropout'): this {
    return this.push(name, type, this.shape);
  }

  batchNorm(name: string): this {
    return this.push(name, 'BatchNorm2d', this.shape, 2 * this.shape[1]);
  }

  globalPool(name: string): this {
    return this.push(name, 'AdaptiveAvgPool2d', [this.shape[0], this.shape[1], 1, 1]);
  }

  flatten(name: string): this {
    return this.push(name, 'Flatten', [this.shape[0], this.shape.slice(1).reduce((a, b) => a * b, 1)]);
  }

  linear(name: string, out: number): this {
    const [n, f] = this.shape;
    return this.push(name, 'Linear', [n, out], f * out + out);
  }

  /** torch.cat on channels: no row, just a wider running shape */
  widen(channels: number): this {
    this.shape = [this.shape[0], channels, ...this.shape.slice(2)];
    return this;
  }

  case(id: string, input: number[]): RefCase {
    return {
      id,
      input_shape: input,
      output_shape: this.shape,
      layers: this.rows,
      total_params: this.rows.reduce((n, r) => n + r.params, 0),
    } as RefCase;
  }
}

/** D2L's VGG-11 (§8.2): arch ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512)) on 1×224×224. */
function d2lVgg11(): RefCase {
  const r = new Rows([1, 1, 224, 224]);
  const arch = [
    [1, 64],
    [1, 128],
    [2, 256],
    [2, 512],
    [2, 512],
  ];
  for (const [b, [convs, channels]] of arch.entries()) {
    for (let i = 0; i < convs; i++)
      r.conv(`net.${b}.${2 * i}`, channels, 3, 1, 1).same(`net.${b}.${2 * i + 1}`, 'ReLU');
    r.pool(`net.${b}.${2 * convs}`, 'MaxPool2d', 2, 2);
  }
  r.flatten('net.5').linear('net.6', 4096).same('net.7', 'ReLU').same('net.8', 'Dropout');
  r.linear('net.9', 4096).same('net.10', 'ReLU').same('net.11', 'Dropout').linear('net.12', 10);
  return r.case('vgg11_d2l', [1, 1, 224, 224]);
}

/** D2L's DenseNet (§8.7): 64 channels, growth 32, four blocks of 4 units, on 1×96×96. */
function d2lDenseNet(): RefCase {
  const r = new Rows([1, 1, 96, 96]);
  r.conv('net.0.0', 64, 7, 2, 3)
    .batchNorm('net.0.1')
    .same('net.0.2', 'ReLU')
    .pool('net.0.3', 'MaxPool2d', 3, 2, 1);
  let channels = 64;
  for (let b = 1; b <= 4; b++) {
    for (let i = 0; i < 4; i++) {
      const unit = `net.dense_blk${b}.net.${i}`;
      r.batchNorm(`${unit}.0`).same(`${unit}.1`, 'ReLU').conv(`${unit}.2`, 32, 3, 1, 1);
      channels += 32;
      r.widen(channels);
    }
    if (b === 4) break;
    channels = Math.floor(channels / 2);
    const t = `net.tran_blk${b}`;
    r.batchNorm(`${t}.0`)
      .same(`${t}.1`, 'ReLU')
      .conv(`${t}.2`, channels, 1)
      .pool(`${t}.3`, 'AvgPool2d', 2, 2);
  }
  r.batchNorm('net.last.0').same('net.last.1', 'ReLU').globalPool('net.last.2').flatten('net.last.3');
  r.linear('net.last.4', 10);
  return r.case('densenet_d2l', [1, 1, 96, 96]);
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

  it('VGG-11', () => {
    const c = d2lVgg11() as RefCase & { total_params: number };
    expect(c.total_params).toBe(128_806_154);
    const result = runArchitectureCase(c);
    expect(result.message ?? '').toBe('');
    expect(result.ok).toBe(true);
  });

  it('DenseNet', () => {
    const result = runArchitectureCase(d2lDenseNet());
    expect(result.message ?? '').toBe('');
    expect(result.ok).toBe(true);
  });
});
