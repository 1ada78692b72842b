// @vitest-environment happy-dom
/** Autosave's timing: a drag's frames make one write, a long stream still writes, hiding the page writes at once. */
import { createRoot } from 'solid-js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GraphStore } from '../../graph/index.ts';
import { catalog } from '../../nodes/index.ts';
import { createEditor, type Editor } from '../state/editor.ts';
import { AUTOSAVE_MAX_WAIT_MS, AUTOSAVE_QUIET_MS, type Snapshot, startAutosave } from './autosave.ts';

let editor: Editor;
let dispose: () => void;
let written: string[];
let autosave: ReturnType<typeof startAutosave>;

function start(write: (s: Snapshot) => Promise<void> = async (s) => void written.push(s.doc)) {
  autosave = startAutosave(editor, () => ({ doc: editor.doc().meta.title, savedAt: Date.now() }), write);
}

/** One transaction, as one frame of a drag makes. */
function rename(title: string) {
  editor.apply({ kind: 'setMeta', meta: { title } }, { label: 'Rename' });
}

beforeEach(() => {
  vi.useFakeTimers();
  written = [];
  createRoot((d) => {
    dispose = d;
    editor = createEditor(new GraphStore({ catalog }));
  });
});

afterEach(() => {
  autosave.stop();
  dispose();
  vi.useRealTimers();
});

describe('autosave', () => {
  it('writes a burst of transactions once, with the last state, after a quiet moment', async () => {
    start();
    for (let frame = 0; frame < 30; frame++) {
      rename(`frame ${frame}`);
      await vi.advanceTimersByTimeAsync(16);
    }
    expect(written).toEqual([]);
    await vi.advanceTimersByTimeAsync(AUTOSAVE_QUIET_MS);
    expect(written).toEqual(['frame 29']);
  });

  it('keeps writing while transactions never pause, at least every max-wait', async () => {
    start();
    const frames = Math.ceil((2.5 * AUTOSAVE_MAX_WAIT_MS) / 16);
    for (let frame = 0; frame < frames; frame++) {
      rename(`frame ${frame}`);
      await vi.advanceTimersByTimeAsync(16);
    }
    expect(written.length).toBe(2);
    await vi.advanceTimersByTimeAsync(AUTOSAVE_QUIET_MS);
    expect(written.at(-1)).toBe(`frame ${frames - 1}`);
  });

  it('writes at once when flushed or when the page is hidden, and not again for nothing', async () => {
    start();
    rename('flushed');
    await autosave.flush();
    expect(written).toEqual(['flushed']);
    rename('hidden');
    window.dispatchEvent(new Event('pagehide'));
    await vi.advanceTimersByTimeAsync(0);
    expect(written).toEqual(['flushed', 'hidden']);
    await vi.advanceTimersByTimeAsync(AUTOSAVE_MAX_WAIT_MS);
    await autosave.flush();
    expect(written).toEqual(['flushed', 'hidden']);
  });

  it('says once that a write failed, and goes on trying', async () => {
    const notify = vi.spyOn(editor, 'notify');
    let fail = true;
    start(async (s) => {
      if (fail) throw new Error('quota exceeded');
      written.push(s.doc);
    });
    rename('a');
    await autosave.flush();
    rename('b');
    await autosave.flush();
    expect(notify).toHaveBeenCalledTimes(1);
    expect(notify.mock.calls[0][1]).toBe('Autosave failed: quota exceeded');
    fail = false;
    rename('c');
    await autosave.flush();
    expect(written).toEqual(['c']);
  });
});
