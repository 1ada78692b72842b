/**
 * UI section: the editor in headless Chromium on a 300-node graph; frame times while panning
 * (space-drag) and while dragging a node, driven by pointer events dispatched once per frame.
 * Frames are unthrottled (no vsync cap), so a frame's time is what the work costs.
 */
import { launchBrowser, startApp } from '../test/e2e/harness.ts';
import type { BenchSection, BenchTable } from './measure.ts';

const ROWS = 20;
const CHAIN = 15;

/** 20 rows of Input → (Linear → ReLU) × 7: 300 nodes, 280 edges, laid out on a grid. */
export function benchDocument(): unknown {
  const nodes: unknown[] = [];
  const edges: unknown[] = [];
  for (let r = 0; r < ROWS; r++) {
    for (let c = 0; c < CHAIN; c++) {
      const id = `node:r${r}c${c}`;
      const position = { x: c * 250, y: r * 130 };
      if (c === 0) nodes.push({ id, type: 'Input', params: { shape: ['N', 64] }, position });
      else if (c % 2 === 1)
        nodes.push({ id, type: 'Linear', params: { in_features: 64, out_features: 64 }, position });
      else nodes.push({ id, type: 'ReLU', params: {}, position });
      if (c > 0)
        edges.push({
          id: `edge:r${r}c${c}`,
          from: { node: `node:r${r}c${c - 1}`, port: 'output' },
          to: { node: id, port: 'input' },
        });
    }
  }
  return { format: 'shapeflow.graph', version: 2, meta: { title: 'bench: 300 nodes' }, nodes, edges };
}

/**
 * Runs in the page (as source text: the bundler's helpers do not exist there). Presses on the
 * canvas with space held (pan) or on a node's header (drag), then moves once per frame.
 */
const MEASURE_IN_PAGE = `async (mode, nodeId) => {
  const canvas = document.querySelector('.canvas');
  const target = mode === 'pan' ? canvas : document.querySelector('[data-node-id="' + nodeId + '"] .node-header');
  const r = target.getBoundingClientRect();
  const x0 = r.left + 20;
  const y0 = r.top + 10;
  const ev = (type, x, y) => new PointerEvent(type, { clientX: x, clientY: y, pointerId: 7, button: 0, buttons: 1, bubbles: true, cancelable: true });
  if (mode === 'pan') window.dispatchEvent(new KeyboardEvent('keydown', { code: 'Space', key: ' ' }));
  target.dispatchEvent(ev('pointerdown', x0, y0));
  const deltas = [];
  const work = [];
  const js = [];
  // our JS per frame: the pointermove handlers plus the animation-frame callbacks the page asks
  // for (the drag applies its move in one); this script's own frames use the original
  const raf = window.requestAnimationFrame.bind(window);
  let inFrame = 0;
  window.requestAnimationFrame = (cb) => raf((t) => {
    const s = performance.now();
    cb(t);
    inFrame += performance.now() - s;
  });
  await new Promise((done) => {
    let last = performance.now();
    let start = 0;
    let i = 0;
    // callbacks run in the order they were asked for: 'frame' first, then the controller's
    // own (the drag applies its move in a frame callback), then 'settle', which forces style
    // and layout: frame → settle is the main thread's work for the frame (pan updates on the
    // pointermove itself, so for pan 'start' is reset there)
    const settle = () => {
      document.body.getBoundingClientRect();
      if (i > 10) work.push(performance.now() - start);
    };
    let moveTime = 0;
    const frame = (now) => {
      start = performance.now();
      if (i > 10) {
        deltas.push(now - last);
        js.push(moveTime + inFrame);
      }
      inFrame = 0;
      last = now;
      i++;
      if (i > 250) return done();
      raf(frame);
      // the move arrives between frames, as input does
      setTimeout(() => {
        if (mode === 'pan') start = performance.now();
        const s = performance.now();
        window.dispatchEvent(ev('pointermove', x0 + Math.sin(i / 20) * 200, y0 + Math.cos(i / 25) * 120));
        moveTime = performance.now() - s;
        raf(settle);
      }, 0);
    };
    raf(frame);
  });
  window.requestAnimationFrame = raf;
  window.dispatchEvent(ev('pointerup', x0, y0));
  if (mode === 'pan') window.dispatchEvent(new KeyboardEvent('keyup', { code: 'Space', key: ' ' }));
  return { deltas, work, js };
}`;

