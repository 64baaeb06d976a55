// Where a config problem sits in the file's text: a small JSON parser that
// keeps offsets, and the mapping from a problem's JSON pointer to the range
// to underline (the key of an unknown field, the value of a bad one, the
// parent's key when a required field is missing). Pure; no vscode.
import type { SchemaError } from '../models/config/schemaValidator';

export interface TextRange {
  start: number;
  end: number;
}

export type JsonNode =
  | ({ type: 'object'; properties: JsonProperty[] } & TextRange)
  | ({ type: 'array'; items: JsonNode[] } & TextRange)
  | ({ type: 'string' | 'number' | 'boolean' | 'null' } & TextRange);

export interface JsonProperty extends TextRange {
  key: string;
  keyRange: TextRange;
  value: JsonNode;
}

class JsonTextError extends Error {
  constructor(readonly offset: number) {
    super(`JSON syntax error at ${offset}`);
  }
}

/** Parses strict JSON keeping offsets; undefined when the text is not valid JSON. */
export function parseJsonTree(text: string): JsonNode | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const fail = (): never => {
    throw new JsonTextError(i);
  };
  const str = (): TextRange & { value: string } => {
    const start = i;
    if (text[i] !== '"') fail();
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\n') fail();
      i += text[i] === '\\' ? 2 : 1;
    }
    if (i >= text.length) fail();
    i++;
    return { start, end: i, value: JSON.parse(text.slice(start, i)) as string };
  };
  const value = (): JsonNode => {
    ws();
    const start = i;
    const c = text[i];
    if (c === '{') {
      i++;
      const properties: JsonProperty[] = [];
      ws();
      if (text[i] === '}') return { type: 'object', properties, start, end: ++i };
      for (;;) {
        ws();
        const k = str();
        ws();
        if (text[i] !== ':') fail();
        i++;
        const v = value();
        properties.push({ key: k.value, keyRange: { start: k.start, end: k.end }, value: v, start: k.start, end: v.end });
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') return { type: 'object', properties, start, end: ++i };
        fail();
      }
    }
    if (c === '[') {
      i++;
      const items: JsonNode[] = [];
      ws();
      if (text[i] === ']') return { type: 'array', items, start, end: ++i };
      for (;;) {
        items.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') return { type: 'array', items, start, end: ++i };
        fail();
      }
    }
    if (c === '"') return { type: 'string', ...str() };
    const m = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) fail();
    i += m![0].length;
    const t = m![0] === 'null' ? 'null' : m![0] === 'true' || m![0] === 'false' ? 'boolean' : 'number';
    return { type: t, start, end: i };
  };
  try {
    const root = value();
    ws();
    return i === text.length ? root : undefined;
  } catch (e) {
    if (e instanceof JsonTextError) return undefined;
    throw e;
  }
}

/** A JSON pointer's reference tokens (`/a~1b/0` → ["a/b", "0"]). */
export function pointerTokens(pointer: string): string[] {
  if (!pointer) return [];
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** What a pointer reaches: the node, and the property whose value it is (when in an object). */
export interface PointerHit {
  node: JsonNode;
  property?: JsonProperty;
  /** False when the pointer goes past what the document has; node is then the deepest part that exists. */
  complete: boolean;
}

export function resolvePointer(root: JsonNode, pointer: string): PointerHit {
  let node = root;
  let property: JsonProperty | undefined;
  for (const tok of pointerTokens(pointer)) {
    let next: JsonNode | undefined;
    let nextProp: JsonProperty | undefined;
    if (node.type === 'object') {
      // The last of duplicate keys wins, as in JSON.parse.
      nextProp = [...node.properties].reverse().find((p) => p.key === tok);
      next = nextProp?.value;
    } else if (node.type === 'array' && /^\d+$/.test(tok)) {
      next = node.items[Number(tok)];
    }
    if (!next) return { node, property, complete: false };
    node = next;
    property = nextProp;
  }
  return { node, property, complete: true };
}

/** The token around a syntax error's offset (or the last character when the text ended too soon). */
function syntaxRange(text: string, offset: number): TextRange {
  let at = Math.min(Math.max(0, offset), text.length);
  if (at >= text.length) {
    at = text.length;
    while (at > 0 && /\s/.test(text[at - 1]!)) at--;
    return { start: Math.max(0, at - 1), end: at };
  }
  const word = /^(?:"[^"\n]*"|'[^'\n]*'|[\w.+-]+)/.exec(text.slice(at, at + 200));
  return { start: at, end: at + (word ? word[0].length : 1) };
}

/** The range to underline for a problem in `text`. */
export function problemRange(text: string, problem: Pick<SchemaError, 'pointer' | 'code' | 'offset'>): TextRange {
  if (problem.offset !== undefined) return syntaxRange(text, problem.offset);
  const root = parseJsonTree(text);
  if (!root) return syntaxRange(text, 0);
  const hit = resolvePointer(root, problem.pointer);
  if (!hit.complete) {
    // A missing field: underline the key of the object that should have it (or its opening brace at the root).
    return hit.property ? hit.property.keyRange : { start: hit.node.start, end: hit.node.start + 1 };
  }
  if (problem.code === 'unknown-key' && hit.property) return hit.property.keyRange;
  return { start: hit.node.start, end: hit.node.end };
}

/**
 * The text to delete to remove the property at `pointer`, with one of the
 * commas around it, so the object stays valid JSON.
 */
export function propertyDeletionRange(text: string, pointer: string): TextRange | undefined {
  const root = parseJsonTree(text);
  if (!root) return undefined;
  const tokens = pointerTokens(pointer);
  const parent = resolvePointer(root, '/' + tokens.slice(0, -1).map((t) => t.replace(/~/g, '~0').replace(/\//g, '~1')).join('/'));
  const parentNode = tokens.length === 1 ? root : parent.complete ? parent.node : undefined;
  if (parentNode?.type !== 'object') return undefined;
  const idx = parentNode.properties.map((p) => p.key).lastIndexOf(tokens[tokens.length - 1]!);
  if (idx < 0) return undefined;
  const props = parentNode.properties;
  const p = props[idx]!;
  if (idx < props.length - 1) return { start: p.start, end: props[idx + 1]!.start };
  if (idx > 0) return { start: props[idx - 1]!.end, end: p.end };
  return { start: p.start, end: p.end };
}
