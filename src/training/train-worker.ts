/**
 * The Web Worker entry: the training runtime off the main thread. Start it with
 * `createTrainingWorker()` from worker-client.ts, never directly.
 */
import { type TrainCommand, TrainingHost } from './train-host.ts';

const scope = globalThis as unknown as {
  postMessage(m: unknown): void;
  onmessage: ((e: MessageEvent<TrainCommand>) => void) | null;
};
const host = new TrainingHost((m) => scope.postMessage(m));
scope.onmessage = (e) => {
  void host.handle(e.data);
};
