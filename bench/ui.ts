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
const MEASURE_IN_PAGE = `async (mode) => {
  const canvas = document.querySelector('.canvas');
  const target = mode === 'pan' ? canvas : document.querySelector('[data-node-id="node:r3c4"] .node-header');
  const r = target.getBoundingClientRect();
  const x0 = r.left + 20;
  const y0 = r.top + 10;
  const ev = (type, x, y) => new PointerEvent(type, { clientX: x, clientY: y, pointerId: 7, button: 0, buttons: 1, bubbles: true, cancelable: true });
  if (mode === 'pan') window.dispatchEvent(new KeyboardEvent('keydown', { code: 'Space', key: ' ' }));
  target.dispatchEvent(ev('pointerdown', x0, y0));
  const deltas = [];
  const work = [];
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
    const frame = (now) => {
      start = performance.now();
      if (i > 10) deltas.push(now - last);
      last = now;
      i++;
      if (i > 250) return done();
      requestAnimationFrame(frame);
      // the move arrives between frames, as input does
      setTimeout(() => {
        if (mode === 'pan') start = performance.now();
        window.dispatchEvent(ev('pointermove', x0 + Math.sin(i / 20) * 200, y0 + Math.cos(i / 25) * 120));
        requestAnimationFrame(settle);
      }, 0);
    };
    requestAnimationFrame(frame);
  });
  window.dispatchEvent(ev('pointerup', x0, y0));
  if (mode === 'pan') window.dispatchEvent(new KeyboardEvent('keyup', { code: 'Space', key: ' ' }));
  return { deltas, work };
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
      await page.waitForFunction(() => document.querySelectorAll('.node').length === 300);

      // one pointer event per frame; the delta between frames is the frame's cost
      const measure = (mode: 'pan' | 'drag') =>
        page.evaluate(`(${MEASURE_IN_PAGE})(${JSON.stringify(mode)})`) as Promise<{
          deltas: number[];
          work: number[];
        }>;

      await measure('pan'); // warm-up: JIT, first layout
      const pan = await measure('pan');
      const drag = await measure('drag');
      const cells = (s: FrameStats) => [s.median.toFixed(2), s.p95.toFixed(2)];
      const row = (name: string, m: { deltas: number[]; work: number[] }) => {
        const frame = stats(m.deltas);
        return [
          name,
          String(frame.frames),
          ...cells(frame),
          ...cells(stats(m.work)),
          frame.p95 < 16 ? 'yes' : 'no',
        ];
      };
      return {
        title: 'UI: editor frame time, 300 nodes / 280 edges (headless Chromium)',
        columns: [
          'gesture',
          'frames',
          'frame median ms',
          'frame p95 ms',
          'main thread median ms',
          'main thread p95 ms',
          'frame p95 < 16 ms',
        ],
        rows: [row('pan (space-drag)', pan), row('drag a node', drag)],
        notes: [
          'one pointermove per animation frame; vsync and the frame-rate limit off, so a frame lasts as long as its work',
          'frame = time between animation frames (includes raster and compositing, in software on a machine without a GPU)',
          'main thread = our work in the frame: event handling, the store transaction (drag), Solid updates, style and layout',
          'node drag = one move transaction per frame through the graph store (coalesced into one undo step)',
        ],
      };
    } finally {
      await browser.close();
      await server.close();
    }
  },
};
