/**
 * Keyboard shortcuts, declared once: the key handler and the `?` sheet both read this list.
 * `mod` is Cmd on macOS and Ctrl elsewhere.
 */
import { isTyping } from '../controllers/pointer.ts';

export interface Shortcut {
  /** shown in the sheet, e.g. 'mod+Z' */
  keys: string;
  description: string;
  matches(e: KeyboardEvent): boolean;
  run(e: KeyboardEvent): void;
  /** handled by the browser's own copy/cut/paste events (they reach the system clipboard) */
  native?: boolean;
}

const mod = (e: KeyboardEvent) => e.ctrlKey || e.metaKey;
const key = (e: KeyboardEvent, k: string) => e.key.toLowerCase() === k;

export interface ShortcutActions {
  undo(): void;
  redo(): void;
  copy(): void;
  paste(): void;
  cut(): void;
  duplicate(): void;
  remove(): void;
  selectAll(): void;
  group(): void;
  ungroup(): void;
  quickAdd(): void;
  focusSearch(): void;
  help(): void;
  tidy(): void;
  fit(): void;
  live(): void;
  escape(): void;
  nudge(dx: number, dy: number): void;
}

export function shortcutList(a: ShortcutActions): Shortcut[] {
  const arrows: Record<string, [number, number]> = {
    arrowleft: [-1, 0],
    arrowright: [1, 0],
    arrowup: [0, -1],
    arrowdown: [0, 1],
  };
  return [
    { keys: 'mod+Z', description: 'Undo', matches: (e) => mod(e) && !e.shiftKey && key(e, 'z'), run: a.undo },
    {
      keys: 'mod+Shift+Z / mod+Y',
      description: 'Redo',
      matches: (e) => mod(e) && ((e.shiftKey && key(e, 'z')) || key(e, 'y')),
      run: a.redo,
    },
    {
      keys: 'mod+C',
      description: 'Copy the selection (as JSON)',
      matches: (e) => mod(e) && key(e, 'c'),
      run: a.copy,
      native: true,
    },
    { keys: 'mod+X', description: 'Cut', matches: (e) => mod(e) && key(e, 'x'), run: a.cut, native: true },
    {
      keys: 'mod+V',
      description: 'Paste',
      matches: (e) => mod(e) && key(e, 'v'),
      run: a.paste,
      native: true,
    },
    { keys: 'mod+D', description: 'Duplicate', matches: (e) => mod(e) && key(e, 'd'), run: a.duplicate },
    { keys: 'mod+A', description: 'Select all', matches: (e) => mod(e) && key(e, 'a'), run: a.selectAll },
    {
      keys: 'mod+G',
      description: 'Group into a composite',
      matches: (e) => mod(e) && !e.shiftKey && key(e, 'g'),
      run: a.group,
    },
    {
      keys: 'mod+Shift+G',
      description: 'Ungroup',
      matches: (e) => mod(e) && e.shiftKey && key(e, 'g'),
      run: a.ungroup,
    },
    {
      keys: 'Delete / Backspace',
      description: 'Delete the selection',
      matches: (e) => !mod(e) && (e.key === 'Delete' || e.key === 'Backspace'),
      run: a.remove,
    },
    {
      keys: '/',
      description: 'Quick-add a node at the cursor',
      matches: (e) => e.key === '/' && !mod(e),
      run: a.quickAdd,
    },
    {
      keys: 'mod+K',
      description: 'Search the palette',
      matches: (e) => mod(e) && key(e, 'k'),
      run: a.focusSearch,
    },
    {
      keys: 'Shift+L',
      description: 'Tidy (auto layout)',
      matches: (e) => e.shiftKey && !mod(e) && key(e, 'l'),
      run: a.tidy,
    },
    {
      keys: 'L',
      description: 'Live mode on/off (a sample batch, previews on the edges)',
      matches: (e) => !e.shiftKey && !mod(e) && !e.altKey && key(e, 'l'),
      run: a.live,
    },
    {
      keys: 'Shift+1',
      description: 'Fit the graph in view',
      matches: (e) => e.shiftKey && e.code === 'Digit1',
      run: a.fit,
    },
    {
      keys: 'Arrows (Shift: ×10)',
      description: 'Move the selected nodes',
      matches: (e) => !mod(e) && e.key.toLowerCase() in arrows,
      run: (e) => {
        const [dx, dy] = arrows[e.key.toLowerCase()];
        const step = e.shiftKey ? 40 : 4;
        a.nudge(dx * step, dy * step);
      },
    },
    {
      keys: 'Space + drag',
      description: 'Pan (also middle-drag; wheel or pinch zooms)',
      matches: () => false,
      run: () => {},
    },
    {
      keys: 'Shift + click / drag',
      description: 'Add to the selection / box-select',
      matches: () => false,
      run: () => {},
    },
    {
      keys: 'Enter on a port',
      description: 'Pick it, then Enter on another port to connect',
      matches: () => false,
      run: () => {},
    },
    { keys: '?', description: 'Show this sheet', matches: (e) => e.key === '?', run: a.help },
    {
      keys: 'Escape',
      description: 'Close, clear the selection',
      matches: (e) => e.key === 'Escape',
      run: a.escape,
    },
  ];
}

/** Runs the first matching shortcut; returns whether one ran. */
export function handleShortcut(list: Shortcut[], e: KeyboardEvent): boolean {
  if (isTyping(e)) return false;
  const hit = list.find((s) => !s.native && s.matches(e));
  if (!hit) return false;
  e.preventDefault();
  hit.run(e);
  return true;
}
