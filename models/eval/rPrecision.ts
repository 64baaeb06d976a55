// R-precision as AttnGAN defines it: for each generated image, rank its true
// caption among itself plus 99 captions of other classes by the cosine of the
// DAMSM global image and sentence codes; a hit when the true caption ranks
// first (R = 1, so precision is top-1). The images are split into 10 folds;
// the score is the mean and standard deviation of the fold hit rates.
import type { DatasetSplit } from '../data/dataset';
import type { Rng } from '../data/rng';

/** Cosine similarity of two vectors (0 when either is zero). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa && bb ? ab / Math.sqrt(aa * bb) : 0;
}

/** Whether the true candidate (index 0) has the strictly highest cosine with the image. Ties count as misses. */
export function trueCaptionRanksFirst(image: ArrayLike<number>, candidates: ArrayLike<number>[]): boolean {
  const own = cosine(image, candidates[0]);
  for (let j = 1; j < candidates.length; j++) if (cosine(image, candidates[j]) >= own) return false;
  return true;
}

export interface RPrecision {
  mean: number;
  std: number;
  /** Hit rate of each fold. */
  folds: number[];
}

/**
 * `images[i]` is the code of generated image i; `candidates[i]` the sentence
 * codes of its candidates, the true caption first. Fold k holds images
 * [k·n/F, (k+1)·n/F); std is the population std over folds, as AttnGAN's np.std.
 */
export function rPrecision(images: ArrayLike<number>[], candidates: ArrayLike<number>[][], folds = 10): RPrecision {
  const n = images.length;
  if (candidates.length !== n) throw new Error(`R-precision: ${n} images but ${candidates.length} candidate sets`);
  if (n < folds) throw new Error(`R-precision needs at least ${folds} images (one per fold), got ${n}`);
  const hits = images.map((im, i) => (trueCaptionRanksFirst(im, candidates[i]) ? 1 : 0));
  const rates: number[] = [];
  for (let k = 0; k < folds; k++) {
    const part = hits.slice(Math.floor((k * n) / folds), Math.floor(((k + 1) * n) / folds));
    rates.push(part.reduce((a: number, b) => a + b, 0) / part.length);
  }
  const mean = rates.reduce((a, b) => a + b, 0) / folds;
  const std = Math.sqrt(rates.reduce((a, b) => a + (b - mean) ** 2, 0) / folds);
  return { mean, std, folds: rates };
}

/**
 * Candidate captions for item `i` of a split: its own caption first, then
 * `mismatched` captions of items with a different label (AttnGAN draws them
 * from other classes). Without labels, any other item counts as mismatched.
 */
export function rPrecisionCaptions(split: DatasetSplit, i: number, rng: Rng, mismatched = 99): string[] {
  const own = split.label(i);
  const out = [rng.choice(split.captions(i))];
  let tries = 0;
  while (out.length <= mismatched) {
    if (++tries > mismatched * 1000) throw new Error(`R-precision: cannot find ${mismatched} captions of other classes than item ${i}'s (the split has ${split.length} items)`);
    const j = rng.int(split.length);
    if (j === i) continue;
    const other = split.label(j);
    if (own !== undefined && other !== undefined && other === own) continue;
    out.push(rng.choice(split.captions(j)));
  }
  return out;
}
