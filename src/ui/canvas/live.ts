/**
 * Live mode's UI slice: on/off, which edges show a preview (all, or toggled one by one), and
 * each node's value on the sample batch, read from the graph layer's `LiveValues.value$`
 * streams as Solid signals. Values follow edits by themselves: the graph layer recomputes what
 * a transaction touched and emits; this only subscribes, it never computes.
 */
import { type Accessor, createSignal } from 'solid-js';
import type { Subscription } from 'rxjs';
import { type EdgeId, type LiveValue, LiveValues, type NodeId } from '../../graph/index.ts';
import type { Editor } from '../state/editor.ts';
import { pathInside } from './scope.ts';

export interface LiveView {
  enabled: Accessor<boolean>;
  setEnabled(on: boolean): void;
  /** previews on every tensor edge (single edges can still be toggled off or on) */
  showAll: Accessor<boolean>;
  setShowAll(on: boolean): void;
  previewShown(edge: EdgeId): boolean;
  togglePreview(edge: EdgeId): void;
  /** a node's live value (undefined while live mode is off) */
  value(node: NodeId): LiveValue | undefined;
}

const views = new WeakMap<Editor['store'], LiveView>();

/**
 * The editor's live slice, made on first use: one per store, so the canvas, the inspector and
 * every composite level share it. A scoped editor (a composite opened) asks for its nodes'
 * values by their paths, which the graph layer computes with their composite.
 */
export function liveViewOf(editor: Editor): LiveView {
  let view = views.get(editor.store);
  if (!view) {
    view = createLiveView(editor);
    views.set(editor.store, view);
  }
  const shared = view;
  return { ...shared, value: (node) => shared.value(pathInside(editor, node) as NodeId) };
}

/** Integer sources are class labels: sample them below the class count a loss expects. */
function labelRange(editor: Editor): number {
  for (const id of editor.nodeIds()) {
    const node = editor.node(id);
    if (!node || editor.catalog.get(node.type)?.group !== 'losses') continue;
    const classes = editor.info(id)?.inputs.input?.dims.at(-1);
    if (typeof classes === 'number' && classes > 1) return classes;
  }
  return 2;
}

function createLiveView(editor: Editor): LiveView {
  const [enabled, setEnabledSignal] = createSignal(false);
  const [showAll, setShowAll] = createSignal(true);
  const [overrides, setOverrides] = createSignal<ReadonlyMap<EdgeId, boolean>>(new Map());
  let live: LiveValues | null = null;
  const signals = new Map<NodeId, Accessor<LiveValue | undefined>>();
  const subscriptions: Subscription[] = [];

  const stop = () => {
    for (const s of subscriptions) s.unsubscribe();
    subscriptions.length = 0;
    signals.clear();
    live?.dispose();
    live = null;
  };

  const value = (id: NodeId): LiveValue | undefined => {
    if (!enabled() || !live) return undefined;
    let signal = signals.get(id);
    if (!signal) {
      const [get, set] = createSignal<LiveValue | undefined>(undefined, { equals: false });
      signal = get;
      signals.set(id, get);
      // value$ replays the current value, then one emission per transaction that recomputed it
      subscriptions.push(live.value$(id).subscribe((v) => set(v)));
    }
    return signal();
  };

  return {
    enabled,
    setEnabled(on) {
      if (on === enabled()) return;
      // symbols take the document's sizes, else N = 4 (the graph layer's default): a small batch
      if (on) live = new LiveValues(editor.store, { intHigh: labelRange(editor) });
      else stop();
      setEnabledSignal(on);
    },
    showAll,
    setShowAll: (on) => {
      setShowAll(on);
      setOverrides(new Map());
    },
    previewShown: (edge) => overrides().get(edge) ?? showAll(),
    togglePreview(edge) {
      const shown = overrides().get(edge) ?? showAll();
      setOverrides((m) => new Map(m).set(edge, !shown));
    },
    value,
  };
}
