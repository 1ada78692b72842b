// @vitest-environment happy-dom
/** The gallery and the diff view on the real templates: cards, search, filters, forks, text safety. */
import { render } from 'solid-js/web';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GraphDocument } from '../../graph/index.ts';
import { catalog } from '../../nodes/index.ts';
import { loadBundledTemplates } from '../../templates/browser-loader.ts';
import type { Template } from '../../templates/template.ts';
import { DiffView } from './DiffView.tsx';
import { Gallery } from './Gallery.tsx';

const templates: Template[] = loadBundledTemplates(catalog).flatMap((r) => (r.ok ? [r.template] : []));
const byName = (name: string) => templates.find((t) => t.name === name) as Template;

let dispose: (() => void) | undefined;
afterEach(() => {
  dispose?.();
  dispose = undefined;
  document.body.innerHTML = '';
});

function mount(
  list: readonly Template[],
  onOpen: (doc: GraphDocument, t: Template) => void = () => {},
  current?: () => GraphDocument,
): HTMLElement {
  const root = document.createElement('div');
  document.body.append(root);
  dispose = render(
    () => <Gallery templates={list} catalog={catalog} onOpen={onOpen} current={current} />,
    root,
  );
  return root;
}

const cards = (root: HTMLElement) =>
  [...root.querySelectorAll<HTMLElement>('.gallery-card')].map((c) => c.dataset.template);

function type(input: HTMLInputElement, text: string): void {
  input.value = text;
  input.dispatchEvent(new Event('input', { bubbles: true }));
}

describe('the template gallery', () => {
  it('shows every template as a card with a thumbnail of its graph, models first', () => {
    const root = mount(templates);
    expect(cards(root)).toHaveLength(templates.length);
    const resnet = root.querySelector('[data-template="resnet18"]') as HTMLElement;
    expect(resnet.querySelectorAll('svg rect')).toHaveLength(byName('resnet18').doc.nodes.length);
    expect(resnet.querySelectorAll('svg line')).toHaveLength(byName('resnet18').doc.edges.length);
    expect(resnet.textContent).toContain('ResNet-18');
    const kinds = cards(root).map((n) => byName(n as string).meta.tags[0]);
    expect(kinds.indexOf('exercise')).toBeGreaterThan(kinds.lastIndexOf('model'));
  });

  it('searches, and filters by kind and by a clicked tag', () => {
    const root = mount(templates);
    type(root.querySelector('.gallery-search') as HTMLInputElement, 'broadcasting');
    expect(cards(root)).toContain('broadcasting_trap');
    expect(cards(root)).not.toContain('resnet18');
    type(root.querySelector('.gallery-search') as HTMLInputElement, 'zzzz-nothing');
    expect(root.querySelector('.gallery-empty')?.textContent).toContain('zzzz-nothing');
    type(root.querySelector('.gallery-search') as HTMLInputElement, '');
    const exercises = [...root.querySelectorAll<HTMLButtonElement>('.gallery-kinds button')].find(
      (b) => b.textContent === 'Exercises',
    );
    exercises?.click();
    expect(cards(root).every((n) => byName(n as string).meta.tags[0] === 'exercise')).toBe(true);
    [...root.querySelectorAll<HTMLButtonElement>('.gallery-kinds button')]
      .find((b) => b.textContent === 'All')
      ?.click();
    const attention = [...root.querySelectorAll<HTMLButtonElement>('.gallery-tag')].find(
      (b) => b.textContent === '#attention',
    );
    attention?.click();
    expect(cards(root).length).toBeGreaterThan(0);
    expect(cards(root).every((n) => byName(n as string).meta.tags.includes('attention'))).toBe(true);
  });

  it('opening a card hands over a fork: editing it leaves the template untouched', () => {
    let opened: GraphDocument | undefined;
    const root = mount(templates, (doc) => (opened = doc));
    const before = JSON.stringify(byName('lenet').doc);
    (root.querySelector('[data-template="lenet"] .gallery-open') as HTMLButtonElement).click();
    expect(opened).toEqual(byName('lenet').doc);
    opened!.nodes.pop();
    opened!.meta.title = 'mine';
    expect(JSON.stringify(byName('lenet').doc)).toBe(before);
  });

  it('renders markup in a template’s strings as text', () => {
    const evil = structuredClone(byName('mnist_mlp'));
    evil.name = 'evil';
    evil.meta = {
      ...evil.meta,
      title: '<img src=x onerror="globalThis.pwned=1">Title',
      description: '<script>globalThis.pwned=2</script><b>bold</b>',
      teaches: '<a href="javascript:alert(1)">click</a>',
      tags: ['model', '<i>tag</i>'],
    };
    const root = mount([evil]);
    const card = root.querySelector('.gallery-card') as HTMLElement;
    expect(card.querySelector('img, script, b, i, a')).toBeNull();
    expect(card.querySelector('h3')?.textContent).toBe('<img src=x onerror="globalThis.pwned=1">Title');
    expect(card.textContent).toContain('<script>globalThis.pwned=2</script><b>bold</b>');
    expect(card.textContent).toContain('#<i>tag</i>');
    expect((globalThis as { pwned?: number }).pwned).toBeUndefined();
  });

  it('diffs a template against the open graph, then goes back to the cards', () => {
    const mine = structuredClone(byName('lenet').doc);
    mine.nodes.find((n) => n.id === 'node:conv2d')!.params.out_channels = 8;
    mine.nodes.find((n) => n.id === 'node:conv2d_2')!.params.in_channels = 8;
    const root = mount(templates, undefined, () => mine);
    const card = root.querySelector('[data-template="lenet"]') as HTMLElement;
    (card.querySelector('.gallery-diff') as HTMLButtonElement).click();
    expect(root.querySelector('.gallery-grid')).toBeNull();
    expect(root.querySelector('.diff-summary')?.textContent).toBe(
      '2 nodes changed, 3 output shapes changed.',
    );
    expect(root.textContent).toContain('~ node:conv2d.out_channels: 6 → 8');
    (root.querySelector('.gallery-compare-bar button') as HTMLButtonElement).click();
    expect(cards(root)).toHaveLength(templates.length);
  });

  it('offers no diff when it has no open graph to compare with', () => {
    const root = mount(templates);
    expect(root.querySelector('.gallery-diff')).toBeNull();
  });

  it('plots the optimizer paths of the SGD-vs-momentum card: trained, one path per optimizer', async () => {
    const root = mount(templates);
    const card = root.querySelector('[data-template="sgd_vs_momentum"]') as HTMLElement;
    expect(root.querySelector('[data-template="lenet"] .gallery-plot')).toBeNull();
    const button = card.querySelector('.gallery-plot') as HTMLButtonElement;
    button.click();
    await vi.waitFor(() => expect(card.querySelectorAll('.trajectory-path')).toHaveLength(2));
    const paths = [...card.querySelectorAll<SVGGElement>('.trajectory-path')];
    // the start and 30 steps
    expect(paths.map((p) => p.dataset.points)).toEqual(['31', '31']);
    expect(card.querySelector('figcaption')?.textContent).toContain(
      'SGD with momentum 0.5, lr 0.4: ends at (',
    );
    button.click();
    expect(card.querySelector('.trajectory')).toBeNull();
  });
});

