/**
 * Templates that demonstrate the training runtime in the editor: a run that goes wrong on
 * purpose, so the NaN/Inf guard has something to point at.
 */
import type { GraphDocument } from '../../graph/index.ts';
import type { Catalog } from '../../nodes/index.ts';
import { GraphBuilder, type Params } from '../build.ts';

const linear = (fin: number, fout: number): Params => ({ in_features: fin, out_features: fout, bias: true });

/** Far past any stable step size for this MLP: the weights blow up within a few steps. */
const EXPLODING_LR = 1e5;

/** The MNIST MLP (784-128-64-10) with SGD at lr = 1e5: training goes non-finite within a few steps. */
export function explodingLr(c: Catalog): GraphDocument {
  const g = new GraphBuilder(c);
  const mnist = g.node('MNIST', { batch_size: 64 }, { label: 'MNIST digits', stem: 'mnist' });
  const logits = g.chain(mnist.out('x'), [
    ['Flatten'],
    ['Linear', linear(784, 128), 'fc1'],
    ['ReLU'],
    ['Linear', linear(128, 64), 'fc2'],
    ['ReLU'],
    ['Linear', linear(64, 10), 'fc3 (logits)'],
  ]);
  const loss = g.apply('CrossEntropyLoss', { input: logits, target: mnist.out('y') }, {}, 'loss');
  g.apply('SGD', { loss }, { lr: EXPLODING_LR }, 'SGD, lr = 1e5 (far too large)');
  return g.document({
    title: 'Exploding learning rate',
    description:
      'The MNIST MLP (784-128-64-10) trained by SGD with a learning rate of 100,000: each step overshoots so far that the weights, then the logits, grow without bound.',
    teaches:
      'Press Run: within a few steps a value turns non-finite, training pauses and the canvas points at the node where it first appeared, with its input statistics. Lower the learning rate (0.1 trains well) or clip the gradients, then Reset.',
    tags: ['exercise', 'training', 'debugging', 'learning-rate', 'mnist'],
    symbols: { N: 64 },
  });
}

export const trainingDemoTemplates: Record<string, (c: Catalog) => GraphDocument> = {
  exploding_lr: explodingLr,
};
