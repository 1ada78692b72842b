/** Checks shared by the convolution layers: groups, channels, and a kernel that fits the padded input. */
import { formatDims } from '../shapes.ts';
import type { Dim, FixSuggestion, ShapeIssue } from '../types.ts';
import { fail } from './checks.ts';

/** in/out channels must split evenly into groups (PyTorch's ValueError texts). */
export function groupIssues(
  node: string,
  inChannels: number,
  outChannels: number,
  groups: number,
): ShapeIssue[] {
  if (inChannels % groups !== 0) {
    return fail(
      'groups',
      `${node}: in_channels must be divisible by groups (in_channels=${inChannels}, groups=${groups})`,
    );
  }
  if (outChannels % groups !== 0) {
    return fail(
      'groups',
      `${node}: out_channels must be divisible by groups (out_channels=${outChannels}, groups=${groups})`,
    );
  }
  return [];
}

/** The input's channel dim disagrees with in_channels: PyTorch's message and a fix. */
export function channelIssue(
  weight: Dim[],
  groups: number,
  dims: Dim[],
  expected: number,
  got: Dim,
  param = 'in_channels',
): ShapeIssue[] {
  const fixes: FixSuggestion[] = [
    { label: `Set ${param} to ${got}`, intents: [{ kind: 'setParam', param, value: got }] },
  ];
  return fail(
    param,
    `Given groups=${groups}, weight of size ${formatDims(weight)}, expected input${formatDims(dims)} to have ${expected} channels, but got ${got} channels instead`,
    {
      port: 'input',
      fixes,
      explanation: `${param}=${expected} must equal the input's channel dim, which is ${got}.`,
    },
  );
}

/**
 * A kernel (with dilation) must fit inside the padded input: names kernel_size and its valid
 * range, then PyTorch's own words.
 */
export function kernelFitIssue(padded: number[], reach: number[], kernel: number[]): ShapeIssue[] {
  const axis = padded.findIndex((n, i) => n < reach[i]);
  if (axis < 0) return [];
  const sizes = (xs: number[]) => xs.join(' x ');
  return fail(
    'kernel_size',
    `kernel_size must be at most the padded input size ${sizes(padded)} (with dilation), got ${sizes(kernel)}: ` +
      `Calculated padded input size per channel: (${sizes(padded)}). Kernel size: (${sizes(reach)}). Kernel size can't be greater than actual input size`,
    { port: 'input' },
  );
}
