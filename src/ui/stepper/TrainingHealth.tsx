/**
 * Gradient health and probes on the canvas while training: a badge above every node the last
 * health report flagged (vanishing, exploding, dead ReLUs, saturation, updates too small or
 * too large), with the measures in its title; and when a probe pauses the run, the probe
 * ringed with a card beside it giving why it fired and the tensor it saw.
 */
import { createSignal, For, onCleanup, onMount, Show } from 'solid-js';
import { Portal } from 'solid-js/web';
import type { LayerHealth } from '../../graph/health.ts';
import type { GraphNode, NodeId } from '../../graph/index.ts';
import { statsOf } from '../../graph/stepper.ts';
import { NODE_WIDTH, nodeHeight } from '../canvas/geometry.ts';
import { nodeShownFor, planNodeTitle, scopeOf } from '../canvas/scope.ts';
import type { Editor } from '../state/editor.ts';
import { TensorGrid } from './TensorGrid.tsx';
import type { TrainingWatch } from './training-watch.ts';

/** Flags that mean the gradients themselves are off: the badge is red for these. */
const SEVERE = new Set(['vanishing', 'exploding', 'non_finite']);

export function healthTitle(layer: LayerHealth): string {
  const ratio = (v: number | null) => (v === null ? '—' : v.toExponential(1));
  return [
    ...layer.params.map((p) => `${p.name}: ‖∇‖/‖W‖ ${ratio(p.gradToWeight)}, update ${ratio(p.updateRatio)}`),
    ...(layer.deadFraction === null ? [] : [`dead ReLU units ${(100 * layer.deadFraction).toFixed(0)} %`]),
    ...(layer.saturation === null ? [] : [`saturated ${(100 * layer.saturation).toFixed(0)} %`]),
  ].join('\n');
}

export function TrainingHealthOverlay(props: { editor: Editor; watch: TrainingWatch }) {
  const { editor, watch } = props;
  const [world, setWorld] = createSignal<HTMLElement | null>(null);
  onMount(() => {
    let frame = 0;
    const find = () => {
      const w = document.querySelector<HTMLElement>('.canvas .world');
      if (w) setWorld(w);
      else frame = requestAnimationFrame(find);
    };
    find();
    onCleanup(() => cancelAnimationFrame(frame));
  });

  // a layer inside a composite badges the composite (or, with it open, the inner node itself)
  const scope = scopeOf(editor);
  const shown = (planNode: string) => {
    const id = nodeShownFor(planNode, scope.path());
    return id ? scope.view().node(id) : undefined;
  };
  const flagged = () => {
    const byNode = new Map<NodeId, { node: GraphNode; layers: LayerHealth[] }>();
    for (const layer of watch.health()?.layers ?? []) {
      const node = layer.flags.length ? shown(layer.nodeId) : undefined;
      if (node) byNode.set(node.id, { node, layers: [...(byNode.get(node.id)?.layers ?? []), layer] });
    }
    return [...byNode.values()].map(({ node, layers }) => ({
      node,
      layers,
      flags: [...new Set(layers.flatMap((l) => l.flags))],
    }));
  };
  const probed = () => {
    const hit = watch.probe();
    const node = hit && shown(hit.node);
    return hit && node ? { hit, node } : null;
  };

  return (
    <Show when={world()}>
      {(w) => (
        <Portal mount={w()}>
          <For each={flagged()}>
            {({ node, layers, flags }) => (
              <span
                class="badge health-badge"
                classList={{ severe: flags.some((f) => SEVERE.has(f)) }}
                data-testid="health-badge"
                data-node={node.id}
                data-layers={layers.map((l) => l.nodeId).join(' ')}
                data-flags={flags.join(' ')}
                title={`Gradient health at step ${watch.health()?.step}\n${layers
                  .map((l) =>
                    l.nodeId === [...scope.path(), node.id].join('/')
                      ? healthTitle(l)
                      : `${planNodeTitle(editor.doc().nodes, l.nodeId)}:\n${healthTitle(l)}`,
                  )
                  .join('\n')}`}
                style={{ transform: `translate(${node.position.x}px, ${node.position.y - 24}px)` }}
              >
                ⚠ {flags.join(', ').replaceAll('_', ' ')}
              </span>
            )}
          </For>
          <Show when={probed()}>
            {(p) => (
              <>
                <div
                  class="probe-ring"
                  aria-hidden="true"
                  style={{
                    transform: `translate(${p().node.position.x - 6}px, ${p().node.position.y - 6}px)`,
                    width: `${NODE_WIDTH + 12}px`,
                    height: `${nodeHeight(scope.view().ports(p().node.id)) + 12}px`,
                  }}
                />
                <section
                  class="probe-card"
                  role="dialog"
                  aria-label={`Probe ${planNodeTitle(editor.doc().nodes, p().hit.node)} paused training`}
                  data-testid="probe-hit"
                  data-node={p().hit.node}
                  style={{
                    // below the probe: in a graph drawn left to right, the space there is usually free
                    transform: `translate(${p().node.position.x}px, ${p().node.position.y + nodeHeight(scope.view().ports(p().node.id)) + 14}px)`,
                  }}
                  onPointerDown={(e) => e.stopPropagation()}
                  onWheel={(e) => e.stopPropagation()}
                >
                  <header>
                    <strong>{planNodeTitle(editor.doc().nodes, p().hit.node)} paused training</strong>
                    <button
                      type="button"
                      class="icon-button"
                      aria-label="Close the probe's card"
                      onClick={watch.dismissProbe}
                    >
                      ✕
                    </button>
                  </header>
                  <p data-testid="probe-reason">{p().hit.reason}</p>
                  <TensorGrid value={p().hit.tensor} testid="probe-tensor" />
                  <Show when={p().hit.example}>
                    {(ex) => (
                      <>
                        <p class="muted">example {ex().index} of the batch</p>
                        <TensorGrid
                          value={{
                            shape: ex().shape,
                            size: ex().values.length,
                            values: ex().values,
                            truncated: false,
                            stats: statsOf(ex().values),
                          }}
                          testid="probe-example"
                        />
                      </>
                    )}
                  </Show>
                </section>
              </>
            )}
          </Show>
        </Portal>
      )}
    </Show>
  );
}
