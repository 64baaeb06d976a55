// Word ↔ id mapping. Index 0 is `<end>` and doubles as padding; there is no
// `<unk>` (as in AttnGAN): unknown words are reported to the caller instead
// of being silently dropped.
import { tokenize } from './tokenize';

export const END_TOKEN = '<end>';

export interface EncodedCaption {
  /** Word ids, zero-padded to maxWords. */
  ids: Int32Array;
  /** Number of real words (<= maxWords). */
  length: number;
  /** Words not in the vocabulary (left out of `ids`). */
  unknown: string[];
}

export class Vocabulary {
  private readonly index = new Map<string, number>();

  constructor(readonly words: readonly string[]) {
    if (words[0] !== END_TOKEN) throw new Error(`vocabulary must start with ${END_TOKEN}`);
    words.forEach((w, i) => this.index.set(w, i));
  }

  /** Builds a vocabulary from captions, every word kept, in first-seen order (deterministic). */
  static fromCaptions(captions: Iterable<string>): Vocabulary {
    const words = [END_TOKEN];
    const seen = new Set(words);
    for (const c of captions) {
      for (const w of tokenize(c)) {
        if (!seen.has(w)) {
          seen.add(w);
          words.push(w);
        }
      }
    }
    return new Vocabulary(words);
  }

  get size(): number {
    return this.words.length;
  }

  id(word: string): number | undefined {
    return this.index.get(word);
  }

  /**
   * Encodes a caption. A caption longer than maxWords keeps a random ordered
   * subset of maxWords words (AttnGAN's rule) when `random` is given, else its
   * first maxWords words.
   */
  encode(caption: string, maxWords: number, random?: () => number): EncodedCaption {
    const unknown: string[] = [];
    let ids: number[] = [];
    for (const w of tokenize(caption)) {
      const id = this.index.get(w);
      if (id === undefined || id === 0) unknown.push(w);
      else ids.push(id);
    }
    if (ids.length > maxWords) ids = random ? orderedSubset(ids, maxWords, random) : ids.slice(0, maxWords);
    const out = new Int32Array(maxWords);
    out.set(ids);
    return { ids: out, length: ids.length, unknown };
  }

  decode(ids: ArrayLike<number>): string {
    const words: string[] = [];
    for (let i = 0; i < ids.length && ids[i] !== 0; i++) words.push(this.words[ids[i]] ?? '?');
    return words.join(' ');
  }

  toJSON(): { words: readonly string[] } {
    return { words: this.words };
  }

  static fromJSON(json: unknown, file = 'vocab.json'): Vocabulary {
    const words = (json as { words?: unknown })?.words;
    if (!Array.isArray(words) || !words.every((w) => typeof w === 'string')) {
      throw new Error(`${file}: expected {"words": [string, ...]}`);
    }
    return new Vocabulary(words as string[]);
  }
}

/** Keeps `k` of `items` chosen at random, in their original order. */
function orderedSubset<T>(items: T[], k: number, random: () => number): T[] {
  const idx = items.map((_, i) => i);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx.slice(0, k).sort((a, b) => a - b).map((i) => items[i]);
}
