import { BackwardPass, type Root } from '../../autograd/backward.ts';
import { applyOp } from '../../dispatch.ts';
import { isOpError } from '../../errors.ts';
import { opRegistry } from '../../ops/index.ts';
import type { Tensor } from '../../tensor.ts';
import { Verdict } from '../compare.ts';
import { fromRef } from '../tensors.ts';
import type { CaseResult, FamilyContext, RefCase, RefTensor } from '../types.ts';

interface OpCase extends RefCase {
  op: string;
  attrs: Record<string, unknown>;
  inputs: (RefTensor & { name: string; requires_grad: boolean })[];
  output: RefTensor;
  grad_output?: RefTensor;
  grads?: Record<string, RefTensor>;
  extra_outputs?: Record<string, RefTensor>;
  extra_grad_outputs?: Record<string, RefTensor>;
  state_after?: Record<string, RefTensor>;
}

/**
 * `ops` and `losses` cases: forward through the registry op of the same name, then the
 * vector-Jacobian product via a backward pass seeded with grad_output (and the extra outputs'
 * upstream gradients). Inputs are matched to the op's inputs by name, so optional inputs
 * that a case leaves out stay null.
 */
export async function runOpCase(raw: RefCase, { backend }: FamilyContext): Promise<CaseResult> {
  const c = raw as OpCase;
  const op = (opRegistry as Record<string, (typeof opRegistry)[keyof typeof opRegistry]>)[c.op];
  if (!op) return { id: c.id, ok: false, unsupported: true, message: `op '${c.op}' not implemented` };
  if (!op.composite && !backend.supports(op)) {
    return { id: c.id, ok: false, unsupported: true, message: `op '${c.op}' has no ${backend.name} kernel` };
  }
  const byName = new Map(c.inputs.map((i) => [i.name, i]));
  const tensors = new Map<string, Tensor>();
  const inputs: (Tensor | null)[] = op.variadic
    ? c.inputs.map((i) => tensors.set(i.name, fromRef(i, backend)).get(i.name)!)
    : op.inputs.map((spec) => {
        const ref = byName.get(spec.name);
        if (!ref) return null;
        const t = fromRef(ref, backend);
        tensors.set(spec.name, t);
        return t;
      });
  const unknown = op.variadic ? [] : c.inputs.filter((i) => !op.inputs.some((s) => s.name === i.name));
  if (unknown.length) {
    return { id: c.id, ok: false, message: `case input '${unknown[0].name}' is not an input of ${c.op}` };
  }
  for (const i of c.inputs) if (i.requires_grad) tensors.get(i.name)!.requireGrad();

  const v = new Verdict();
  let outputs: Tensor[];
  try {
    outputs = applyOp(op, inputs, c.attrs);
  } catch (e) {
    return { id: c.id, ok: false, message: isOpError(e) ? e.message : `crashed: ${(e as Error).stack}` };
  }
  const names = op.outputs ?? ['output'];
  const outputNamed = (name: string) => outputs[names.indexOf(name)];
  await v.tensor('output', outputs[0], c.output);
  for (const [name, want] of Object.entries(c.extra_outputs ?? {}))
    await v.tensor(name, outputNamed(name), want);
  for (const [name, want] of Object.entries(c.state_after ?? {}))
    await v.tensor(name, outputNamed(name), want);

  if (c.grads && Object.keys(c.grads).length && c.grad_output) {
    try {
      const roots: Root[] = [{ tensor: outputs[0], grad: fromRef(c.grad_output, backend) }];
      for (const [name, g] of Object.entries(c.extra_grad_outputs ?? {})) {
        roots.push({ tensor: outputNamed(name), grad: fromRef(g, backend) });
      }
      new BackwardPass(roots.filter((r) => r.tensor?.requiresGrad)).run();
    } catch (e) {
      return { id: c.id, ok: false, message: `backward: ${isOpError(e) ? e.message : (e as Error).stack}` };
    }
    for (const [name, want] of Object.entries(c.grads))
      await v.tensor(`grad ${name}`, tensors.get(name)?.grad, want);
  }
  return v.result(c.id);
}
