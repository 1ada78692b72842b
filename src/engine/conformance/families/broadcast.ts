import { broadcastShapes, isBroadcastTrap, matmulShape, sameShape } from '../../shape.ts';
import type { CaseResult, RefCase } from '../types.ts';

interface BroadcastCase extends RefCase {
  op: string;
  a: number[];
  b: number[];
  result?: number[];
  error?: string;
  error_kind?: string;
  trap: boolean;
}

/** Shape rules only: result shape, or the error kind and PyTorch's message. */
export function runBroadcastCase(raw: RefCase): CaseResult {
  const c = raw as BroadcastCase;
  const got = c.op === 'matmul' ? matmulShape(c.a, c.b) : broadcastShapes(c.a, c.b, c.op);
  const fail = (message: string): CaseResult => ({ id: c.id, ok: false, message });
  if (c.result) {
    if (got instanceof Error) return fail(`unexpected error: ${got.message}`);
    if (!sameShape(got, c.result)) return fail(`result [${got}], expected [${c.result}]`);
  } else {
    if (!(got instanceof Error)) return fail(`expected an error, got [${got}]`);
    if (got.code !== c.error_kind) return fail(`error kind ${got.code}, expected ${c.error_kind}`);
    if (got.message !== c.error) return fail(`message "${got.message}", expected "${c.error}"`);
  }
  const trap = c.op !== 'matmul' && isBroadcastTrap(c.a, c.b);
  if (trap !== c.trap) return fail(`trap ${trap}, expected ${c.trap}`);
  return { id: c.id, ok: true };
}
