import type { Backend } from './backend.ts';

/** Engine-wide state: default backend, grad recording, the current source label. */
interface EngineState {
  backend: Backend | null;
  gradEnabled: boolean;
  source: string | undefined;
  nextNodeId: number;
}

export const state: EngineState = { backend: null, gradEnabled: true, source: undefined, nextNodeId: 1 };

export function setDefaultBackend(b: Backend): void {
  state.backend = b;
}

export function defaultBackend(): Backend {
  if (!state.backend) throw new Error('no engine backend registered; import src/engine/index.ts');
  return state.backend;
}

/** Run fn without recording ops on the tape (like torch.no_grad()). */
export function noGrad<T>(fn: () => T): T {
  const before = state.gradEnabled;
  state.gradEnabled = false;
  try {
    return fn();
  } finally {
    state.gradEnabled = before;
  }
}

/** Label every op recorded inside fn with `source` (a graph node id), for the stepper. */
export function withSource<T>(source: string, fn: () => T): T {
  const before = state.source;
  state.source = source;
  try {
    return fn();
  } finally {
    state.source = before;
  }
}
