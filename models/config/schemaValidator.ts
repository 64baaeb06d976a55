// A small JSON Schema (draft-07 subset) validator that reports JSON pointers.
// The trainer validates configs with the very schema the editor uses for
// IntelliSense, so the two can never disagree. Supported keywords: type, enum,
// properties, required, additionalProperties (false), items (schema or tuple),
// minItems, maxItems, minimum, maximum, exclusiveMinimum, minLength, maxLength.

import { likelyMeant } from './nearest';

export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean;
  items?: JsonSchema | JsonSchema[];
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  default?: unknown;
  description?: string;
}

/** What kind of problem, so the editor knows where to underline and which quick fix to offer. */
export type ProblemCode = 'syntax' | 'type' | 'enum' | 'range' | 'required' | 'unknown-key' | 'semantic' | 'path' | 'io';

export interface SchemaError {
  /** JSON pointer of the offending value, e.g. `/train/batchSize`. */
  pointer: string;
  message: string;
  code?: ProblemCode;
  /** Values that would be valid here (enum members, a method's image sizes), for quick fixes. */
  allowed?: unknown[];
  /** Syntax errors: character offset in the file text. */
  offset?: number;
}

export function pointerJoin(base: string, key: string | number): string {
  return `${base}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(v: unknown, t: string): boolean {
  const actual = typeOf(v);
  if (t === 'number') return actual === 'number' || actual === 'integer';
  return actual === t;
}

export function validateSchema(value: unknown, schema: JsonSchema, pointer = ''): SchemaError[] {
  const errors: SchemaError[] = [];
  const at = pointer || '(root)';
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => typeMatches(value, t))) {
      errors.push({ pointer, message: `${at} must be ${types.join(' or ')}, got ${typeOf(value)} ${JSON.stringify(value)?.slice(0, 40)}`, code: 'type' });
      return errors;
    }
  }
  if (schema.enum && !schema.enum.some((e) => e === value)) {
    errors.push({ pointer, message: `${at} must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}; got ${JSON.stringify(value)?.slice(0, 40)}`, code: 'enum', allowed: [...schema.enum] });
    return errors;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) errors.push({ pointer, message: `${at} must be a finite number`, code: 'range' });
    if (schema.minimum !== undefined && value < schema.minimum) errors.push({ pointer, message: `${at} must be >= ${schema.minimum}, got ${value}`, code: 'range' });
    if (schema.maximum !== undefined && value > schema.maximum) errors.push({ pointer, message: `${at} must be <= ${schema.maximum}, got ${value}`, code: 'range' });
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) errors.push({ pointer, message: `${at} must be > ${schema.exclusiveMinimum}, got ${value}`, code: 'range' });
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) errors.push({ pointer, message: `${at} must not be empty`, code: 'range' });
    if (schema.maxLength !== undefined && value.length > schema.maxLength) errors.push({ pointer, message: `${at} is longer than ${schema.maxLength} characters`, code: 'range' });
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) errors.push({ pointer, message: `${at} needs at least ${schema.minItems} items, got ${value.length}`, code: 'range' });
    if (schema.maxItems !== undefined && value.length > schema.maxItems) errors.push({ pointer, message: `${at} allows at most ${schema.maxItems} items, got ${value.length}`, code: 'range' });
    if (Array.isArray(schema.items)) {
      schema.items.forEach((s, i) => {
        if (i < value.length) errors.push(...validateSchema(value[i], s, pointerJoin(pointer, i)));
      });
    } else if (schema.items) {
      const items = schema.items;
      value.forEach((v, i) => errors.push(...validateSchema(v, items, pointerJoin(pointer, i))));
    }
  }
  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>;
    for (const key of schema.required ?? []) {
      if (!(key in obj)) errors.push({ pointer: pointerJoin(pointer, key), message: `${pointerJoin(pointer, key)} is required`, code: 'required' });
    }
    for (const [key, v] of Object.entries(obj)) {
      const sub = schema.properties?.[key];
      if (sub) errors.push(...validateSchema(v, sub, pointerJoin(pointer, key)));
      else if (schema.additionalProperties === false) {
        const known = Object.keys(schema.properties ?? {});
        const near = likelyMeant(key, known);
        errors.push({
          pointer: pointerJoin(pointer, key),
          message: `${pointerJoin(pointer, key)} is not a known field${near ? ` (did you mean "${near}"?)` : `; known: ${known.join(', ')}`}`,
          code: 'unknown-key',
          ...(near ? { allowed: [near] } : {}),
        });
      }
    }
  }
  return errors;
}

/** Returns a deep copy of `value` with schema defaults filled in for absent object fields. */
export function applyDefaults(value: unknown, schema: JsonSchema): unknown {
  if (typeOf(value) !== 'object' || !schema.properties) return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [key, sub] of Object.entries(schema.properties)) {
    if (out[key] === undefined && sub.default !== undefined) out[key] = structuredClone(sub.default);
    if (out[key] === undefined && sub.properties && sub.type === 'object') out[key] = {};
    if (out[key] !== undefined) out[key] = applyDefaults(out[key], sub);
  }
  return out;
}
