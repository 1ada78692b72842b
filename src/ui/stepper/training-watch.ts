/**
 * What the training host reports about gradient health and probes, kept for the canvas: the
 * newest 'health' message (its flags badge the nodes) and the probe that paused the run (its
 * tensor is shown beside it). It listens on every training client the dock creates, through
 * the dock's `createClient` dependency, so the dock's own state stays as it is.
 */
import { type Accessor, batch, createSignal } from 'solid-js';
import type { HealthMessage, ProbeMessage } from '../../training/monitor.ts';
import type { TrainingClient } from '../../training/worker-client.ts';

export interface TrainingWatch {
  /** the newest gradient-health report of the run, null before the first or after a reset */
  health: Accessor<HealthMessage | null>;
  /** the probe that paused the run; cleared when it runs again */
  probe: Accessor<ProbeMessage | null>;
  /** listen to a client's health, probe and state messages */
  listen(client: TrainingClient): void;
  dismissProbe(): void;
}

export function createTrainingWatch(): TrainingWatch {
  const [health, setHealth] = createSignal<HealthMessage | null>(null);
  const [probe, setProbe] = createSignal<ProbeMessage | null>(null);
  return {
    health,
    probe,
    listen(client) {
      client.on('health', (m) => setHealth(m));
      client.on('probe', (m) => setProbe(m));
      client.on('state', (m) => {
        if (m.state === 'running') setProbe(null);
        // a reset or a new session starts from fresh weights: the old report no longer holds
        if (m.state === 'idle' && m.step === 0)
          batch(() => {
            setHealth(null);
            setProbe(null);
          });
      });
    },
    dismissProbe: () => setProbe(null),
  };
}

/** The dock's dependencies, with every client it creates also feeding the watch. */
export function watchingClients<D extends { createClient(): TrainingClient }>(
  deps: D,
  watch: TrainingWatch,
): D {
  return {
    ...deps,
    createClient: () => {
      const client = deps.createClient();
      watch.listen(client);
      return client;
    },
  };
}
