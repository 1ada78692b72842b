import { describe, expect, it } from 'vitest';
import { createNode, GraphStore, loadDocument, type NodeId } from '../../src/graph/index.ts';
import { catalog } from '../../src/nodes/index.ts';
import { defaultParams } from '../../src/nodes/params.ts';
import type { ShapeIssue, TensorType } from '../../src/nodes/types.ts';
import { concrete } from './harness.ts';

const t = (...dims: number[]): TensorType => ({ dtype: 'float32', dims });

/** The issues a node type's rule reports for these params on these inputs. */
function issuesOf(
  type: string,
  params: Record<string, unknown>,
  inputs: (TensorType | null)[],
): ShapeIssue[] {
  const def = catalog.get(type);
  if (!def) throw new Error(`no node type ${type}`);
  const result = def.infer(inputs, { ...defaultParams(def.params), ...params } as never, concrete);
  return result.filter((r): r is ShapeIssue => 'severity' in r);
}

/** Exactly one error, whose message names the param and says what range is valid. */
function expectParamError(issues: ShapeIssue[], param: string, range: RegExp) {
  expect(issues, 'an error').toHaveLength(1);
  expect(issues[0].severity).toBe('error');
  expect(issues[0].message).toContain(param);
  expect(issues[0].message).toMatch(range);
}

