/**
 * NumPy's `.npz` format, for the data train.py reads: a zip of `.npy` files, each a small
 * header (magic, version 1.0, a Python dict literal with dtype, order and shape) and the raw
 * little-endian values. `np.load('data.npz')` reads it with nothing but NumPy.
 */
import { zipSync } from 'fflate';

export interface NpyArray {
  data: Float32Array | Int32Array;
  shape: readonly number[];
}

const MAGIC = [0x93, ...new TextEncoder().encode('NUMPY'), 1, 0];
/** NumPy aligns the data to 64 bytes (the header is padded with spaces up to a newline). */
const ALIGN = 64;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** One array as a `.npy` file. */
export function encodeNpy(array: NpyArray): Uint8Array {
  const count = array.shape.reduce((n, d) => n * d, 1);
  if (count !== array.data.length)
    throw new Error(`npy: shape [${array.shape}] holds ${count} values, the data has ${array.data.length}`);
  const descr = array.data instanceof Int32Array ? '<i4' : '<f4';
  const shape = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const fixed = MAGIC.length + 2;
  header += ' '.repeat((ALIGN - ((fixed + header.length + 1) % ALIGN)) % ALIGN);
  header += '\n';
  const out = new Uint8Array(fixed + header.length + array.data.length * 4);
  out.set(MAGIC);
  const view = new DataView(out.buffer);
  view.setUint16(MAGIC.length, header.length, true);
  out.set(new TextEncoder().encode(header), fixed);
  const values = new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength);
  if (LITTLE_ENDIAN) out.set(values, fixed + header.length);
  else {
    const isInt = array.data instanceof Int32Array;
    array.data.forEach((v, i) => {
      const at = fixed + header.length + 4 * i;
      if (isInt) view.setInt32(at, v, true);
      else view.setFloat32(at, v, true);
    });
  }
  return out;
}

/** Named arrays as one compressed `.npz` (the names are np.load's keys). */
export function encodeNpz(arrays: Record<string, NpyArray>): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (const [name, array] of Object.entries(arrays)) files[`${name}.npy`] = encodeNpy(array);
  return zipSync(files, { level: 1 });
}
