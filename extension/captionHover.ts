// Caption hover: in `*.t2i.json` caption strings, `*.captions.txt` lines and
// the caption files of a configured dataset (`.txt` under its folder), shows
// an image generated from the latest checkpoint of the owning config (by the
// warm `t2i serve` child), with a link to the attention panel. In a dataset
// caption file the real image the caption describes is shown beside it.
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { configStem } from '../models/run/layout';
import { latestRun } from '../models/run/runReader';
import { checkConfigText } from '../models/config/checkConfigText';
import type { T2IConfig } from '../models/config/config';
import { captionAt, captionLineAt } from './captionLocate';
import { datasetCaptionFile, type DatasetCaptionFile } from './datasetCaptionFile';
import { realThumbnail, type Thumbnail } from './realThumbnail';
import { findConfigs, isConfigPath } from './configs';
import { GenerateCancelled, type Generators } from './generatorProcess';

export const INSPECT_COMMAND = 't2i.inspectAttention';
export const HOVER_SEED = 0;
/** Thumbnail side asked for: 128 px keeps the data: URI well under VS Code's 100,000-character hover limit. */
const HOVER_SIZE = 128;

/** Arguments of the "Inspect attention" command link. */
export interface InspectArgs {
  configPath: string;
  caption: string;
  seed: number;
}

export function parseInspectArgs(arg: unknown): InspectArgs | undefined {
  const a = arg as Partial<InspectArgs> | undefined;
  if (!a || typeof a.configPath !== 'string' || !isConfigPath(a.configPath) || typeof a.caption !== 'string') return undefined;
  const seed = typeof a.seed === 'number' && Number.isSafeInteger(a.seed) && a.seed >= 0 ? a.seed : HOVER_SEED;
  return { configPath: a.configPath, caption: a.caption.slice(0, 500), seed };
}

/** The config a captions file belongs to: the nearest `*.t2i.json` in its folder, else the workspace's only config. */
export async function owningConfig(file: string): Promise<string | undefined> {
  if (isConfigPath(file)) return file;
  const dir = path.dirname(file);
  let local: string[] = [];
  try {
    local = fs.readdirSync(dir).filter((f) => isConfigPath(f)).sort();
  } catch {
    // unreadable folder
  }
  if (local.length) {
    // `birds.captions.txt` prefers `birds.t2i.json`.
    const stem = path.basename(file).replace(/\.captions\.txt$/i, '');
    return path.join(dir, local.find((f) => configStem(f) === stem) ?? local[0]);
  }
  const all = await findConfigs();
  return all.length === 1 ? all[0].fsPath : undefined;
}

/** Parsed configs by file and modification time, for finding which dataset a caption file belongs to. */
const parsedConfigs = new Map<string, { mtimeMs: number; cfg?: T2IConfig }>();

function parsedConfig(configPath: string): T2IConfig | undefined {
  let mtimeMs: number;
  let text: string;
  try {
    mtimeMs = fs.statSync(configPath).mtimeMs;
    const hit = parsedConfigs.get(configPath);
    if (hit && hit.mtimeMs === mtimeMs) return hit.cfg;
    text = fs.readFileSync(configPath, 'utf8');
  } catch {
    return undefined;
  }
  const { cfg } = checkConfigText(text, configPath);
  parsedConfigs.set(configPath, { mtimeMs, cfg });
  return cfg;
}

/** The dataset sample a `.txt` file is a caption file of, in the first workspace config whose dataset holds it. */
export async function datasetOwner(file: string): Promise<DatasetCaptionFile | undefined> {
  if (!/\.txt$/i.test(file) || /\.captions\.txt$/i.test(file)) return undefined;
  for (const uri of await findConfigs()) {
    const cfg = parsedConfig(uri.fsPath);
    const hit = cfg && datasetCaptionFile(cfg, uri.fsPath, file);
    if (hit) return hit;
  }
  return undefined;
}

/** Budget for both images' data: URIs together, under VS Code's 100,000-character hover limit. */
const HOVER_IMAGE_BUDGET = 90_000;

/** The real image as large as fits beside a generated one of `usedChars`. */
function realThumbnailWithin(file: string, usedChars: number): Thumbnail | undefined {
  for (const side of [HOVER_SIZE, 96, 64]) {
    const t = realThumbnail(file, side);
    if (t.png.length + usedChars <= HOVER_IMAGE_BUDGET) return t;
  }
  return undefined;
}

function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>&]/g, (c) => `\\${c}`);
}

export class CaptionHoverProvider implements vscode.HoverProvider {
  constructor(private readonly generators: Generators, private readonly log: vscode.LogOutputChannel) {}