describe('bad params give a diagnostic naming the param and its valid range', () => {
  it('negative sizes', () => {
    expectParamError(
      issuesOf('Conv1d', { out_channels: -2 }, [t(2, 1, 10)]),
      'out_channels',
      /positive integer, got -2/,
    );
    expectParamError(
      issuesOf('LSTM', { hidden_size: -1 }, [t(5, 2, 10)]),
      'hidden_size',
      /positive integer, got -1/,
    );
    expectParamError(
      issuesOf('Embedding', { embedding_dim: -4 }, [{ dtype: 'int32', dims: [2] }]),
      'embedding_dim',
      /positive integer/,
    );
    expectParamError(
      issuesOf('ConvTranspose2d', { padding: -1 }, [t(1, 8, 4, 4)]),
      'padding',
      /non-negative integer/,
    );
  });

  it('stride 0', () => {
    expectParamError(issuesOf('Conv1d', { stride: 0 }, [t(2, 1, 10)]), 'stride', /positive integer, got 0/);
    expectParamError(
      issuesOf('MaxPool2d', { stride: [0, 1] }, [t(1, 1, 8, 8)]),
      'stride',
      /expected null or a positive integer or a list of 2/,
    );
    expectParamError(
      issuesOf('AvgPool2d', { stride: 0 }, [t(1, 1, 8, 8)]),
      'stride',
      /positive integer or a list of 2 of them, got 0/,
    );
    expectParamError(
      issuesOf('ConvTranspose2d', { stride: 0 }, [t(1, 8, 4, 4)]),
      'stride',
      /positive integer/,
    );
  });

  it('a kernel larger than the padded input', () => {
    const conv = issuesOf('Conv1d', { kernel_size: 5, padding: 0 }, [t(2, 1, 3)]);
    expectParamError(conv, 'kernel_size', /at most the padded input size 3 .*got 5/);
    expect(conv[0].message).toContain("Kernel size can't be greater than actual input size");
    expect(issuesOf('Conv1d', { kernel_size: 5, padding: 1 }, [t(2, 1, 3)])).toEqual([]);
    expectParamError(
      issuesOf('MaxPool2d', { kernel_size: 5, stride: 1 }, [t(1, 1, 3, 3)]),
      'kernel_size',
      /at most the padded input size 3 x 3/,
    );
    expectParamError(
      issuesOf('AvgPool2d', { kernel_size: [2, 9] }, [t(1, 1, 8, 8)]),
      'kernel_size',
      /at most the padded input size/,
    );
    expectParamError(
      issuesOf('PatchEmbedding', { patch_size: 16 }, [t(1, 1, 8, 8)]),
      'patch_size',
      /at most the image size 8, got 16/,
    );
    const conv2d = issuesOf('Conv2d', { kernel_size: 7 }, [t(1, 1, 5, 5)]);
    expect(conv2d[0].code).toBe('kernel_size');
  });

  it('heads that do not divide the model width', () => {
    const mha = issuesOf('MultiHeadAttention', { embed_dim: 32, num_heads: 5 }, [t(10, 2, 32)]);
    expectParamError(mha, 'num_heads', /a divisor of embed_dim=32, got 5/);
    expect(mha[0].explanation).toBe('embed_dim must be divisible by num_heads');
  });

  it('other ranges: pool padding, groups, padding_idx, output_padding, dropout p', () => {
    expectParamError(
      issuesOf('MaxPool2d', { kernel_size: 2, padding: 2 }, [t(1, 1, 8, 8)]),
      'padding',
      /at most half the \(dilated\) kernel size, ≤ 1, 1/,
    );
    expectParamError(
      issuesOf('GroupNorm', { num_groups: 4, num_channels: 6 }, [t(2, 6, 3)]),
      'num_groups',
      /a divisor of num_channels=6, got 4/,
    );
    expectParamError(
      issuesOf('Embedding', { num_embeddings: 5, padding_idx: 5 }, [{ dtype: 'int32', dims: [2] }]),
      'padding_idx',
      /in \[-5, 4\]/,
    );
    expectParamError(
      issuesOf('ConvTranspose2d', { stride: 1, output_padding: 1 }, [t(1, 8, 4, 4)]),
      'output_padding',
      /smaller than either stride or dilation/,
    );
    expectParamError(issuesOf('Dropout', { p: 1.5 }, [t(2, 3)]), 'p', /a number >= 0 and <= 1, got 1.5/);
  });

  it('reach the node in the editor as an error diagnostic on that node', () => {
    const store = new GraphStore();
    const tx = store.apply([
      {
        kind: 'addNode',
        node: createNode(catalog, 'Input', { id: 'node:x', params: { shape: ['N', 10, 32] } }),
      },
      {
        kind: 'addNode',
        node: createNode(catalog, 'MultiHeadAttention', {
          id: 'node:mha',
          params: { embed_dim: 32, num_heads: 6 },
        }),
      },
      {
        kind: 'connect',
        edge: {
          id: 'edge:1',
          from: { node: 'node:x', port: 'output' },
          to: { node: 'node:mha', port: 'query' },
        },
      },
    ]);
    expect(tx).not.toBeInstanceOf(Error);
    const info = store.typeOf('node:mha' as NodeId);
    expect(info?.status).toBe('error');
    expect(info?.diagnostics[0]).toMatchObject({
      severity: 'error',
      code: 'param_range',
      nodeId: 'node:mha',
    });
    expect(info?.diagnostics[0].message).toBe(
      'MultiHeadAttention: num_heads must be a divisor of embed_dim=32, got 6',
    );
  });

  it('are refused by edits and by loading, naming the param', () => {
    const store = new GraphStore();
    store.apply([{ kind: 'addNode', node: createNode(catalog, 'Conv1d', { id: 'node:c' }) }]);
    const refused = store.apply([{ kind: 'setParam', id: 'node:c' as NodeId, name: 'stride', value: 0 }]);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toMatch(/stride.*expected a positive integer, got 0/);
    const doc = {
      format: 'shapeflow.graph',
      version: 2,
      meta: { title: 't' },
      nodes: [{ id: 'node:c', type: 'Conv1d', params: { kernel_size: -3 }, position: { x: 0, y: 0 } }],
      edges: [],
    };
    const loaded = loadDocument(JSON.stringify(doc), catalog);
    expect(loaded.ok).toBe(false);
    if (!loaded.ok)
      expect(loaded.errors[0]).toMatchObject({
        path: 'nodes[0].params.kernel_size',
        message: 'expected a positive integer, got -3',
      });
  });
});
