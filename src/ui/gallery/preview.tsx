/**
 * A development page for the gallery and the diff view on their own (the end-to-end test
 * screenshots it): /src/ui/gallery/preview.html. `?view=diff` shows a diff of two templates;
 * `?markup=1` adds a template whose strings are markup, to see it rendered as text;
 * `?theme=light` switches the theme; `b=lenet-edited` is LeNet after a user's edits (ReLU for
 * sigmoid, max for average pooling, a wider first convolution, dropout added), the diff of a
 * document with its earlier version.
 */
import { render } from 'solid-js/web';
import { cpuBackend } from '../../engine/index.ts';
import { Trainer } from '../../engine/runtime/train.ts';
import { type GraphDocument, saveDocument } from '../../graph/index.ts';
import { catalog, defaultsOf } from '../../nodes/index.ts';
import { loadBundledTemplates } from '../../templates/browser-loader.ts';
import type { Template } from '../../templates/template.ts';
import { loadDocumentData } from '../../training/feed.ts';
import { compilerFor } from '../../training/session.ts';
import { emptySeries, type RunRecord } from '../persist/runs.ts';
import { appendStep, epochRow } from '../training/series.ts';
import '../theme.css';
import { DiffView } from './DiffView.tsx';
import { Gallery } from './Gallery.tsx';
import { RunDiff } from './RunDiff.tsx';

const params = new URLSearchParams(location.search);
if (params.get('theme') === 'light') document.documentElement.dataset.theme = 'light';
const templates: Template[] = loadBundledTemplates(catalog).flatMap((r) => (r.ok ? [r.template] : []));
if (params.get('markup')) {
  const base = structuredClone(templates.find((t) => t.name === 'mnist_mlp') as Template);
  templates.unshift({
    ...base,
    name: 'markup',
    meta: {
      ...base.meta,
      title: '<img src=x onerror="window.pwned=1">Markup title',
      description: '<script>window.pwned=2</script><b>not bold</b>',
    },
  });
}
const byName = (name: string) => templates.find((t) => t.name === name) as Template;

/** LeNet as someone modernised it: a later version of the same document. */
function editedLenet(): GraphDocument {
  const doc = structuredClone(byName('lenet').doc);
  const swap = (from: string, to: string, params: Record<string, unknown> = {}) => {
    for (const n of doc.nodes.filter((x) => x.type === from)) {
      const def = catalog.get(to);
      n.type = to;
      n.params = { ...(def ? defaultsOf(def) : {}), ...params } as typeof n.params;
    }
  };
  swap('Sigmoid', 'ReLU');
  swap('AvgPool2d', 'MaxPool2d', { kernel_size: [2, 2], stride: [2, 2] });
  const first = doc.nodes.find((n) => n.id === 'node:conv2d');
  const second = doc.nodes.find((n) => n.id === 'node:conv2d_2');
  if (first && second) {
    first.params.out_channels = 16;
    second.params.in_channels = 16;
  }
  const edge = doc.edges.find((e) => e.from.node === 'node:sigmoid_3');
  const hidden = doc.nodes.find((n) => n.id === 'node:sigmoid_3');
  const dropout = catalog.get('Dropout');
  if (edge && hidden && dropout) {
    doc.nodes.push({
      id: 'node:dropout',
      type: 'Dropout',
      params: { ...defaultsOf(dropout), p: 0.5 } as typeof hidden.params,
      position: { x: hidden.position.x + 40, y: hidden.position.y + 90 },
    });
    doc.edges.push({ id: 'edge:dropout', from: edge.from, to: { node: 'node:dropout', port: 'input' } });
    edge.from = { node: 'node:dropout', port: 'output' };
  }
  doc.meta = { ...doc.meta, title: 'LeNet-5, edited' };
  return doc;
}
/** A real run of `doc` in the page (CPU, two epochs), recorded as the training dock records one. */
async function trainRun(doc: GraphDocument, title: string, createdAt: number): Promise<RunRecord> {
  const data = await loadDocumentData(doc, catalog);
  const trainer = new Trainer(compilerFor(doc, catalog), data.feed, cpuBackend, {
    batchSize: data.sampler.batchSize,
    epochs: 2,
    seed: 0,
  });
  const run: RunRecord = {
    id: title,
    title,
    createdAt,
    updatedAt: createdAt,
    doc: saveDocument(doc),
    seed: 0,
    config: { epochs: 2 },
    backend: 'cpu',
    dataset: 'LinearRegressionData',
    status: 'done',
    series: emptySeries(),
    epochs: [],
  };
  while (!trainer.done) {
    const outcome = await trainer.trainStep();
    if (!outcome.ok) break;
    appendStep(run.series, outcome.metrics);
    if (outcome.epochDone) run.epochs.push(epochRow(outcome.epochDone, outcome.metrics.step));
  }
  return run;
}

async function twoRuns(): Promise<[RunRecord, RunRecord]> {
  const plain = structuredClone(byName('linear_regression').doc);
  const heavy = structuredClone(plain);
  const sgd = heavy.nodes.find((n) => n.type === 'SGD');
  if (sgd) sgd.params.momentum = 0.9;
  heavy.meta = { ...heavy.meta, title: 'Linear regression, momentum 0.9' };
  const start = Date.UTC(2026, 0, 1, 9, 0);
  return [await trainRun(plain, 'SGD', start), await trainRun(heavy, 'SGD + momentum', start + 60_000)];
}

const docOf = (name: string) => (name === 'lenet-edited' ? editedLenet() : byName(name).doc);
const opened: string[] = [];
(window as unknown as { galleryOpened: string[] }).galleryOpened = opened;

const root = document.getElementById('gallery') as HTMLElement;
if (params.get('view') === 'runs') {
  void twoRuns().then(([a, b]) => render(() => <RunDiff before={a} after={b} catalog={catalog} />, root));
} else
  render(() => {
    if (params.get('view') === 'diff') {
      return (
        <DiffView
          before={docOf(params.get('a') ?? 'transformer_encoder_post_norm')}
          after={docOf(params.get('b') ?? 'transformer_encoder_pre_norm')}
          catalog={catalog}
        />
      );
    }
    // ?current=<name>: the open graph the cards' "Diff with my graph" compares against
    const current = params.get('current');
    return (
      <Gallery
        templates={templates}
        catalog={catalog}
        onOpen={(doc) => opened.push(doc.meta.title)}
        current={current ? () => docOf(current) : undefined}
      />
    );
  }, root);
