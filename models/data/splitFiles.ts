// Train/test split lists without pickles. A split is two lists of names, each
// a class (`001.Black_footed_Albatross`, `class_00001`) or an image key
// (`001.Black_footed_Albatross/Black_Footed_Albatross_0046_18`), read from:
//   - `dataset.splitFile`: JSON {"train": [...], "test": [...]};
//   - Reed et al.'s class lists `trainvalclasses.txt` + `testclasses.txt`;
//   - `train/filenames.txt` + `test/filenames.txt` (one key per line), or
//     `train/filenames.json` + `test/filenames.json` (a JSON list of keys): the
//     pickle-free form of AttnGAN's `filenames.pickle`.
import path from 'node:path';
import { DatasetError } from './datasetErrors';
import { isFile, lineColOf, readJson, readText, splitLines } from './textFiles';

export interface SplitEntry {
  name: string;
  file: string;
  line?: number;
}

export interface SplitLists {
  train: SplitEntry[];
  test: SplitEntry[];
  /** Where the lists came from, for messages. */
  source: string;
}

export interface SplitExamples {
  /** e.g. `001.Black_footed_Albatross`. */
  className: string;
  /** e.g. `001.Black_footed_Albatross/Black_Footed_Albatross_0046_18`. */
  key: string;
}

function pickleAdvice(root: string, ex: SplitExamples): string {
  return (
    `is a Python pickle, which T2I Lab does not read. Provide the split as text or JSON instead: ` +
    `${path.join(root, 'trainvalclasses.txt')} and testclasses.txt (one class per line, e.g. ${ex.className}); ` +
    `or train/filenames.txt and test/filenames.txt under ${root} (one image key per line, e.g. ${ex.key}); ` +
    `or set "splitFile" in the dataset config to a JSON file {"train": [...], "test": [...]} of classes or keys. ` +
    `To convert AttnGAN's pickles, run in ${root}: python3 -c "import pickle; ` +
    `[open(s + '/filenames.txt', 'w').write('\\n'.join(pickle.load(open(s + '/filenames.pickle', 'rb'), encoding='latin1')) + '\\n') for s in ('train', 'test')]"`
  );
}

function textList(file: string, what: string): SplitEntry[] {
  const out: SplitEntry[] = [];
  splitLines(readText(file, what)).forEach((raw, i) => {
    const name = raw.trim();
    if (name) out.push({ name, file, line: i + 1 });
  });
  return out;
}

function jsonList(value: unknown, text: string, file: string, what: string): SplitEntry[] {
  if (!Array.isArray(value)) throw new DatasetError(file, undefined, `${what} must be a JSON list of strings`);
  let from = 0;
  return value.map((v, i) => {
    if (typeof v !== 'string' || !v.trim()) throw new DatasetError(file, undefined, `${what}: entry ${i} must be a non-empty string, got ${JSON.stringify(v)}`);
    const at = text.indexOf(JSON.stringify(v), from);
    if (at >= 0) from = at;
    return { name: v.trim(), file, line: at >= 0 ? lineColOf(text, at).line : undefined };
  });
}

/** Reads `dataset.splitFile`: JSON {"train": [...], "test": [...]}; a pickle gets advice on what to give instead. */
export function readSplitFile(file: string, root: string, ex: SplitExamples): SplitLists {
  if (/\.(pickle|pkl)$/i.test(file)) throw new DatasetError(file, undefined, pickleAdvice(root, ex));
  if (!/\.json$/i.test(file)) {
    throw new DatasetError(file, undefined, `splitFile must be a .json file {"train": [...], "test": [...]} (got ${path.extname(file) || 'no extension'})`);
  }
  const { value, text } = readJson(file, 'split file');
  const obj = value as { train?: unknown; test?: unknown };
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj) || !('train' in obj) || !('test' in obj)) {
    throw new DatasetError(file, undefined, 'split file must be a JSON object {"train": [...], "test": [...]}');
  }
  return { train: jsonList(obj.train, text, file, '"train"'), test: jsonList(obj.test, text, file, '"test"'), source: file };
}

/** Finds the split lists in `root` (see the header); throws a DatasetError naming what is missing. */
export function discoverSplit(root: string, ex: SplitExamples): SplitLists {
  const classTrain = path.join(root, 'trainvalclasses.txt');
  const classTest = path.join(root, 'testclasses.txt');
  if (isFile(classTrain) || isFile(classTest)) {
    if (!isFile(classTrain)) throw new DatasetError(classTrain, undefined, `missing split file (found ${path.basename(classTest)} but not this one)`);
    if (!isFile(classTest)) throw new DatasetError(classTest, undefined, `missing split file (found ${path.basename(classTrain)} but not this one)`);
    return { train: textList(classTrain, 'split file'), test: textList(classTest, 'split file'), source: `${classTrain} + ${path.basename(classTest)}` };
  }
  for (const ext of ['txt', 'json']) {
    const tr = path.join(root, 'train', `filenames.${ext}`);
    const te = path.join(root, 'test', `filenames.${ext}`);
    if (!isFile(tr) && !isFile(te)) continue;
    if (!isFile(tr)) throw new DatasetError(tr, undefined, `missing split file (found ${te})`);
    if (!isFile(te)) throw new DatasetError(te, undefined, `missing split file (found ${tr})`);
    if (ext === 'txt') return { train: textList(tr, 'split file'), test: textList(te, 'split file'), source: `${tr} + ${te}` };
    const a = readJson(tr, 'split file');
    const b = readJson(te, 'split file');
    return { train: jsonList(a.value, a.text, tr, 'split file'), test: jsonList(b.value, b.text, te, 'split file'), source: `${tr} + ${te}` };
  }
  for (const p of [path.join(root, 'train', 'filenames.pickle'), path.join(root, 'test', 'filenames.pickle')]) {
    if (isFile(p)) throw new DatasetError(p, undefined, pickleAdvice(root, ex));
  }
  throw new DatasetError(
    classTrain,
    undefined,
    `missing split file: looked for trainvalclasses.txt + testclasses.txt, train/filenames.txt + test/filenames.txt and train/filenames.json + test/filenames.json in ${root}; ` +
      `or set "splitFile" in the dataset config to a JSON file {"train": [...], "test": [...]}`,
  );
}

/** Assigns items to splits by class or key. Entries naming nothing are returned for the caller to report. */
export function applySplit<T extends { key: string; className: string }>(
  items: readonly T[],
  lists: SplitLists,
): { train: T[]; test: T[]; unmatched: SplitEntry[]; both: T[] } {
  const classes = new Set(items.map((it) => it.className));
  const keys = new Set(items.map((it) => it.key));
  const trainSet = new Set<string>();
  const testSet = new Set<string>();
  const unmatched: SplitEntry[] = [];
  const add = (entries: SplitEntry[], set: Set<string>) => {
    for (const e of entries) {
      const name = e.name.replace(/\.(jpg|jpeg|png|txt)$/i, '');
      if (classes.has(name) || keys.has(name)) set.add(name);
      else unmatched.push(e);
    }
  };
  add(lists.train, trainSet);
  add(lists.test, testSet);
  const train: T[] = [];
  const test: T[] = [];
  const both: T[] = [];
  for (const it of items) {
    const inTrain = trainSet.has(it.className) || trainSet.has(it.key);
    const inTest = testSet.has(it.className) || testSet.has(it.key);
    if (inTrain && inTest) both.push(it);
    else if (inTrain) train.push(it);
    else if (inTest) test.push(it);
  }
  return { train, test, unmatched, both };
}
