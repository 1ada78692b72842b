/** Which node on screen stands for a node the compiled plan names by its path through composites. */
import { describe, expect, it } from 'vitest';
import type { GraphNode, NodeId } from '../../graph/index.ts';
import { nodeShownFor, planNodeTitle } from './scope.ts';

const open = (...ids: string[]) => ids as NodeId[];

describe('nodeShownFor', () => {
  it('is the node itself at the top level, and the composite holding an inner node', () => {
    expect(nodeShownFor('node:fc1', open())).toBe('node:fc1');
    expect(nodeShownFor('node:block/node:relu', open())).toBe('node:block');
    expect(nodeShownFor('node:a/node:b/node:relu', open())).toBe('node:a');
  });

  it('with composites open, is the inner node on screen, or the nested composite holding it', () => {
    expect(nodeShownFor('node:block/node:relu', open('node:block'))).toBe('node:relu');
    expect(nodeShownFor('node:a/node:b/node:relu', open('node:a'))).toBe('node:b');
    expect(nodeShownFor('node:a/node:b/node:relu', open('node:a', 'node:b'))).toBe('node:relu');
  });

  it('is null for a node outside the open composite, and for the open composite itself', () => {
    expect(nodeShownFor('node:fc2', open('node:block'))).toBeNull();
    expect(nodeShownFor('node:other/node:relu', open('node:block'))).toBeNull();
    expect(nodeShownFor('node:block', open('node:block'))).toBeNull();
  });
});

describe('planNodeTitle', () => {
  const nodes = [
    { id: 'node:fc2', type: 'Linear', params: {}, position: { x: 0, y: 0 } },
    {
      id: 'node:block',
      type: 'Composite',
      label: 'Block',
      params: {},
      position: { x: 0, y: 0 },
      subgraph: {
        nodes: [{ id: 'node:act', type: 'ReLU', params: {}, position: { x: 0, y: 0 } }],
        edges: [],
        inputs: [],
        outputs: [],
      },
    },
  ] as unknown as GraphNode[];

  it('names a node by the titles along its path, and a node no longer there by its id', () => {
    expect(planNodeTitle(nodes, 'node:fc2')).toBe('Linear');
    expect(planNodeTitle(nodes, 'node:block/node:act')).toBe('Block › ReLU');
    expect(planNodeTitle(nodes, 'node:block/node:gone')).toBe('Block › gone');
    expect(planNodeTitle(nodes, 'node:gone')).toBe('gone');
  });
});
