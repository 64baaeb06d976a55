// "Did you mean": the closest names by edit distance, for messages and quick fixes.

/** Levenshtein distance, case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    for (let j = 1; j <= t.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (s[i - 1] === t[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[t.length]!;
}

/** `candidates` ordered from closest to `value` (stable among equals). */
export function byCloseness(value: string, candidates: readonly string[]): string[] {
  return candidates
    .map((c, i) => ({ c, i, d: editDistance(value, c) }))
    .sort((x, y) => x.d - y.d || x.i - y.i)
    .map((x) => x.c);
}

/** The one candidate close enough to be a likely typo (one or two edits, under half its letters), if any. */
export function likelyMeant(value: string, candidates: readonly string[]): string | undefined {
  const best = byCloseness(value, candidates)[0];
  if (best === undefined) return undefined;
  const d = editDistance(value, best);
  return d <= 2 && d < best.length / 2 ? best : undefined;
}

/** The replacements worth offering, best first: names by edit distance, numbers by nearness. */
export function orderedReplacements(current: unknown, allowed: readonly unknown[], max = 5): unknown[] {
  if (typeof current === 'string' && allowed.every((a) => typeof a === 'string')) {
    return byCloseness(current, allowed as string[]).slice(0, Math.min(max, 3));
  }
  if (typeof current === 'number' && allowed.every((a) => typeof a === 'number')) {
    return [...(allowed as number[])].sort((a, b) => Math.abs(a - current) - Math.abs(b - current) || a - b).slice(0, max);
  }
  return allowed.slice(0, max);
}
