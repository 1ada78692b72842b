/**
 * Undo and redo stacks of record ops. Consecutive transactions with the same coalesce key (one
 * drag, one slider scrub) merge into a single undo step.
 */
import { invertOps, type RecordOp } from './edits.ts';

export interface HistoryEntry {
  label: string;
  /** the ops as applied, oldest first; undo applies their inverse */
  ops: RecordOp[];
  coalesce?: string;
}

export class History {
  private undoStack: HistoryEntry[] = [];
  private redoStack: HistoryEntry[] = [];
  /** after seal(), the next transaction starts a new step even with the same coalesce key */
  private sealed = true;

  constructor(readonly limit = 500) {}

  get canUndo(): boolean {
    return this.undoStack.length > 0;
  }

  get canRedo(): boolean {
    return this.redoStack.length > 0;
  }

  /** What undo would undo now ("Move"), for an Edit menu. */
  get nextUndoLabel(): string | undefined {
    return this.undoStack[this.undoStack.length - 1]?.label;
  }

  get nextRedoLabel(): string | undefined {
    return this.redoStack[this.redoStack.length - 1]?.label;
  }

  /** Labels of the undo steps, most recent last. */
  get undoLabels(): string[] {
    return this.undoStack.map((e) => e.label);
  }

  get redoLabels(): string[] {
    return this.redoStack.map((e) => e.label).reverse();
  }

  record(entry: HistoryEntry): void {
    if (entry.ops.length === 0) return;
    this.redoStack = [];
    const top = this.undoStack[this.undoStack.length - 1];
    if (!this.sealed && top && entry.coalesce !== undefined && top.coalesce === entry.coalesce) {
      top.ops = [...top.ops, ...entry.ops];
    } else {
      this.undoStack.push({ ...entry, ops: [...entry.ops] });
      if (this.undoStack.length > this.limit) this.undoStack.shift();
    }
    this.sealed = entry.coalesce === undefined;
  }

  /** Ends the current gesture: the next transaction is a new undo step. */
  seal(): void {
    this.sealed = true;
  }

  /** The ops that undo the last step (already moved to the redo stack), or null. */
  takeUndo(): { label: string; ops: RecordOp[] } | null {
    const entry = this.undoStack.pop();
    if (!entry) return null;
    this.redoStack.push(entry);
    this.sealed = true;
    return { label: entry.label, ops: invertOps(entry.ops) };
  }

  /** The ops that redo the last undone step (moved back to the undo stack), or null. */
  takeRedo(): { label: string; ops: RecordOp[] } | null {
    const entry = this.redoStack.pop();
    if (!entry) return null;
    this.undoStack.push(entry);
    this.sealed = true;
    return { label: entry.label, ops: entry.ops };
  }

  clear(): void {
    this.undoStack = [];
    this.redoStack = [];
    this.sealed = true;
  }

  /** Both stacks as plain data (autosave keeps them across reloads). */
  snapshot(): { undo: HistoryEntry[]; redo: HistoryEntry[] } {
    const copy = (e: HistoryEntry): HistoryEntry => ({ label: e.label, ops: [...e.ops] });
    return { undo: this.undoStack.map(copy), redo: this.redoStack.map(copy) };
  }

  /** Put back stacks from `snapshot()`, for the document they were taken with. */
  restore(stacks: { undo: HistoryEntry[]; redo: HistoryEntry[] }): void {
    this.undoStack = stacks.undo.slice(-this.limit);
    this.redoStack = [...stacks.redo];
    this.sealed = true;
  }
}