interface FrameStats {
  frames: number;
  median: number;
  p95: number;
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

const stats = (xs: number[]): FrameStats => ({
  frames: xs.length,
  median: quantile(xs, 0.5),
  p95: quantile(xs, 0.95),
});

export const uiSection: BenchSection = {
  name: 'ui',
  async run(): Promise<BenchTable> {
    const { server, url } = await startApp();
    const browser = await launchBrowser(['--disable-gpu-vsync', '--disable-frame-rate-limit']);
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
      await page.goto(url);
      await page.waitForSelector('.node');
      const loaded = await page.evaluate(
        `window.shapeflow.store.load(${JSON.stringify(benchDocument())}).ok`,
      );
      if (!loaded) throw new Error('bench document did not load');
      await page.getByRole('button', { name: 'Fit graph in view' }).click();
      await page.waitForFunction(() => document.querySelectorAll('.node').length === 300);

      type Measured = { deltas: number[]; work: number[]; js: number[] };
      // one pointer event per frame; the delta between frames is the frame's cost
      const measure = (mode: 'pan' | 'drag', node = 'node:r3c4') =>
        page.evaluate(
          `(${MEASURE_IN_PAGE})(${JSON.stringify(mode)}, ${JSON.stringify(node)})`,
        ) as Promise<Measured>;
      const zoom = () => page.evaluate('window.shapeflow.editor.viewport().k') as Promise<number>;
      const rendered = () => page.evaluate("document.querySelectorAll('.node').length") as Promise<number>;

      await measure('pan'); // warm-up: JIT, first layout
      const fitZoom = await zoom();
      const pan = await measure('pan');
      const drag = await measure('drag');
      // 100 %: the view around node r3c4 (world 1000, 390); the rest is culled
      await page.evaluate('window.shapeflow.editor.setViewport({ x: -600, y: -90, k: 1 })');
      await page.waitForTimeout(1000);
      const near = await rendered();
      await measure('pan');
      const panNear = await measure('pan');
      const dragNear = await measure('drag');
      const cells = (s: FrameStats) => [s.median.toFixed(2), s.p95.toFixed(2)];
      const row = (name: string, m: Measured) => {
        const frame = stats(m.deltas);
        return [
          name,
          String(frame.frames),
          ...cells(frame),
          ...cells(stats(m.work)),
          ...cells(stats(m.js)),
          frame.p95 < 16 ? 'yes' : 'no',
        ];
      };
      const fit = `whole graph in view, zoom ${fitZoom.toFixed(2)}`;
      const close = `zoom 1, ${near} of 300 nodes rendered`;
      return {
        title: 'UI: editor frame time, 300 nodes / 280 edges (headless Chromium)',
        columns: [
          'gesture',
          'frames',
          'frame median ms',
          'frame p95 ms',
          'main thread median ms',
          'main thread p95 ms',
          'our JS median ms',
          'our JS p95 ms',
          'frame p95 < 16 ms',
        ],
        rows: [
          row(`pan (space-drag), ${fit}`, pan),
          row(`drag a node, ${fit}`, drag),
          row(`pan (space-drag), ${close}`, panNear),
          row(`drag a node, ${close}`, dragNear),
        ],
        notes: [
          'one pointermove per animation frame; vsync and the frame-rate limit off, so a frame lasts as long as its work',
          'frame = time between animation frames (includes raster and compositing, in software on a machine without a GPU)',
          'main thread = our work in the frame: event handling, the store transaction (drag), Solid updates, style and layout',
          "our JS = the pointermove handlers plus the page's animation-frame callbacks (no style, layout or paint)",
          'node drag = one move transaction per frame through the graph store (coalesced into one undo step)',
          'below zoom 0.45 edge labels and port names are not drawn; nodes and edges far outside the view are not rendered',
        ],
      };
    } finally {
      await browser.close();
      await server.close();
    }
  },
};
