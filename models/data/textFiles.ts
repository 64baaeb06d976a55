// Reading the text side of datasets: line files, caption files, JSON with
// positions, and big JSON-lines files read in chunks (Localized Narratives
// files are gigabytes, past V8's longest string).
import fs from 'node:fs';
import { tokenize } from '../text/tokenize';
import { BadSamples, DatasetError } from './datasetErrors';
import { decodeText } from './textDecoding';

/** Statistics of a path, or undefined when it does not exist. */
export function statOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}

export function isDir(p: string): boolean {
  return statOrUndefined(p)?.isDirectory() ?? false;
}

export function isFile(p: string): boolean {
  return statOrUndefined(p)?.isFile() ?? false;
}

/** Throws a DatasetError unless `dir` is an existing directory; `what` says which one. */
export function requireDir(dir: string, what: string): void {
  const st = statOrUndefined(dir);
  if (!st) throw new DatasetError(dir, undefined, `${what} does not exist`);
  if (!st.isDirectory()) throw new DatasetError(dir, undefined, `${what} is not a directory`);
}

/** Reads a text file (UTF-8, or UTF-16 with a BOM: textDecoding.ts); a missing or binary file is a DatasetError saying what it is. */
export function readText(file: string, what: string): string {
  const st = statOrUndefined(file);
  if (!st) throw new DatasetError(file, undefined, `missing ${what}`);
  if (!st.isFile()) throw new DatasetError(file, undefined, `${what} is not a file`);
  return decodeText(fs.readFileSync(file), file, what);
}

/** Lines of a text, without line ends (a trailing newline gives no extra line). */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Caption text as read from disk. Reed et al.'s CUB files hold stray bytes that
 * decode to U+FFFD; AttnGAN turns them into spaces so they split words.
 */
export function cleanCaption(text: string): string {
  return text.replace(/\ufffd+/g, ' ').trim();
}

/** True when a caption has at least one `\w+` token (AttnGAN skips the others). */
export function hasWords(caption: string): boolean {
  return tokenize(caption).length > 0;
}

/**
 * The captions of one caption file (one per line), as AttnGAN reads them:
 * blank lines are skipped; a non-blank line without any word is an empty
 * caption (reported); reading stops after `perImage` captions (0: read all).
 * Returns undefined when the sample must be left out (the problem has been
 * reported to `bad`, which throws under onBadSample "error").
 */
export function readCaptionFile(file: string, perImage: number, bad: BadSamples): string[] | undefined {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    bad.report('missing caption file', file, undefined, code === 'ENOENT' ? 'missing caption file' : `cannot read caption file: ${(e as Error).message}`);
    return undefined;
  }
  let text: string;
  try {
    text = decodeText(bytes, file, 'caption file');
  } catch (e) {
    const d = e as DatasetError;
    bad.report('undecodable caption file', file, d.line, d.reason);
    return undefined;
  }
  const lines = splitLines(text);
  const captions: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (perImage > 0 && captions.length === perImage) break;
    const raw = lines[i]!;
    if (raw.trim() === '') continue;
    const caption = cleanCaption(raw);
    if (!hasWords(caption)) {
      bad.report('empty caption', file, i + 1, `empty caption (no words in ${JSON.stringify(raw.slice(0, 40))})`);
      return undefined;
    }
    captions.push(caption);
  }
  if (captions.length === 0) {
    bad.report('too few captions', file, undefined, 'has no captions (one caption per line expected)');
    return undefined;
  }
  if (perImage > 0 && captions.length < perImage) {
    bad.report('too few captions', file, lines.length || undefined, `has ${captions.length} captions, the dataset config needs ${perImage} per image (captionsPerImage)`);
    return undefined;
  }
  return captions;
}

/** 1-based line and column of a character offset. */
export function lineColOf(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, col: offset - last };
}

/**
 * Where JSON.parse failed. V8 gives a position for most errors but not for
 * "Unexpected token"; then the shortest prefix that fails before its end
 * locates the bad character (found by bisection; texts up to 64 MB).
 */
export function jsonErrorOffset(text: string, message: string): number | undefined {
  const m = /position (\d+)/.exec(message);
  if (m) return Number(m[1]);
  if (text.length > 64 << 20) return undefined;
  const failsInside = (n: number): boolean => {
    try {
      JSON.parse(text.slice(0, n));
      return false;
    } catch (e) {
      const msg = (e as Error).message;
      if (/end of JSON input/.test(msg)) return false;
      const p = /position (\d+)/.exec(msg);
      return p ? Number(p[1]) < n : true;
    }
  };
  let lo = 0;
  let hi = text.length;
  if (!failsInside(hi)) return undefined;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (failsInside(mid)) hi = mid;
    else lo = mid;
  }
  return hi - 1;
}

/** Parses a JSON file; a syntax error names the file, line and column. */
export function readJson(file: string, what: string): { value: unknown; text: string } {
  const text = readText(file, what);
  try {
    return { value: JSON.parse(text), text };
  } catch (e) {
    const msg = (e as Error).message;
    const at = jsonErrorOffset(text, msg);
    const pos = at !== undefined ? lineColOf(text, at) : undefined;
    throw new DatasetError(file, pos?.line, `${what} is not valid JSON${pos ? ` (column ${pos.col})` : ''}: ${msg}`);
  }
}

/** The line of the first occurrence of `"key"` in a JSON text (for messages about object keys). */
export function lineOfKey(text: string, key: string): number | undefined {
  const at = text.indexOf(JSON.stringify(key));
  return at < 0 ? undefined : lineColOf(text, at).line;
}

/**
 * Calls `fn(line, lineNumber)` for each line of a file, reading it in chunks
 * so files larger than a string can hold still work.
 */
export function forEachLine(file: string, what: string, fn: (line: string, lineNumber: number) => void): void {
  const st = statOrUndefined(file);
  if (!st) throw new DatasetError(file, undefined, `missing ${what}`);
  if (!st.isFile()) throw new DatasetError(file, undefined, `${what} is not a file`);
  const fd = fs.openSync(file, 'r');
  try {
    const chunk = Buffer.alloc(4 << 20);
    let carry: Buffer<ArrayBufferLike> = Buffer.alloc(0);
    let lineNumber = 0;
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      const data = carry.length ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      let start = 0;
      for (let nl = data.indexOf(10, start); nl >= 0; nl = data.indexOf(10, start)) {
        const end = nl > start && data[nl - 1] === 13 ? nl - 1 : nl;
        fn(data.toString('utf8', start, end), ++lineNumber);
        start = nl + 1;
      }
      carry = Buffer.from(data.subarray(start));
    }
    if (carry.length) fn(carry.toString('utf8').replace(/\r$/, ''), ++lineNumber);
  } finally {
    fs.closeSync(fd);
  }
}
