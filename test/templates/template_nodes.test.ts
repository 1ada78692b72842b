/** The node types the templates added: ViT's ClassToken and Select; Exp, Log and Max for log-sum-exp. */
import { describe, expect, it } from 'vitest';
import { backward, run, tensor } from '../../src/engine/index.ts';
import { GraphStore, type LiveGrad, LiveValues } from '../../src/graph/index.ts';
import { catalog } from '../../src/nodes/index.ts';
import type { TensorType } from '../../src/nodes/types.ts';
import { GraphBuilder } from '../../src/templates/build.ts';
import { concrete, lowerNode } from '../nodes/harness.ts';

const def = (type: string) => {
  const d = catalog.get(type);
  if (!d) throw new Error(`no node type ${type}`);
  return d;
};

function infer(type: string, inputs: TensorType[], params: Record<string, unknown>) {
  const d = def(type);
  const full = { ...Object.fromEntries(Object.entries(d.params).map(([k, s]) => [k, s.default])), ...params };
  return d.infer(inputs, full as never, concrete);
}

const f32 = (...dims: (number | string)[]): TensorType => ({ dtype: 'float32', dims });

describe('ClassToken', () => {
  it('puts one learned token, zeros at the start, in front of every sequence', async () => {
    const x = tensor([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]);
    const { outputs, params } = lowerNode(def('ClassToken'), [x], { embed_dim: 2 });
    expect([...outputs[0].shape]).toEqual([2, 3, 2]);
    expect([...(await outputs[0].data())]).toEqual([0, 0, 1, 2, 3, 4, 0, 0, 5, 6, 7, 8]);
    // one token shared by the batch: its gradient sums over N
    const token = params.get('cls_token')!;
    backward(run('sum', [outputs[0]]));
    expect([...(await token.grad!.data())]).toEqual([2, 2]);
  });

  it('infers [N, T + 1, d] symbolically, and names a wrong embed_dim with a fix', () => {
    expect(infer('ClassToken', [f32('N', 36, 64)], { embed_dim: 64 })).toEqual([f32('N', 37, 64)]);
    expect(infer('ClassToken', [f32('N', 'T', 64)], { embed_dim: 64 })).toEqual([f32('N', 'T+1', 64)]);
    const [issue] = infer('ClassToken', [f32('N', 36, 32)], { embed_dim: 64 });
    expect(issue).toMatchObject({
      code: 'embed_dim',
      message: 'ClassToken(embed_dim=64) got tokens of size 32',
    });
    expect(infer('ClassToken', [f32('N', 32)], { embed_dim: 32 })[0]).toMatchObject({ code: 'rank' });
  });
});

describe('Select', () => {
  it('reads x[:, 0] and x[:, -1], dropping the dim', async () => {
    const x = tensor([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [2, 3, 2]);
    const first = lowerNode(def('Select'), [x], { dim: 1, index: 0 }).outputs[0];
    expect([...first.shape]).toEqual([2, 2]);
    expect([...(await first.data())]).toEqual([1, 2, 7, 8]);
    const last = lowerNode(def('Select'), [x], { dim: -2, index: -1 }).outputs[0];
    expect([...(await last.data())]).toEqual([5, 6, 11, 12]);
  });

  it('gives PyTorch’s messages for an index or dim out of range', () => {
    expect(infer('Select', [f32('N', 3, 4)], { dim: 1, index: 3 })[0]).toMatchObject({
      code: 'index',
      message: 'select(): index 3 out of range for tensor of size [N, 3, 4] at dimension 1',
    });
    expect(infer('Select', [f32(3, 4)], { dim: 2, index: 0 })[0]).toMatchObject({
      message: 'Select: Dimension out of range (expected to be in range of [-2, 1], but got 2)',
    });
    expect(infer('Select', [f32()], { dim: 0, index: 0 })[0]).toMatchObject({ code: 'rank' });
    // a symbolic size cannot be checked yet: the shape still follows
    expect(infer('Select', [f32('N', 'T', 4)], { dim: 1, index: 5 })).toEqual([f32('N', 4)]);
  });
});

describe('Exp, Log, Max', () => {
  it('overflow where float32 does: exp(1000) = +∞, log(0) = −∞', async () => {
    const exp = lowerNode(def('Exp'), [tensor([0, 1, 1000], [3])]).outputs[0];
    const values = [...(await exp.data())];
    expect(values[0]).toBe(1);
    expect(values[1]).toBeCloseTo(Math.E, 5);
    expect(values[2]).toBe(Number.POSITIVE_INFINITY);
    const log = lowerNode(def('Log'), [tensor([1, 0], [2])]).outputs[0];
    expect([...(await log.data())]).toEqual([0, Number.NEGATIVE_INFINITY]);
  });

  it('Max reduces a dim (kept with size 1 to broadcast back) or everything', async () => {
    const x = tensor([1, 5, 2, 7, 3, 4], [2, 3]);
    const rows = lowerNode(def('Max'), [x], { dim: -1, keepdim: true }).outputs[0];
    expect([...rows.shape]).toEqual([2, 1]);
    expect([...(await rows.data())]).toEqual([5, 7]);
    const all = lowerNode(def('Max'), [x], { dim: null }).outputs[0];
    expect([...all.shape]).toEqual([]);
    expect([...(await all.data())]).toEqual([7]);
    expect(infer('Max', [f32('N', 10)], { dim: 1, keepdim: false })).toEqual([f32('N')]);
    expect(infer('Max', [f32('N', 10)], { dim: 2 })[0]).toMatchObject({
      message: 'Max: Dimension out of range (expected to be in range of [-2, 1], but got 2)',
    });
  });
});

describe('ClassToken and Select in a graph', () => {
  it('live mode trains the class token: the loss’s gradient reaches it through x[:, 0]', () => {
    const g = new GraphBuilder(catalog);
    const tokens = g.node('Input', { shape: ['N', 5, 8], dtype: 'float32' }, { stem: 'tokens' });
    const labels = g.node('Input', { shape: ['N'], dtype: 'int32' }, { stem: 'labels' });
    const cls = g.apply('ClassToken', tokens, { embed_dim: 8 });
    const logits = g.chain(cls, [
      ['Select', { dim: 1, index: 0 }],
      ['Linear', { in_features: 8, out_features: 3 }],
    ]);
    const loss = g.apply('CrossEntropyLoss', { input: logits, target: labels });
    const doc = g.document({ title: 't', description: 'd', teaches: 't', tags: ['exercise'] });
    const live = new LiveValues(new GraphStore({ catalog, doc }), { symbols: { N: 4 }, intHigh: 3 });
    const backward = live.beginBackward(loss.id);
    if ('status' in backward) throw new Error(backward.reason);
    const grads: (LiveGrad | null)[] = [];
    live.grad$(cls.id).subscribe((x) => grads.push(x));
    backward.run();
    const token = grads[grads.length - 1]?.params.cls_token;
    if (!token) throw new Error('no gradient for cls_token');
    expect(token.shape).toEqual([1, 1, 8]);
    // the token feeds every sample's logits, so its gradient is not zero
    expect(Math.max(...(token.toArray() as number[]).map(Math.abs))).toBeGreaterThan(0);
  });
});
