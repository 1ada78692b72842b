/**
 * Palette search over the catalog as it is (groups, aliases, docs are read from the node
 * declarations, never a hand list). An exact alias ("fc", "bn", "ce") ranks with an exact
 * name, so typing a short alias and Enter adds what people mean.
 */
import type { AnyNodeDef, Catalog } from '../../nodes/index.ts';

function score(def: AnyNodeDef, q: string): number {
  const name = def.type.toLowerCase();
  const aliases = def.aliases.map((a) => a.toLowerCase());
  if (name === q) return 0;
  if (aliases.includes(q)) return 1;
  if (name.startsWith(q)) return 2;
  if (aliases.some((a) => a.startsWith(q))) return 3;
  if (name.includes(q)) return 4;
  if (aliases.some((a) => a.includes(q))) return 5;
  if (def.group.toLowerCase().startsWith(q)) return 6;
  return def.doc.toLowerCase().includes(q) ? 7 : -1;
}

/** Node types matching a query, best first (ties keep catalog order). */
export function searchCatalog(catalog: Catalog, query: string): AnyNodeDef[] {
  const q = query.trim().toLowerCase();
  if (!q) return [...catalog.all];
  return catalog.all
    .map((def, i) => ({ def, i, s: score(def, q) }))
    .filter((x) => x.s >= 0)
    .sort((a, b) => a.s - b.s || a.i - b.i)
    .map((x) => x.def);
}

/** The alias that matched a query, to show why a result is there ("fc → Linear"). */
export function matchedAlias(def: AnyNodeDef, query: string): string | undefined {
  const q = query.trim().toLowerCase();
  if (!q || def.type.toLowerCase().includes(q)) return undefined;
  return def.aliases.find((a) => a.toLowerCase().includes(q));
}

/** "activations" → "Activations" */
export function groupTitle(group: string): string {
  return group.charAt(0).toUpperCase() + group.slice(1).replace(/_/g, ' ');
}
