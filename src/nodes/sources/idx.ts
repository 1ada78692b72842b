/**
 * The IDX file format of MNIST and Fashion-MNIST (gzipped or raw): a magic number
 * (0, 0, a type code, the number of dims), one big-endian uint32 per dim, then the values,
 * big-endian. Every way a file can be malformed gives a message naming the file.
 */
import { gunzipSync } from 'fflate';

export interface IdxArray {
  dims: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

export class IdxFormatError extends Error {
  constructor(
    readonly file: string,
    what: string,
  ) {
    super(`${file}: ${what}`);
    this.name = 'IdxFormatError';
  }
}

const TYPES: Record<number, { name: string; bytes: number }> = {
  8: { name: 'unsigned byte', bytes: 1 },
  9: { name: 'signed byte', bytes: 1 },
  11: { name: 'short', bytes: 2 },
  12: { name: 'int', bytes: 4 },
  13: { name: 'float', bytes: 4 },
  14: { name: 'double', bytes: 8 },
};

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');

/** Decompress when the bytes are gzip (1f 8b), else return them as they are. */
export function maybeGunzip(bytes: Uint8Array, file: string): Uint8Array {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (e) {
    throw new IdxFormatError(
      file,
      `looks gzipped (starts with 1f 8b) but does not decompress: ${(e as Error).message}`,
    );
  }
}

/** Parse an IDX file (gzipped or raw). */
export function parseIdx(raw: Uint8Array, file: string): IdxArray {
  const bytes = maybeGunzip(raw, file);
  if (bytes.length < 4)
    throw new IdxFormatError(
      file,
      `is ${bytes.length} bytes long, too short for an IDX header (4 bytes at least)`,
    );
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new IdxFormatError(
      file,
      `is not an IDX file: it should start with 00 00 <type> <dims>, it starts with ${hex(bytes.subarray(0, 4))}`,
    );
  }
  const type = TYPES[bytes[2]];
  if (!type)
    throw new IdxFormatError(
      file,
      `has unknown IDX type code 0x${bytes[2].toString(16).padStart(2, '0')} (expected 08, 09, 0b, 0c, 0d or 0e)`,
    );
  const ndims = bytes[3];
  if (ndims === 0) throw new IdxFormatError(file, 'declares 0 dims');
  const headerSize = 4 + 4 * ndims;
  if (bytes.length < headerSize)
    throw new IdxFormatError(
      file,
      `ends inside its header: ${ndims} dims need ${headerSize} bytes, the file has ${bytes.length}`,
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const want = count * type.bytes;
  const have = bytes.length - headerSize;
  if (have !== want) {
    throw new IdxFormatError(
      file,
      `header says ${dims.join('×')} ${type.name} values (${want} bytes of data), the file holds ${have} bytes after the header${have < want ? ' (truncated?)' : ''}`,
    );
  }
  const body = headerSize;
  switch (bytes[2]) {
    case 0x08:
      return { dims, data: bytes.slice(body, body + want) };
    case 0x09:
      return { dims, data: new Int8Array(bytes.slice(body, body + want).buffer) };
    case 0x0b:
      return { dims, data: Int16Array.from({ length: count }, (_, i) => view.getInt16(body + 2 * i, false)) };
    case 0x0c:
      return { dims, data: Int32Array.from({ length: count }, (_, i) => view.getInt32(body + 4 * i, false)) };
    case 0x0d:
      return {
        dims,
        data: Float32Array.from({ length: count }, (_, i) => view.getFloat32(body + 4 * i, false)),
      };
    default:
      return {
        dims,
        data: Float64Array.from({ length: count }, (_, i) => view.getFloat64(body + 8 * i, false)),
      };
  }
}

/** Write an IDX file (unsigned bytes or other types), e.g. for tests and exports. */
export function encodeIdx(dims: number[], data: ArrayLike<number>, typeCode = 0x08): Uint8Array {
  const type = TYPES[typeCode];
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + data.length * type.bytes);
  const view = new DataView(out.buffer);
  out[2] = typeCode;
  out[3] = dims.length;
  for (const [i, d] of dims.entries()) view.setUint32(4 + 4 * i, d, false);
  for (let i = 0; i < data.length; i++) {
    const at = header + i * type.bytes;
    if (typeCode === 0x08) out[at] = data[i];
    else if (typeCode === 0x09) view.setInt8(at, data[i]);
    else if (typeCode === 0x0b) view.setInt16(at, data[i], false);
    else if (typeCode === 0x0c) view.setInt32(at, data[i], false);
    else if (typeCode === 0x0d) view.setFloat32(at, data[i], false);
    else view.setFloat64(at, data[i], false);
  }
  return out;
}
