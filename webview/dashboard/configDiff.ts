// The config diff between runs: only the fields whose values differ, from each
// run's config.json snapshot, named by JSON pointer. Pure.

/** One differing field: its JSON pointer and its value in each config (undefined: absent). */
export interface DiffRow {
  pointer: string;
  values: unknown[];
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Leaves of a JSON value by pointer; arrays of scalars (captions, palettes) stay one leaf. */
export function flattenConfig(value: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (isObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0) out.set(prefix, value);
    for (const k of keys) flattenConfig(value[k], `${prefix}/${escapePointer(k)}`, out);
  } else if (Array.isArray(value) && value.some((v) => typeof v === 'object' && v !== null)) {
    value.forEach((v, i) => flattenConfig(v, `${prefix}/${i}`, out));
  } else {
    out.set(prefix, value);
  }
  return out;
}

/** The fields that differ across `configs` (at least two), in first-seen order. */
export function configDiff(configs: readonly unknown[]): DiffRow[] {
  const flat = configs.map((c) => flattenConfig(c));
  const pointers: string[] = [];
  const seen = new Set<string>();
  for (const f of flat) for (const p of f.keys()) if (!seen.has(p)) seen.add(p), pointers.push(p);
  const rows: DiffRow[] = [];
  for (const pointer of pointers) {
    const values = flat.map((f) => f.get(pointer));
    const keys = values.map((v) => (v === undefined ? '\u0000absent' : JSON.stringify(v)));
    if (keys.some((k) => k !== keys[0])) rows.push({ pointer, values });
  }
  return rows;
}

/** A value for a table cell: JSON, shortened; "—" for absent. */
export function formatConfigValue(v: unknown, max = 60): string {
  if (v === undefined) return '—';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
