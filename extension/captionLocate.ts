// Finds the caption under the cursor, as plain text functions (no vscode):
// in a `*.t2i.json` config, a string that is the value (or an item of the
// array value) of a key named like `captions`/`caption`; in a `*.captions.txt`
// file, the whole line.

export interface CaptionHit {
  caption: string;
  /** Offsets of the string literal, quotes included. */
  start: number;
  end: number;
}

const CAPTION_KEY = /captions?$/i;

interface Frame {
  kind: 'obj' | 'arr';
  /** Key this container is the value of. */
  key?: string;
  /** In an object: the last key read, and whether the next string is a key. */
  lastKey?: string;
  expectKey: boolean;
}

/** The caption string literal that contains `offset`, if it is a caption. Tolerates comments and trailing commas. */
export function captionAt(text: string, offset: number): CaptionHit | undefined {
  const stack: Frame[] = [];
  let pendingKey: string | undefined;
  for (let i = 0; i < text.length && i <= offset; i++) {
    const c = text[i];
    if (c === '/' && text[i + 1] === '/') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const e = text.indexOf('*/', i + 2);
      i = e < 0 ? text.length : e + 1;
      continue;
    }
    const top = stack[stack.length - 1];
    if (c === '{' || c === '[') {
      stack.push({ kind: c === '{' ? 'obj' : 'arr', key: top?.kind === 'obj' ? top.lastKey : top?.key, expectKey: c === '{' });
      continue;
    }
    if (c === '}' || c === ']') {
      stack.pop();
      continue;
    }
    if (c === ',' && top?.kind === 'obj') {
      top.expectKey = true;
      continue;
    }
    if (c === ':' && top?.kind === 'obj') {
      top.lastKey = pendingKey;
      top.expectKey = false;
      continue;
    }
    if (c !== '"') continue;
    // A string literal: find its end and decode it.
    let j = i + 1;
    while (j < text.length && text[j] !== '"' && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
    const end = Math.min(j + 1, text.length);
    let value: string;
    try {
      value = JSON.parse(text.slice(i, end)) as string;
    } catch {
      value = text.slice(i + 1, j);
    }
    const isKey = top?.kind === 'obj' && top.expectKey;
    if (isKey) pendingKey = value;
    if (offset >= i && offset < end) {
      if (isKey || !top) return undefined;
      const owner = top.kind === 'obj' ? top.lastKey : top.key;
      if (!owner || !CAPTION_KEY.test(owner) || !value.trim()) return undefined;
      return { caption: value, start: i, end };
    }
    i = end - 1;
  }
  return undefined;
}

/** A `*.captions.txt` line as a caption: trimmed; blank lines and `#` comments are not captions. */
export function captionLineAt(line: string): string | undefined {
  const t = line.trim();
  if (!t || t.startsWith('#')) return undefined;
  return t;
}
