// The safetensors file format (https://huggingface.co/docs/safetensors):
// u64 little-endian header length, a JSON header naming every tensor with its
// dtype, shape and byte range, then the raw little-endian data. No pickles,
// no code: safe to load from an untrusted repository.

export type SafeDType = 'F32' | 'I32';

export interface SafeTensor {
  dtype: SafeDType;
  shape: number[];
  data: Float32Array | Int32Array;
}

export interface SafeTensorsFile {
  tensors: Map<string, SafeTensor>;
  metadata: Record<string, string>;
}

const ALIGN = 8;

export function encodeSafetensors(tensors: [string, SafeTensor][], metadata: Record<string, string> = {}): Buffer {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    const bytes = t.data.byteLength;
    const expected = t.shape.reduce((a, b) => a * b, 1) * 4;
    if (bytes !== expected) throw new Error(`tensor ${name}: ${bytes} bytes for shape [${t.shape}]`);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((ALIGN - (Buffer.byteLength(json) % ALIGN)) % ALIGN);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let pos = 8 + headerBytes.length;
  for (const [, t] of tensors) {
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(out, pos);
    pos += t.data.byteLength;
  }
  return out;
}

/** Parses a safetensors buffer; every error names what is wrong (the caller adds the file). */
export function decodeSafetensors(buf: Uint8Array): SafeTensorsFile {
  if (buf.length < 8) throw new Error('not a safetensors file: shorter than its 8-byte header length');
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = Number(view.readBigUInt64LE(0));
  if (!(n > 0) || 8 + n > buf.length) throw new Error(`not a safetensors file or truncated: header length ${n}, file ${buf.length} bytes`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(view.subarray(8, 8 + n).toString('utf8'));
  } catch (e) {
    throw new Error(`corrupt safetensors header: ${(e as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new Error('corrupt safetensors header: not a JSON object');
  const dataStart = 8 + n;
  const dataLen = buf.length - dataStart;
  const tensors = new Map<string, SafeTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = (entry ?? {}) as Record<string, string>;
      if (typeof metadata !== 'object' || Object.values(metadata).some((v) => typeof v !== 'string')) throw new Error('corrupt safetensors header: __metadata__ must map names to strings');
      continue;
    }
    const e = (entry ?? {}) as { dtype?: string; shape?: number[]; data_offsets?: [number, number] };
    const isIndex = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
    if ((e.dtype !== 'F32' && e.dtype !== 'I32') || !Array.isArray(e.shape) || !e.shape.every(isIndex)
      || !Array.isArray(e.data_offsets) || e.data_offsets.length !== 2 || !e.data_offsets.every(isIndex)) {
      throw new Error(`tensor "${name}": unsupported or malformed entry ${JSON.stringify(entry).slice(0, 80)}`);
    }
    const [begin, end] = e.data_offsets;
    const count = e.shape.reduce((a, b) => a * b, 1);
    if (end - begin !== count * 4 || begin < 0 || end > dataLen) {
      throw new Error(`tensor "${name}": byte range [${begin}, ${end}) does not fit shape [${e.shape}] or the file (truncated?)`);
    }
    // Copy so the typed array is aligned and independent of the file buffer.
    const bytes = new Uint8Array(count * 4);
    bytes.set(buf.subarray(dataStart + begin, dataStart + end));
    const data = e.dtype === 'F32' ? new Float32Array(bytes.buffer) : new Int32Array(bytes.buffer);
    tensors.set(name, { dtype: e.dtype, shape: e.shape, data });
  }
  return { tensors, metadata };
}
