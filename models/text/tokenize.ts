// Caption tokenisation as the AttnGAN lineage does it: lower case, split into
// runs of word characters (NLTK RegexpTokenizer(r'\w+'), Unicode-aware in
// Python 3), then drop non-ASCII characters from each token and drop tokens
// that end up empty. So "red—blue" is two words and "café" becomes "caf".

export function tokenize(caption: string): string[] {
  const runs = caption.toLowerCase().match(/[\p{L}\p{M}\p{N}_]+/gu) ?? [];
  return runs.map((t) => t.replace(/[^\x00-\x7f]/g, '')).filter((t) => t.length > 0);
}
