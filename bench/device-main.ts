/**
 * Entry of the device bundle (scripts/device-bench.sh): the device section alone, with tfjs's
 * gradients registered the way its union package does (a bundle resolves the imports Node
 * cannot; after tfjs-core itself, whose flags they read), printed as `npm run bench` prints it.
 */
import { deviceSection } from './device.ts';
import { formatTable } from './measure.ts';

await import('@tensorflow/tfjs-core');
await import('@tensorflow/tfjs-core/dist/register_all_gradients');
console.log(formatTable(await deviceSection.run()));