describe('the diff view', () => {
  it('marks removed nodes on the left, added and changed ones on the right, and lists shape changes', () => {
    const before = structuredClone(byName('mnist_mlp').doc);
    const after = structuredClone(before);
    after.nodes.find((n) => n.id === 'node:fc1')!.params.out_features = 256;
    after.nodes.find((n) => n.id === 'node:fc2')!.params.in_features = 256;
    after.nodes = after.nodes.filter((n) => n.id !== 'node:relu2');
    after.edges = after.edges.filter((e) => e.from.node !== 'node:relu2' && e.to.node !== 'node:relu2');
    after.edges.push({
      id: 'edge:skip',
      from: { node: 'node:fc2', port: 'output' },
      to: { node: 'node:fc3', port: 'input' },
    });
    const root = document.createElement('div');
    document.body.append(root);
    dispose = render(() => <DiffView before={before} after={after} catalog={catalog} />, root);
    const [left, right] = [...root.querySelectorAll('svg')];
    expect([...left.querySelectorAll('.mark-removed')].map((r) => r.getAttribute('data-node'))).toEqual([
      'node:relu2',
    ]);
    // fc1 and fc2 changed params; fc3 gets a new input edge
    expect([...right.querySelectorAll('.mark-changed')].map((r) => r.getAttribute('data-node'))).toEqual([
      'node:fc1',
      'node:fc2',
      'node:fc3',
    ]);
    const text = root.textContent ?? '';
    expect(text).toContain('− node:relu2');
    expect(text).toContain('~ node:fc1.out_features: 128 → 256');
    expect(text).toContain('node:fc1.output [N, 128] → [N, 256]');
  });

  it('sums the diff up in one line, keys its marks, and folds a long list', () => {
    const root = document.createElement('div');
    document.body.append(root);
    dispose = render(
      () => <DiffView before={byName('resnet18').doc} after={byName('densenet').doc} catalog={catalog} />,
      root,
    );
    const summary = root.querySelector('.diff-summary')?.textContent ?? '';
    expect(summary).toMatch(/^\d+ nodes added, \d+ nodes removed, .*edges added/);
    expect([...root.querySelectorAll('.diff-key')].map((k) => k.textContent?.split(' ')[0])).toEqual([
      'added',
      'removed',
      'changed',
    ]);
    const changes = root.querySelector('.diff-lists > div') as HTMLElement;
    expect(changes.querySelector(':scope > ul.diff-changes')?.children).toHaveLength(40);
    expect(changes.querySelector('details summary')?.textContent).toMatch(/^Show all \d+$/);
    // hovering a marked node says which node it is
    expect(root.querySelector('.mark-added title')?.textContent).toMatch(/ · .* \(added\)$/);
  });

  it('says so when two documents do not differ', () => {
    const root = document.createElement('div');
    document.body.append(root);
    const doc = byName('lenet').doc;
    dispose = render(() => <DiffView before={doc} after={structuredClone(doc)} catalog={catalog} />, root);
    expect(root.querySelector('.diff-summary')?.textContent).toBe('No structural differences.');
    expect(root.querySelector('.diff-lists')).toBeNull();
  });
});
