/** The engine's public face: tensors, ops, autograd, backends. Knows nothing of graphs or UI. */
import { cpuBackend } from './backends/cpu/index.ts';
import { state, setDefaultBackend } from './context.ts';

if (!state.backend) setDefaultBackend(cpuBackend);

export { cpuBackend };
export type { Backend, BackendName } from './backend.ts';
export { defaultBackend, noGrad, setDefaultBackend, withSource } from './context.ts';
export { astype, fill, ones, scalar, scalarLike, tensor, toBackend, zeros } from './create.ts';
export { applyOp, getOp, inferOp, run, runAll } from './dispatch.ts';
export { AttrError, DTypeError, isOpError, OpError, ShapeError } from './errors.ts';
export type { OpDef, OpKind } from './op.ts';
export { type AttrsOf, type OpName, opRegistry } from './ops/index.ts';
export { Rng } from './random.ts';
export { broadcastShapes, isBroadcastTrap, matmulShape } from './shape.ts';
export {
  type DType,
  type FloatDType,
  floatTypeOf,
  isFloat,
  type Shape,
  Tensor,
  type TensorMeta,
} from './tensor.ts';
export {
  BackwardPass,
  type BackwardStep,
  backward,
  type Root,
  type Accumulation,
} from './autograd/backward.ts';
