import { tensorPort } from '../define.ts';
import { declareNode, fail, rangeIssue } from '../kit/checks.ts';
import { numel } from '../kit/dims.ts';
import { initStdParam } from '../kit/init.ts';
import { p } from '../params.ts';
import { formatDims } from '../shapes.ts';

/** D2L's sinusoidal table P[t, 2i] = sin(t/10000^(2i/d)), P[t, 2i+1] = cos(t/10000^(2i/d)), rows 0 … T−1. */
export function sinusoidalTable(steps: number, d: number): number[] {
  const table = new Array<number>(steps * d).fill(0);
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < d; i += 2) {
      const angle = t / 10000 ** (i / d);
      table[t * d + i] = Math.sin(angle);
      if (i + 1 < d) table[t * d + i + 1] = Math.cos(angle);
    }
  }
  return table;
}

/** Adds position information to [N, T, d] token features: fixed sinusoids (Transformer) or a learned table (ViT, BERT). */
export const PositionalEncoding = declareNode({
  type: 'PositionalEncoding',
  group: 'layers',
  aliases: ['position embedding', 'sinusoidal encoding', 'pos_embedding'],
  doc: 'Adds a position vector to each time step of [N, T, d]: sinusoids of geometrically spaced frequencies (fixed), or a learned [1, max_len, d] table.',
  formula:
    'y[n,t] = x[n,t] + P[t];  sinusoidal: P[t,2i] = sin(t/10000^{2i/d}), P[t,2i+1] = cos(t/10000^{2i/d})',
  params: {
    kind: p.enum(['sinusoidal', 'learned'], { default: 'sinusoidal' }),
    num_hiddens: p.int({ default: 32, min: 1, doc: 'd, the feature size' }),
    max_len: p.int({ default: 1000, min: 1, doc: 'the longest sequence it encodes' }),
    init_std: initStdParam(),
  },
  inputs: [tensorPort('input', { doc: '[N, T, d]' })],
  outputs: [tensorPort('output')],
  infer([x], params, ctx) {
    if (!x) return fail('missing_input', 'PositionalEncoding needs an input', { port: 'input' });
    if (x.dims.length !== 3)
      return fail('rank', `PositionalEncoding expects [N, T, d], got ${formatDims(x.dims)}`, {
        port: 'input',
      });
    const [, T, d] = x.dims;
    if (!ctx.unify(d, params.num_hiddens)) {
      return fail(
        'num_hiddens',
        `PositionalEncoding(num_hiddens=${params.num_hiddens}) got features of size ${d}`,
        {
          port: 'input',
          fixes: [
            {
              label: `Set num_hiddens to ${d}`,
              intents: [{ kind: 'setParam', param: 'num_hiddens', value: d }],
            },
          ],
        },
      );
    }
    if (typeof T === 'number' && T > params.max_len) {
      return rangeIssue('PositionalEncoding', 'max_len', `at least the sequence length ${T}`, params.max_len);
    }
    return [{ dtype: 'float32', dims: [...x.dims] }];
  },
  lower(b, [x], params, shapes) {
    const [, T, d] = shapes.inputs[0] ?? [];
    if (params.kind === 'sinusoidal') return b.op('add', [x, b.constant(sinusoidalTable(T, d), [T, d])]);
    const table = b.param('pos_embedding', [1, params.max_len, d], { kind: 'normal', std: params.init_std });
    const [rows] = b.op('narrow', [table], { dim: 1, start: 0, length: T });
    return b.op('add', [x, rows]);
  },
  paramCount: (_inputs, params) => (params.kind === 'learned' ? params.max_len * params.num_hiddens : 0),
  flops: ([x]) => (x ? numel(x.dims) : 0),
});
