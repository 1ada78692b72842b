import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RefFamily } from './types.ts';

/** Every *.json family file in dir (or dir/cases), in name order. Node only. */
export function loadFamilies(dir: string): RefFamily[] {
  const casesDir = statSync(join(dir, 'cases'), { throwIfNoEntry: false })?.isDirectory()
    ? join(dir, 'cases')
    : dir;
  return readdirSync(casesDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const parsed = JSON.parse(readFileSync(join(casesDir, f), 'utf8')) as RefFamily;
      if (typeof parsed.family !== 'string' || !Array.isArray(parsed.cases)) {
        throw new Error(`${f}: not a reference family file (expected {"family": ..., "cases": [...]})`);
      }
      return parsed;
    });
}
