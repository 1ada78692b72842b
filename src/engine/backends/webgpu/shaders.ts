/**
 * WGSL sources from gpu/*.wgsl, loaded the same way everywhere they run: Vite (the browser,
 * vitest) inlines them through `import.meta.glob(..., ?raw)`; plain Node (tsx, the CLI) reads
 * them from disk relative to this file.
 */
export type ShaderSources = ReadonlyMap<string, string>;

function viteSources(): Record<string, string> | null {
  try {
    // Vite rewrites this call at build time; in plain Node `import.meta.glob` is undefined.
    return import.meta.glob('/gpu/*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<
      string,
      string
    >;
  } catch {
    return null;
  }
}

async function diskSources(): Promise<Record<string, string>> {
  // the specifiers are variables so that a browser bundle never tries to resolve node:fs
  const fsName = 'node:fs';
  const fs = (await import(/* @vite-ignore */ fsName)) as typeof import('node:fs');
  const dir = new URL('../../../../gpu/', import.meta.url);
  const files: Record<string, string> = {};
  for (const name of fs.readdirSync(dir)) {
    if (name.endsWith('.wgsl')) files[name] = fs.readFileSync(new URL(name, dir), 'utf8');
  }
  return files;
}

let cached: Promise<ShaderSources> | null = null;

/** Every kernel source by bare name ('matmul' for gpu/matmul.wgsl). */
export function loadShaderSources(): Promise<ShaderSources> {
  cached ??= (async () => {
    const files = viteSources() ?? (await diskSources());
    const byName = new Map<string, string>();
    for (const [path, text] of Object.entries(files)) {
      byName.set(path.replace(/^.*\//, '').replace(/\.wgsl$/, ''), text);
    }
    if (byName.size === 0) throw new Error('WebGPU backend: no WGSL kernels found in gpu/*.wgsl');
    return byName;
  })();
  return cached;
}

/**
 * Expand `//#include name` lines, keep `#if KEY line` lines only where KEY is set (non-zero), drop
 * comments, fill `{{KEY}}` placeholders. A placeholder or condition without a value is an error,
 * so a kernel never compiles with a hole in it.
 */
export function specialise(
  sources: ShaderSources,
  name: string,
  defines: Record<string, string | number>,
): string {
  const text = sources.get(name);
  if (text === undefined) throw new Error(`WebGPU backend: no kernel source gpu/${name}.wgsl`);
  // includes nest (an include may include), each file once
  const seen = new Set<string>([name]);
  const expand = (source: string): string =>
    source.replace(/^\/\/#include (\w+)\s*$/gm, (_, inc: string) => {
      if (seen.has(inc)) return '';
      seen.add(inc);
      const body = sources.get(inc);
      if (body === undefined)
        throw new Error(`WebGPU backend: gpu/${name}.wgsl includes missing gpu/${inc}.wgsl`);
      return expand(body);
    });
  const included = expand(text);
  const conditional = included.replace(/^#if (\w+) (.*)$/gm, (_, key: string, line: string) => {
    const value = defines[key];
    if (value === undefined) throw new Error(`WebGPU backend: gpu/${name}.wgsl needs a value for #if ${key}`);
    return value && value !== '0' ? line : '';
  });
  // comments go first: they may mention placeholders, and the driver need not parse them
  const code = conditional.replace(/\/\/.*$/gm, '');
  return code.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = defines[key];
    if (value === undefined) throw new Error(`WebGPU backend: gpu/${name}.wgsl needs a value for {{${key}}}`);
    return String(value);
  });
}
