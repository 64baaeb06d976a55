// Text files from other people's datasets are not all UTF-8. What we accept:
// - UTF-8, with or without a byte-order mark (the mark is dropped);
// - UTF-16 (little- or big-endian) that starts with its byte-order mark, as
//   Windows editors save "Unicode" text: decoded as such;
// - stray invalid UTF-8 bytes: each becomes U+FFFD, which captions turn into a
//   space (cleanCaption), as AttnGAN does with the stray bytes in CUB's files.
// A NUL byte in what is left means a binary file or UTF-16 without its mark:
// refused with the file, line and column, since its "words" would be garbage.
import { DatasetError } from './datasetErrors';

/** Which encoding a file's bytes were read as. */
export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

export function detectEncoding(bytes: Uint8Array): { encoding: TextEncoding; bom: number } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { encoding: 'utf-8', bom: 3 };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: 'utf-16le', bom: 2 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: 'utf-16be', bom: 2 };
  return { encoding: 'utf-8', bom: 0 };
}

/** Decodes a text file's bytes by the rules above; `what` names the file's role in errors. */
export function decodeText(bytes: Uint8Array, file: string, what: string): string {
  const { encoding, bom } = detectEncoding(bytes);
  const body = Buffer.from(bytes.buffer, bytes.byteOffset + bom, bytes.byteLength - bom);
  if (encoding !== 'utf-8' && body.length % 2 === 1) {
    throw new DatasetError(file, undefined, `${what} starts with a ${encoding.toUpperCase()} byte-order mark but has an odd number of bytes (truncated?)`);
  }
  let text: string;
  if (encoding === 'utf-16le') text = body.toString('utf16le');
  else if (encoding === 'utf-16be') text = Buffer.from(body).swap16().toString('utf16le');
  else text = body.toString('utf8');
  const nul = text.indexOf('\0');
  if (nul >= 0) {
    const before = text.slice(0, nul);
    const line = before.split('\n').length;
    const col = nul - before.lastIndexOf('\n');
    throw new DatasetError(file, line, `${what} has a NUL byte at column ${col}: it is a binary file, or UTF-16 without a byte-order mark; save it as UTF-8`);
  }
  return text;
}
