/**
 * Which parameters an optimizer updates: a comma-separated list of layer names (labels or
 * node ids) with `*` wildcards, matched against the owner of each parameter ('fc1' owns
 * 'fc1.weight' and 'node:fc1/bias'). An empty list selects every parameter upstream of the loss.
 */
const escapeRegExp = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

export function parameterGroup(spec: string): (paramName: string) => boolean {
  const patterns = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => new RegExp(`^${escapeRegExp(s).replace(/\*/g, '.*')}$`));
  if (patterns.length === 0) return () => true;
  return (name) => {
    const owners = [name];
    // every prefix that ends before a separator names an owner: 'a.b.weight' → 'a', 'a.b'
    for (let i = 0; i < name.length; i++)
      if (name[i] === '.' || name[i] === '/') owners.push(name.slice(0, i));
    return owners.some((o) => patterns.some((re) => re.test(o)));
  };
}
