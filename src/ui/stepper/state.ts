/**
 * Backward mode's UI state: the stepper model from the graph layer, its current view and
 * whether the document changed since the forward pass. Written only through these actions.
 */
import { type Accessor, createSignal } from 'solid-js';
import { type GradcheckReport, gradcheckGraph } from '../../graph/gradcheck.ts';
import { healthReport, type LayerHealth, samplesFromStepper } from '../../graph/health.ts';
import type { GraphDocument, NodeId } from '../../graph/index.ts';
import { type BackwardStepper, StepperError, type StepView } from '../../graph/stepper.ts';
import type { Editor } from '../state/editor.ts';
import { createSampleStepper, type SampleChoice } from './sample.ts';

export interface BackwardMode {
  open: Accessor<boolean>;
  view: Accessor<StepView | null>;
  error: Accessor<string | null>;
  /** the graph changed after the forward pass: the steps describe the old graph */
  stale: Accessor<boolean>;
  batch: Accessor<number>;
  setBatch(n: number): void;
  /** the whole batch (null) or one example of it, for the next forward pass */
  sample: Accessor<SampleChoice>;
  setSample(s: SampleChoice): void;
  /** what the current steps run on: the batch size and the example, as of the last forward pass */
  stepped: Accessor<{ batch: number; sample: SampleChoice; sources: number } | null>;
  lossValue(): number | null;
  /** the last gradient check of the whole graph (finite differences vs autograd) */
  gradcheck: Accessor<GradcheckReport | null>;
  checkGradients(): void;
  /** gradient health of every layer, once the pass has reached its last step */
  health: Accessor<LayerHealth[] | null>;
  toggle(): void;
  close(): void;
  /** run the forward pass on a sample batch and stand at the loss */
  start(): void;
  next(): void;
  previous(): void;
  nextOver(): void;
  previousOver(): void;
}

/** The class count the loss's logits carry, so sampled labels are valid classes. */
function classCount(editor: Editor, doc: GraphDocument): number {
  for (const n of doc.nodes) {
    if (editor.catalog.get(n.type)?.group !== 'losses') continue;
    const dims = editor.info(n.id as NodeId)?.inputs.input?.dims;
    const last = dims?.[dims.length - 1];
    if (typeof last === 'number' && last > 1) return last;
  }
  return 2;
}

export function createBackwardMode(editor: Editor): BackwardMode {
  const [open, setOpen] = createSignal(false);
  const [view, setView] = createSignal<StepView | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [stale, setStale] = createSignal(false);
  const [batch, setBatchSignal] = createSignal(4);
  const [sample, setSample] = createSignal<SampleChoice>(null);
  const [stepped, setStepped] = createSignal<{ batch: number; sample: SampleChoice; sources: number } | null>(
    null,
  );
  const [gradcheck, setGradcheck] = createSignal<GradcheckReport | null>(null);
  const [health, setHealth] = createSignal<LayerHealth[] | null>(null);
  let stepper: BackwardStepper | null = null;

  let checked: GraphDocument | null = null;
  editor.store.doc$.subscribe((doc) => {
    if (stepper && doc !== stepper.doc) setStale(true);
    // a gradient check speaks of the graph it ran on
    if (checked && doc !== checked) setGradcheck(null);
  });

  const move = (f: (s: BackwardStepper) => StepView) => {
    if (!stepper) return;
    const view = f(stepper);
    setView(view);
    if (view.index === view.total - 1 && !health())
      setHealth(healthReport(samplesFromStepper(stepper)).layers);
  };

  const sampleOptions = (doc: GraphDocument) => ({
    symbols: { ...doc.meta.symbols, N: batch() },
    intHigh: classCount(editor, doc),
  });

  const checkGradients = () => {
    const doc = editor.doc();
    try {
      // a few coordinates per tensor keep it interactive on larger graphs
      setGradcheck(gradcheckGraph(doc, editor.catalog, { ...sampleOptions(doc), maxCoordinates: 8 }));
      checked = doc;
      setError(null);
    } catch (e) {
      setGradcheck(null);
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  const start = () => {
    const doc = editor.doc();
    const made = createSampleStepper(doc, editor.catalog, sampleOptions(doc), sample());
    if (made instanceof StepperError) {
      stepper = null;
      setView(null);
      setError(made.message);
      return;
    }
    stepper = made;
    const sources = doc.nodes.filter((n) => editor.catalog.get(n.type)?.group === 'sources').length;
    setStepped({ batch: batch(), sample: sample(), sources });
    setHealth(null);
    setError(null);
    setStale(false);
    setView(made.view());
  };

  return {
    open,
    view,
    error,
    stale,
    batch,
    setBatch: (n) => {
      const size = Math.max(1, Math.min(256, Math.trunc(n) || 1));
      setBatchSignal(size);
      // the chosen example must be one of the batch
      const chosen = sample();
      if (chosen !== null && chosen >= size) setSample(size - 1);
    },
    sample,
    stepped,
    setSample: (s) => setSample(s === null ? null : Math.max(0, Math.min(batch() - 1, Math.trunc(s)))),
    lossValue: () => stepper?.lossValue ?? null,
    gradcheck,
    checkGradients,
    health,
    toggle: () => setOpen((o) => !o),
    close: () => setOpen(false),
    start,
    next: () => move((s) => s.next()),
    previous: () => move((s) => s.previous()),
    nextOver: () => move((s) => s.nextOver()),
    previousOver: () => move((s) => s.previousOver()),
  };
}
