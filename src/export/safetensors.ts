/**
 * The safetensors file format (huggingface/safetensors): an 8-byte little-endian header length,
 * a JSON header naming each tensor's dtype, shape and byte range, then the raw little-endian
 * data. Only float32 (`F32`) is written: every Shapeflow parameter is float32.
 */

export interface NamedTensor {
  name: string;
  shape: readonly number[];
  data: Float32Array;
}

const F32_BYTES = 4;

/** Encode tensors (in the given order) and optional string metadata as one safetensors file. */
export function encodeSafetensors(
  tensors: readonly NamedTensor[],
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    const count = t.shape.reduce((n, d) => n * d, 1);
    if (count !== t.data.length) {
      throw new Error(`safetensors: tensor '${t.name}' has shape [${t.shape}] but ${t.data.length} values`);
    }
    if (t.name in header) throw new Error(`safetensors: tensor name '${t.name}' appears twice`);
    header[t.name] = {
      dtype: 'F32',
      shape: [...t.shape],
      data_offsets: [offset, offset + count * F32_BYTES],
    };
    offset += count * F32_BYTES;
  }
  // the format pads the header with spaces so the data starts 8-byte aligned
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors) {
    for (const v of t.data) {
      view.setFloat32(at, v, true);
      at += F32_BYTES;
    }
  }
  return out;
}

/** Decode a safetensors file written by `encodeSafetensors` (F32 tensors only). */
export function decodeSafetensors(bytes: Uint8Array): {
  tensors: NamedTensor[];
  metadata: Record<string, string>;
} {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const base = 8 + headerLength;
  const tensors: NamedTensor[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (info.dtype !== 'F32')
      throw new Error(`safetensors: tensor '${name}' has dtype ${info.dtype}; only F32 is read`);
    const [start, end] = info.data_offsets;
    const data = new Float32Array((end - start) / F32_BYTES);
    for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(base + start + i * F32_BYTES, true);
    tensors.push({ name, shape: info.shape, data });
  }
  const metadata = (header.__metadata__ ?? {}) as unknown as Record<string, string>;
  return { tensors, metadata };
}
