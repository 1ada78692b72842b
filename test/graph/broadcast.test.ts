import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createNode, type GraphDocument, inferShapes, type NodeId } from '../../src/graph/index.ts';
import { type BroadcastExplanation, catalog } from '../../src/nodes/index.ts';

interface BroadcastCase {
  id: string;
  op: 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'matmul';
  a: number[];
  b: number[];
  result?: number[];
  error?: string;
  error_kind?: string;
  trap: boolean;
}

const cases: BroadcastCase[] = JSON.parse(readFileSync('test/reference/cases/broadcast.json', 'utf8')).cases;
const nodeType = { add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div', maximum: 'Maximum', matmul: 'MatMul' };

/** Two Input nodes feeding one binary node: a → port a, b → port b. */
function twoInputs(op: BroadcastCase['op'], a: number[], b: number[]): GraphDocument {
  const nodes = [
    createNode(catalog, 'Input', { id: 'node:a', params: { shape: a } }),
    createNode(catalog, 'Input', { id: 'node:b', params: { shape: b } }),
    createNode(catalog, nodeType[op], { id: 'node:op' }),
  ];
  const edges = (['a', 'b'] as const).map((port) => ({
    id: `edge:${port}` as const,
    from: { node: `node:${port}` as NodeId, port: 'output' },
    to: { node: 'node:op' as NodeId, port },
  }));
  return { format: 'shapeflow.graph', version: 2, meta: { title: op }, nodes, edges };
}

describe('the reference broadcast cases through the graph (two Inputs → op)', () => {
  it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const inference = inferShapes(twoInputs(c.op, c.a, c.b), catalog);
    const node = inference.nodes.get('node:op');
    if (c.result) {
      expect(node?.outputs.output?.dims).toEqual(c.result);
      const trap = node?.diagnostics.find((d) => d.code === 'broadcast_trap');
      expect(!!trap).toBe(c.trap);
      if (trap) {
        expect(trap.severity).toBe('warning');
        expect((trap.explanation as BroadcastExplanation).result).toEqual(c.result);
      }
    } else {
      expect(node?.status).toBe('error');
      const [d] = node?.diagnostics ?? [];
      expect(d.message).toBe(c.error);
      expect(d.code).toBe(c.error_kind);
      expect(d.edgeId).toBe('edge:b');
    }
  });

  it('explains a broadcast error with both shapes right-aligned and the dim marked', () => {
    const inference = inferShapes(twoInputs('add', [2, 3], [4]), catalog);
    const [d] = inference.nodes.get('node:op')?.diagnostics ?? [];
    const explanation = d.explanation as BroadcastExplanation;
    expect(explanation.rows).toEqual([
      { label: 'a', dims: [2, 3] },
      { label: 'b', dims: [null, 4] },
    ]);
    expect(explanation.column).toBe(1);
    expect(explanation.text.split('\n').slice(0, 3)).toEqual(['a:  2 3', 'b:    4', '      ^']);
  });

  it('explains the (N) − (N,1) trap as a warning with the N×N result', () => {
    const inference = inferShapes(twoInputs('sub', [3], [3, 1]), catalog);
    const node = inference.nodes.get('node:op');
    expect(node?.status).toBe('warning');
    expect(node?.outputs.output?.dims).toEqual([3, 3]);
    const [d] = node?.diagnostics ?? [];
    expect(d.code).toBe('broadcast_trap');
    expect(d.port).toBe('a');
    expect(d.edgeId).toBe('edge:a');
    expect((d.explanation as BroadcastExplanation).text).toContain('3x3 matrix');
  });
});
