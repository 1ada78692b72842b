/** Runs elk layout off the main thread: one request in, one result (or error text) out. */
import { computeLayout, type LayoutRequest } from './elk.ts';

self.onmessage = async (e: MessageEvent<{ id: number; request: LayoutRequest }>) => {
  const { id, request } = e.data;
  try {
    self.postMessage({ id, result: await computeLayout(request) });
  } catch (err) {
    self.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
};
