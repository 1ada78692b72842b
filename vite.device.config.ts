/**
 * One-file Node bundle of the device bench (bench/device-main.ts) for the lent GPU machine,
 * which has no Node modules: everything is inlined (the WGSL kernels too, through Vite's
 * import.meta.glob) but the `webgpu` package, whose native Dawn binary travels beside it.
 */
import { defineConfig, type Plugin } from 'vite';

/** The bench's data is synthetic: MNIST's 37 MB of digits stay home (an empty module instead). */
const withoutMnistDigits: Plugin = {
  name: 'without-mnist-digits',
  enforce: 'pre',
  resolveId: (id) => (/mnist\/src\/digits\/\d\.json$/.test(id) ? '\0no-mnist-digits' : null),
  load: (id) => (id === '\0no-mnist-digits' ? 'export default { data: [] };' : null),
};

export default defineConfig({
  plugins: [withoutMnistDigits],
  build: {
    ssr: 'bench/device-main.ts',
    outDir: '.device/bundle',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    rollupOptions: { external: ['webgpu'], output: { entryFileNames: 'device-bench.mjs' } },
  },
  ssr: { noExternal: true, external: ['webgpu'] },
});
