import { BackwardPass } from '../../autograd/backward.ts';
import { scalar } from '../../create.ts';
import { run } from '../../dispatch.ts';
import type { OpName } from '../../ops/index.ts';
import type { Tensor } from '../../tensor.ts';
import { Verdict } from '../compare.ts';
import { fromRef } from '../tensors.ts';
import type { CaseResult, FamilyContext, RefCase, RefTensor } from '../types.ts';

interface Instr {
  op: string;
  out: string;
  a?: string;
  b?: string;
  value?: number;
  exponent?: number;
}

interface AutogradCase extends RefCase {
  inputs: Record<string, RefTensor>;
  program: Instr[];
  backward: { of: string; grad: RefTensor | null }[];
  retain_grad: string[];
  values: Record<string, RefTensor>;
  expected_grads: Record<string, RefTensor>;
}

const binary = new Set(['add', 'sub', 'mul', 'div', 'matmul']);
const unary = new Set(['neg', 'exp', 'log', 'tanh', 'sigmoid', 'relu', 'sum', 'mean']);

function exec(instr: Instr, env: Map<string, Tensor>, backend: FamilyContext['backend']): Tensor {
  const get = (k?: string) => {
    const t = k ? env.get(k) : undefined;
    if (!t) throw new Error(`autograd case refers to unknown value '${k}'`);
    return t;
  };
  if (instr.op === 'const') return scalar(instr.value!, backend);
  if (binary.has(instr.op)) return run(instr.op as OpName, [get(instr.a), get(instr.b)]);
  if (instr.op === 'pow') return run('pow' as OpName, [get(instr.a)], { exponent: instr.exponent } as never);
  if (unary.has(instr.op)) return run(instr.op as OpName, [get(instr.a)]);
  throw new Error(`autograd case uses unknown op '${instr.op}'`);
}

/** Scripted graphs: run the program, the backward calls in order (grads add up), compare. */
export async function runAutogradCase(raw: RefCase, { backend }: FamilyContext): Promise<CaseResult> {
  const c = raw as AutogradCase;
  const env = new Map<string, Tensor>();
  const v = new Verdict();
  try {
    for (const [name, t] of Object.entries(c.inputs))
      env.set(name, fromRef(t, backend).requireGrad().named(name));
    for (const instr of c.program) env.set(instr.out, exec(instr, env, backend).named(instr.out));
    for (const name of c.retain_grad) env.get(name)!.retainGrad();
    for (const call of c.backward) {
      new BackwardPass(env.get(call.of)!, call.grad ? fromRef(call.grad, backend) : null).run();
    }
  } catch (e) {
    const unsupported = /unknown op/.test((e as Error).message);
    return { id: c.id, ok: false, unsupported, message: (e as Error).message };
  }
  for (const [name, want] of Object.entries(c.values)) await v.tensor(`value ${name}`, env.get(name), want);
  for (const [name, want] of Object.entries(c.expected_grads))
    await v.tensor(`grad ${name}`, env.get(name)?.grad, want);
  return v.result(c.id);
}
