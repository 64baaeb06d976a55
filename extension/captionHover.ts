// Caption hover: in `*.t2i.json` caption strings and `*.captions.txt` lines,
// shows an image generated from the latest checkpoint of the owning config
// (by the warm `t2i serve` child), with a link to the attention panel.
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { configStem } from '../models/run/layout';
import { latestRun } from '../models/run/runReader';
import { captionAt, captionLineAt } from './captionLocate';
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

function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>&]/g, (c) => `\\${c}`);
}

export class CaptionHoverProvider implements vscode.HoverProvider {
  constructor(private readonly generators: Generators, private readonly log: vscode.LogOutputChannel) {}

  async provideHover(doc: vscode.TextDocument, pos: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    let caption: string | undefined;
    let range: vscode.Range;
    if (isConfigPath(doc.uri.fsPath)) {
      const hit = captionAt(doc.getText(), doc.offsetAt(pos));
      if (!hit) return undefined;
      caption = hit.caption;
      range = new vscode.Range(doc.positionAt(hit.start), doc.positionAt(hit.end));
    } else {
      const line = doc.lineAt(pos.line);
      caption = captionLineAt(line.text);
      range = line.range;
    }
    if (!caption) return undefined;
    const md = new vscode.MarkdownString(undefined, true);
    if (!vscode.workspace.isTrusted) {
      md.appendMarkdown('$(shield) T2I Lab: images are not generated in Restricted Mode (it would load checkpoints from this workspace).');
      return new vscode.Hover(md, range);
    }
    const configPath = await owningConfig(doc.uri.fsPath);
    if (!configPath) {
      md.appendMarkdown('T2I Lab: no `*.t2i.json` config owns this captions file (put one in the same folder).');
      return new vscode.Hover(md, range);
    }
    if (token.isCancellationRequested) return undefined;
    const t0 = Date.now();
    try {
      const r = await this.generators.get(configPath).generate(caption, HOVER_SEED, HOVER_SIZE, token);
      this.log.debug(`hover "${caption}" in ${Date.now() - t0} ms (server ${r.ms} ms${r.cached ? ', cached' : ''})`);
      md.supportHtml = true;
      md.isTrusted = { enabledCommands: [INSPECT_COMMAND] };
      md.appendMarkdown(`<img src="data:image/png;base64,${r.png}" width="${r.width}" height="${r.width}" alt="generated image">\n\n`);
      md.appendMarkdown(`${escapeMd(configStem(configPath))} · ${escapeMd(r.method)} · step ${r.step} · seed ${HOVER_SEED}\n\n`);
      if (r.unknownWords.length) md.appendMarkdown(`$(warning) not in the vocabulary, left out: ${r.unknownWords.map((w) => `\`${w.replace(/`/g, '')}\``).join(', ')}\n\n`);
      const args = encodeURIComponent(JSON.stringify([{ configPath, caption, seed: HOVER_SEED } satisfies InspectArgs]));
      md.appendMarkdown(`[$(eye) Inspect attention](command:${INSPECT_COMMAND}?${args} "Open the attention panel on this caption")`);
      return new vscode.Hover(md, range);
    } catch (e) {
      if (e instanceof GenerateCancelled || token.isCancellationRequested) return undefined;
      md.appendMarkdown(`T2I Lab: no image for this caption: ${escapeMd((e as Error).message)}`);
      return new vscode.Hover(md, range);
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
  if (!/\.(t2i\.json|captions\.txt)$/i.test(uri.fsPath)) return;
  const configPath = await owningConfig(uri.fsPath);
  if (configPath && latestRun(configPath)) generators.get(configPath);
}
