/**
 * Symbol unification (union-find). A symbol bound to a size is that size everywhere; two
 * symbols unified are one. Rebuilt on every inference sweep by replaying each node's
 * recorded constraints in topological order, so incremental and full inference agree.
 */
import type { Dim } from '../nodes/types.ts';

export class SymbolTable {
  private parent = new Map<string, string>();
  private size = new Map<string, number>();
  /** class representative → who bound it to its size (a node id), for explanations */
  private binder = new Map<string, string>();

  private find(s: string): string {
    let root = s;
    for (let p = this.parent.get(root); p !== undefined && p !== root; p = this.parent.get(root)) root = p;
    // path compression keeps later lookups flat
    for (let x = s; x !== root; ) {
      const next = this.parent.get(x) as string;
      this.parent.set(x, root);
      x = next;
    }
    return root;
  }

  /** A number stays; a symbol becomes its bound size, or its class's representative name. */
  resolve(d: Dim): Dim {
    if (typeof d === 'number' || !this.parent.has(d)) return d;
    const root = this.find(d);
    return this.size.get(root) ?? root;
  }

  /** Make a and b equal; false when they are two different sizes. `by` says who asked. */
  unify(a: Dim, b: Dim, by?: string): boolean {
    const ra = this.resolve(a);
    const rb = this.resolve(b);
    if (ra === rb) return true;
    if (typeof ra === 'number' && typeof rb === 'number') return false;
    if (typeof ra === 'string' && typeof rb === 'string') {
      this.parent.set(ra, ra);
      this.parent.set(rb, ra);
      return true;
    }
    const symbol = (typeof ra === 'string' ? ra : rb) as string;
    const value = (typeof ra === 'number' ? ra : rb) as number;
    if (!this.parent.has(symbol)) this.parent.set(symbol, symbol);
    const root = this.find(symbol);
    this.size.set(root, value);
    if (by !== undefined) this.binder.set(root, by);
    return true;
  }

  /** Who bound a symbol to its size (the id given to `unify`), if it has one. */
  boundBy(symbol: string): string | undefined {
    return this.parent.has(symbol) ? this.binder.get(this.find(symbol)) : undefined;
  }

  /** Every symbol that was unified with something, and what it resolves to. */
  bindings(): Map<string, Dim> {
    const out = new Map<string, Dim>();
    for (const s of this.parent.keys()) {
      const r = this.resolve(s);
      if (r !== s) out.set(s, r);
    }
    return out;
  }

  clear(): void {
    this.parent.clear();
    this.binder.clear();
    this.size.clear();
  }
}