  async provideHover(doc: vscode.TextDocument, pos: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    let caption: string | undefined;
    let range: vscode.Range;
    // A dataset caption file: only `.txt` files under a configured dataset's caption folder get hovers.
    let sample: DatasetCaptionFile | undefined;
    if (isConfigPath(doc.uri.fsPath)) {
      const hit = captionAt(doc.getText(), doc.offsetAt(pos));
      if (!hit) return undefined;
      caption = hit.caption;
      range = new vscode.Range(doc.positionAt(hit.start), doc.positionAt(hit.end));
    } else {
      if (!/\.captions\.txt$/i.test(doc.uri.fsPath)) {
        sample = await datasetOwner(doc.uri.fsPath);
        if (!sample) return undefined;
      }
      const line = doc.lineAt(pos.line);
      caption = captionLineAt(line.text);
      range = line.range;
    }
    if (!caption) return undefined;
    const md = new vscode.MarkdownString(undefined, true);
    md.supportHtml = true;
    let real: Thumbnail | undefined;
    const realLabel = () => (sample ? `real image \`${sample.key.replace(/`/g, '')}\`` : '');
    if (!vscode.workspace.isTrusted) {
      // Viewing the dataset's own image loads no code: it is allowed in Restricted Mode.
      real = sample?.image ? this.realImage(sample.image, 0) : undefined;
      if (real) md.appendMarkdown(`<img src="data:image/png;base64,${real.png}" width="${real.width}" height="${real.height}" alt="real image">\n\n${realLabel()}\n\n`);
      md.appendMarkdown('$(shield) T2I Lab: images are not generated in Restricted Mode (it would load checkpoints from this workspace).');
      return new vscode.Hover(md, range);
    }
    const configPath = sample?.configPath ?? (await owningConfig(doc.uri.fsPath));
    if (!configPath) {
      md.appendMarkdown('T2I Lab: no `*.t2i.json` config owns this captions file (put one in the same folder).');
      return new vscode.Hover(md, range);
    }
    if (token.isCancellationRequested) return undefined;
    const t0 = Date.now();
    try {
      const r = await this.generators.get(configPath).generate(caption, HOVER_SEED, HOVER_SIZE, token);
      this.log.debug(`hover "${caption}" in ${Date.now() - t0} ms (server ${r.ms} ms${r.cached ? ', cached' : ''})`);
      md.isTrusted = { enabledCommands: [INSPECT_COMMAND] };
      real = sample?.image ? this.realImage(sample.image, r.png.length) : undefined;
      const realImg = real ? ` <img src="data:image/png;base64,${real.png}" width="${real.width}" height="${real.height}" alt="real image">` : '';
      md.appendMarkdown(`<img src="data:image/png;base64,${r.png}" width="${r.width}" height="${r.width}" alt="generated image">${realImg}\n\n`);
      md.appendMarkdown(`${escapeMd(configStem(configPath))} · ${escapeMd(r.method)} · step ${r.step} · seed ${HOVER_SEED}\n\n`);
      if (real) md.appendMarkdown(`left: generated · right: the dataset's ${realLabel()}\n\n`);
      else if (sample) md.appendMarkdown(`$(warning) no real image found for \`${sample.key.replace(/`/g, '')}\`\n\n`);
      if (r.unknownWords.length) md.appendMarkdown(`$(warning) not in the vocabulary, left out: ${r.unknownWords.map((w) => `\`${w.replace(/`/g, '')}\``).join(', ')}\n\n`);
      const args = encodeURIComponent(JSON.stringify([{ configPath, caption, seed: HOVER_SEED } satisfies InspectArgs]));
      md.appendMarkdown(`[$(eye) Inspect attention](command:${INSPECT_COMMAND}?${args} "Open the attention panel on this caption")`);
      return new vscode.Hover(md, range);
    } catch (e) {
      if (e instanceof GenerateCancelled || token.isCancellationRequested) return undefined;
      real = sample?.image ? this.realImage(sample.image, 0) : undefined;
      if (real) md.appendMarkdown(`<img src="data:image/png;base64,${real.png}" width="${real.width}" height="${real.height}" alt="real image">\n\n${realLabel()}\n\n`);
      md.appendMarkdown(`T2I Lab: no image for this caption: ${escapeMd((e as Error).message)}`);
      return new vscode.Hover(md, range);
    }
  }

  /** The real image's thumbnail, or undefined (logged) when it does not decode. */
  private realImage(file: string, usedChars: number): Thumbnail | undefined {
    try {
      return realThumbnailWithin(file, usedChars);
    } catch (e) {
      this.log.warn(`hover: cannot show the real image ${file}: ${(e as Error).message}`);
      return undefined;
    }
  }
}

/**
 * Starts the owning config's generator as soon as a captions file or config
 * is shown, so the first hover does not pay for loading tfjs and the model.
 * Only in trusted workspaces, and only when the config has a run to serve.
 */
export async function prewarmFor(generators: Generators, uri: vscode.Uri | undefined): Promise<void> {
  if (!uri || uri.scheme !== 'file' || !vscode.workspace.isTrusted) return;
  if (!/\.(t2i\.json|txt)$/i.test(uri.fsPath)) return;
  const configPath = /\.(t2i\.json|captions\.txt)$/i.test(uri.fsPath) ? await owningConfig(uri.fsPath) : (await datasetOwner(uri.fsPath))?.configPath;
  if (configPath && latestRun(configPath)) generators.get(configPath);
}
