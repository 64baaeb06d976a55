// Caption tokenisation as the AttnGAN lineage does it: lower case, keep only
// runs of word characters (NLTK RegexpTokenizer(r'\w+')), drop non-ASCII.

export function tokenize(caption: string): string[] {
  const ascii = caption.toLowerCase().replace(/[^\x00-\x7f]/g, '');
  return ascii.match(/\w+/g) ?? [];
}
