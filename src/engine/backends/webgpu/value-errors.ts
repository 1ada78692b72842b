/**
 * Errors that depend on tensor values, found by kernels while they run (gpu/value_error.wgsl)
 * and raised at the next read, as CUDA raises device-side asserts: the codes kernels report
 * and the PyTorch message each one becomes.
 */
export interface ValueErrorKind {
  op: string;
  message(value: number, extra: number): string;
}

export const VALUE_ERRORS = {
  cross_entropy_target: { op: 'cross_entropy', message: (v: number) => `Target ${v} is out of bounds.` },
  nll_loss_target: { op: 'nll_loss', message: (v: number) => `Target ${v} is out of bounds.` },
  bce_input: { op: 'binary_cross_entropy', message: () => 'all elements of input should be between 0 and 1' },
  embedding_index: {
    op: 'embedding',
    message: (v: number, rows: number) =>
      `index out of range in self (embedding: index ${v}, num_embeddings ${rows})`,
  },
} satisfies Record<string, ValueErrorKind>;

export type ValueErrorName = keyof typeof VALUE_ERRORS;

const names = Object.keys(VALUE_ERRORS) as ValueErrorName[];

/** The code a kernel reports for this error (0 means none). */
export function valueErrorCode(name: ValueErrorName): number {
  return names.indexOf(name) + 1;
}

export function valueErrorKind(code: number): ValueErrorKind | undefined {
  return VALUE_ERRORS[names[code - 1]];
}
