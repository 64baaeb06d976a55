// Every field of schemas/t2i-config.schema.json carries what IntelliSense
// shows: a description, and a default (which must itself be valid for the
// field), unless it is a section whose fields carry the defaults, or it is in
// the allow-list below, whose description must then say why it has none.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { validateSchema, type JsonSchema } from '../../models/config/schemaValidator';

const schema = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../../schemas/t2i-config.schema.json'), 'utf8')) as JsonSchema & Record<string, unknown>;

/** Fields with no default on purpose (by JSON pointer), and why. */
const NO_DEFAULT: Record<string, string> = {
  // Only for editors; the path depends on where the config lives.
  '/$schema': 'editor-only reference',
  // Falls back to the file name, which a schema cannot express.
  '/name': 'the file name',
  // Required: guessing the method would train something else.
  '/method': 'required',
  // Required: each loader expects its own folder layout.
  '/dataset/kind': 'required',
  // The latest pretraining run, looked up when training starts.
  '/damsm/encoders': 'found at train time',
  '/stream/captioner': 'found at train time',
};

interface Field {
  pointer: string;
  node: JsonSchema & { description?: string; default?: unknown };
}

/** Every property of the schema, at any depth (inside items, anyOf/oneOf/allOf and additionalProperties too). */
function fields(node: unknown, pointer = '', out: Field[] = []): Field[] {
  if (typeof node !== 'object' || node === null) return out;
  const n = node as Record<string, unknown>;
  for (const [k, sub] of Object.entries((n.properties as Record<string, JsonSchema>) ?? {})) {
    out.push({ pointer: `${pointer}/${k}`, node: sub as Field['node'] });
    fields(sub, `${pointer}/${k}`, out);
  }
  for (const key of ['items', 'additionalProperties']) if (typeof n[key] === 'object') fields(n[key], `${pointer}/${key}`, out);
  for (const key of ['anyOf', 'oneOf', 'allOf']) if (Array.isArray(n[key])) (n[key] as unknown[]).forEach((s, i) => fields(s, `${pointer}/${key}/${i}`, out));
  return out;
}

const isSection = (f: Field) => f.node.type === 'object' && !!f.node.properties && Object.keys(f.node.properties).length > 0;

test('config schema: every field has a description and a valid default, a section of fields, or a documented reason for none', () => {
  const all = fields(schema);
  assert.ok(all.length > 150, `walked the whole schema (${all.length} fields)`);
  const problems: string[] = [];
  for (const f of all) {
    if (typeof f.node.description !== 'string' || f.node.description.trim().length < 10) problems.push(`${f.pointer}: no description`);
    if (f.pointer in NO_DEFAULT) {
      if (f.node.default !== undefined) problems.push(`${f.pointer}: has a default now; drop it from the allow-list`);
      if (!/no (fixed )?default|has no default/i.test(f.node.description ?? '')) problems.push(`${f.pointer}: the description must say why there is no default`);
    } else if (f.node.default !== undefined) {
      const errors = validateSchema(f.node.default, f.node, f.pointer);
      if (errors.length) problems.push(`${f.pointer}: default ${JSON.stringify(f.node.default)} is invalid: ${errors[0].message}`);
    } else if (!isSection(f)) {
      problems.push(`${f.pointer}: no default (add one, or add it to NO_DEFAULT with the reason in its description)`);
    }
  }
  assert.deepEqual(problems, []);
  // Every allow-listed pointer is a field that exists (no stale entries).
  const pointers = new Set(all.map((f) => f.pointer));
  assert.deepEqual(Object.keys(NO_DEFAULT).filter((p) => !pointers.has(p)), []);
});

test('config schema: the walker sees nested fields and flags a field with no default', () => {
  // The check above would pass vacuously if the walk missed nesting; this pins it on a small schema.
  const tiny = { properties: { a: { type: 'object', description: 'a section of fields', properties: { b: { type: 'integer', description: 'nested without default' } } } } };
  const found = fields(tiny);
  assert.deepEqual(found.map((f) => f.pointer), ['/a', '/a/b']);
  assert.equal(isSection(found[0]), true);
  assert.equal(found[1].node.default, undefined);
  assert.ok(fields(schema).some((f) => f.pointer === '/train/nanGuard/action'), 'a third-level field');
  assert.deepEqual(fields(schema).find((f) => f.pointer === '/preview/captions')?.node.default, []);
});
