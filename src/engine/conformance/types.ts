import type { Backend } from '../backend.ts';

/** A tensor as the reference files write it. */
export interface RefTensor {
  shape: number[];
  data: number[];
  dtype?: 'int64' | 'float64' | 'bool';
}

export interface RefCase {
  id: string;
  [key: string]: unknown;
}

export interface RefFamily {
  family: string;
  cases: RefCase[];
}

export interface CaseResult {
  id: string;
  ok: boolean;
  /** the family or op is not implemented: counts as failed, listed as such */
  unsupported?: boolean;
  /** what differed, for the report */
  message?: string;
  maxAbs?: number;
  maxRel?: number;
}

export interface FamilyContext {
  backend: Backend;
}

/** Runs one case of a family. May be async (GPU readback). */
export type FamilyRunner = (c: RefCase, ctx: FamilyContext) => CaseResult | Promise<CaseResult>;

export const TOLERANCE = { rtol: 1e-4, atol: 1e-5 };
