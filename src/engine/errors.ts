/**
 * Typed engine errors. Every failure names the op and the offending argument, with a stable
 * code, so the graph layer can turn it into a diagnostic instead of a stack trace.
 */
export type OpErrorCode =
  | 'shape'
  | 'broadcast'
  | 'batch_broadcast'
  | 'inner_dim'
  | 'rank0'
  | 'attr'
  | 'dtype'
  | 'arity'
  | 'backend'
  | 'value';

export interface DimRef {
  /** which input (0-based) */
  input: number;
  /** which dim of that input (0-based, from the left) */
  dim: number;
}

export class OpError extends Error {
  constructor(
    readonly code: OpErrorCode,
    readonly op: string,
    message: string,
    /** the input dims involved, for highlighting */
    readonly dims: DimRef[] = [],
  ) {
    super(message);
    this.name = 'OpError';
  }
}

/** A shape does not fit the op. `message` is PyTorch's text where PyTorch has one. */
export class ShapeError extends OpError {
  constructor(op: string, message: string, dims: DimRef[] = [], code: OpErrorCode = 'shape') {
    super(code, op, message, dims);
    this.name = 'ShapeError';
  }
}

/** An attribute is missing, of the wrong type or out of range. */
export class AttrError extends OpError {
  constructor(
    op: string,
    readonly attr: string,
    message: string,
  ) {
    super('attr', op, `${op}: ${attr} ${message}`);
    this.name = 'AttrError';
  }
}

export class DTypeError extends OpError {
  constructor(op: string, message: string, input?: number) {
    super('dtype', op, `${op}: ${message}`, input === undefined ? [] : [{ input, dim: -1 }]);
    this.name = 'DTypeError';
  }
}

export function isOpError(x: unknown): x is OpError {
  return x instanceof OpError;
}
