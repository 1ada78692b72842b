import { sameShape } from '../shape.ts';
import type { Tensor } from '../tensor.ts';
import { TOLERANCE } from './types.ts';

export interface Mismatch {
  ok: boolean;
  maxAbs: number;
  maxRel: number;
  message?: string;
}

/** |got − want| ≤ atol + rtol·|want| everywhere, NaN matching NaN and ±Inf matching itself. */
export function compareValues(
  what: string,
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  tol = TOLERANCE,
): Mismatch {
  if (got.length !== want.length) {
    return {
      ok: false,
      maxAbs: Infinity,
      maxRel: Infinity,
      message: `${what}: ${got.length} values, expected ${want.length}`,
    };
  }
  let maxAbs = 0;
  let maxRel = 0;
  let worst = -1;
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    if (Number.isNaN(w) && Number.isNaN(g)) continue;
    if (!Number.isFinite(w) && g === w) continue;
    const abs = Math.abs(g - w);
    const rel = abs / Math.max(Math.abs(w), 1e-30);
    if (!(abs <= tol.atol + tol.rtol * Math.abs(w)) && worst < 0) worst = i;
    if (!(abs <= maxAbs)) maxAbs = abs;
    if (abs > tol.atol && !(rel <= maxRel)) maxRel = rel;
  }
  if (worst >= 0) {
    return {
      ok: false,
      maxAbs,
      maxRel,
      message: `${what}[${worst}]: got ${got[worst]}, expected ${want[worst]}`,
    };
  }
  return { ok: true, maxAbs, maxRel };
}

export function compareShape(what: string, got: readonly number[], want: readonly number[]): Mismatch | null {
  if (sameShape(got, want)) return null;
  return {
    ok: false,
    maxAbs: Infinity,
    maxRel: Infinity,
    message: `${what}: shape [${got}], expected [${want}]`,
  };
}

/** Accumulates several comparisons into one case verdict. */
export class Verdict {
  ok = true;
  maxAbs = 0;
  maxRel = 0;
  messages: string[] = [];

  add(m: Mismatch | null): void {
    if (!m) return;
    this.ok &&= m.ok;
    this.maxAbs = Math.max(this.maxAbs, m.maxAbs);
    this.maxRel = Math.max(this.maxRel, m.maxRel);
    if (m.message) this.messages.push(m.message);
  }

  fail(message: string): void {
    this.ok = false;
    this.messages.push(message);
  }

  /** compare a tensor with a reference tensor: shape, then values */
  async tensor(
    what: string,
    got: Tensor | null | undefined,
    want: { shape: number[]; data: number[] },
  ): Promise<void> {
    if (!got) return this.fail(`${what}: missing`);
    const s = compareShape(what, got.shape, want.shape);
    if (s) return this.add(s);
    this.add(compareValues(what, await got.data(), want.data));
  }

  result(id: string) {
    return {
      id,
      ok: this.ok,
      maxAbs: this.maxAbs,
      maxRel: this.maxRel,
      message: this.messages.length ? this.messages.slice(0, 3).join('; ') : undefined,
    };
  }
}
