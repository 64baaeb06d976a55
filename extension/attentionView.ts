// The attention side panel: a WebviewView in the T2I Lab activity-bar
// container. It shows a caption's generated image with one heatmap per word
// (from the config's warm generator), or, in live mode, the training run's
// latest sample grid with its attention export.
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { AttentionExport, SampleGridMeta } from '../protocol/events';
import { parseAttentionMessage, type HostToAttention, type LiveCell } from '../protocol/attention';
import { decodePng, encodePng, pngToRgb } from '../models/data/png';
import { configStem } from '../models/run/layout';
import { latestRun } from '../models/run/runReader';
import { LiveSamples, liveKey } from './attentionLive';
import { checkpointForStep, keepChoice, listCheckpoints } from './attentionCheckpoints';
import { dashboardStep, type DashboardStep } from './stepSync';
import { resolveConfig } from './configs';
import { GenerateCancelled, type Generators } from './generatorProcess';
import { webviewHtml } from './webviewHtml';
import { attentionResourceRoots } from './webviewRoots';

export const ATTENTION_VIEW_ID = 't2i.attention';
/** The panel asks for a larger picture than a hover. */
const PANEL_SIZE = 256;
const LIVE_POLL_MS = 2000;

export class AttentionView implements vscode.WebviewViewProvider, vscode.Disposable {
  private view?: vscode.WebviewView;
  private ready = false;
  private configPath?: string;
  /** What to show once the webview is ready. */
  private queued?: { caption: string; seed: number };
  /** The checkpoint the panel pinned (a file name of the latest run); undefined: always the latest. */
  private pinned?: string;
  private cancel?: vscode.CancellationTokenSource;
  private live = false;
  private liveTimer?: NodeJS.Timeout;
  private liveKey = '';
  private liveSamples?: LiveSamples;
  private readonly subs: vscode.Disposable[] = [];
  /** The caption last generated, regenerated when the dashboard's slider picks another checkpoint. */
  private lastRequest?: { caption: string; seed: number };

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly generators: Generators,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subs.push(dashboardStep.event((e) => this.followStep(e)));
  }

  /**
   * The dashboard's step slider moved: when the panel shows that config and
   * the dashboard shows the run the generator serves (its latest), use the
   * checkpoint nearest that step and regenerate the shown caption. Live mode
   * keeps following the training run.
   */
  private followStep(e: DashboardStep): void {
    if (!this.view || this.live || !this.configPath || path.resolve(e.configPath) !== path.resolve(this.configPath)) return;
    const runDir = latestRun(this.configPath);
    if (!runDir || path.resolve(runDir) !== path.resolve(e.runDir)) return;
    const pick = checkpointForStep(listCheckpoints(runDir), e.step);
    if (pick === this.pinned) return;
    this.pinned = pick;
    if (this.lastRequest && this.ready) {
      this.queued = this.lastRequest;
      void this.flush();
    } else if (this.ready) this.sendCheckpoints(this.configPath);
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    view.webview.options = { enableScripts: true, localResourceRoots: attentionResourceRoots(this.extensionUri.fsPath).map((p) => vscode.Uri.file(p)) };
    view.webview.html = webviewHtml(view.webview, this.extensionUri, 'attention', 'Attention');
    this.subs.push(
      view.webview.onDidReceiveMessage((m) => void this.onMessage(m)),
      view.onDidDispose(() => {
        this.view = undefined;
        this.ready = false;
        this.stopLive();
      }),
      view.onDidChangeVisibility(() => {
        if (!view.visible) this.ready = false; // a hidden webview is reloaded and says ready again
      }),
    );
  }

  /** Opens the panel on a caption (from a hover link or a command). */
  async inspect(configPath: string, caption: string, seed: number): Promise<void> {
    // A pin belongs to one config's run; another config starts at its latest.
    if (configPath !== this.configPath) this.pinned = undefined;
    this.configPath = configPath;
    this.queued = { caption, seed };
    this.setLive(false);
    await vscode.commands.executeCommand(`${ATTENTION_VIEW_ID}.focus`);
    if (this.ready) void this.flush();
  }

  private post(m: HostToAttention): void {
    void this.view?.webview.postMessage(m);
  }

  private async onMessage(raw: unknown): Promise<void> {
    const m = parseAttentionMessage(raw);
    if (!m) {
      this.log.warn('attention panel: ignored an invalid message');
      return;
    }
    if (m.type === 'ready') {
      this.ready = true;
      if (this.configPath) this.sendCheckpoints(this.configPath);
      if (this.live) {
        this.liveKey = '';
        this.pollLive();
      }
      await this.flush();
    } else if (m.type === 'generate') {
      this.queued = { caption: m.caption, seed: m.seed };
      this.pinned = m.checkpoint;
      this.setLive(false);
      await this.flush();
    } else if (m.type === 'live') {
      this.setLive(m.on);
    }
  }

  private async config(): Promise<string | undefined> {
    if (this.configPath && fs.existsSync(this.configPath)) return this.configPath;
    this.configPath = await resolveConfig(undefined, 'Attention');
    this.pinned = undefined;
    return this.configPath;
  }

  private async flush(): Promise<void> {
    const req = this.queued;
    if (!req || !this.view) return;
    this.queued = undefined;
    this.lastRequest = req;
    if (!vscode.workspace.isTrusted) {
      this.post({ type: 'error', caption: req.caption, message: 'Images are not generated in Restricted Mode: trust the workspace to load its checkpoints.' });
      return;
    }
    const configPath = await this.config();
    if (!configPath) {
      this.post({ type: 'error', caption: req.caption, message: 'No training config (*.t2i.json) chosen.' });
      return;
    }
    const configName = configStem(configPath);
    const checkpoint = this.sendCheckpoints(configPath);
    this.cancel?.cancel();
    const cts = (this.cancel = new vscode.CancellationTokenSource());
    this.post({ type: 'pending', caption: req.caption, seed: req.seed, configName });
    try {
      const r = await this.generators.get(configPath).generate(req.caption, req.seed, PANEL_SIZE, cts.token, checkpoint);
      this.post({
        type: 'result',
        result: {
          caption: req.caption, seed: req.seed, configName, image: `data:image/png;base64,${r.png}`,
          step: r.step, checkpoint: r.checkpoint, method: r.method, unknownWords: r.unknownWords, attention: r.attention,
        },
      });
      // Training may have written checkpoints since: refresh the picker.
      this.sendCheckpoints(configPath);
    } catch (e) {
      if (e instanceof GenerateCancelled) return;
      this.post({ type: 'error', caption: req.caption, message: (e as Error).message });
    }
  }

  /**
   * Sends the picker the latest run's checkpoints and returns the one to
   * generate from: the pinned one while the run has it, else undefined (the
   * latest). Only names from this list reach the generator.
   */
  private sendCheckpoints(configPath: string): string | undefined {
    const runDir = latestRun(configPath);
    const items = runDir ? listCheckpoints(runDir) : [];
    this.pinned = keepChoice(items, this.pinned);
    this.post({ type: 'checkpoints', run: runDir ? path.basename(runDir) : '', items, ...(this.pinned ? { selected: this.pinned } : {}) });
    return this.pinned;
  }

  // ---- live mode: the run's latest sample grid and attention export ----

  private setLive(on: boolean): void {
    if (on === this.live) return;
    this.live = on;
    this.liveKey = '';
    if (on) this.pollLive();
    else this.stopLive();
  }

  private stopLive(): void {
    clearTimeout(this.liveTimer);
    this.liveTimer = undefined;
  }

  private pollLive(): void {
    this.stopLive();
    void this.sendLive().finally(() => {
      if (this.live && this.view) this.liveTimer = setTimeout(() => this.pollLive(), LIVE_POLL_MS);
    });
  }

  private async sendLive(): Promise<void> {
    if (!this.view || !this.ready) return;
    const configPath = await this.config();
    const runDir = configPath && latestRun(configPath);
    if (!configPath || !runDir) {
      this.post({ type: 'liveEmpty', message: configPath ? `"${configStem(configPath)}" has no training run yet.` : 'No training config chosen.' });
      return;
    }
    // One follower per run: each poll reads only what the trainer appended since the last one.
    if (this.liveSamples?.runDir !== runDir) this.liveSamples = new LiveSamples(runDir);
    const sample = this.liveSamples.poll();
    if (!sample) {
      this.post({ type: 'liveEmpty', message: 'The run has no sample grid yet.' });
      return;
    }
    const key = liveKey(runDir, sample);
    if (key === this.liveKey) return;
    try {
      const meta = JSON.parse(fs.readFileSync(path.join(runDir, sample.meta), 'utf8')) as SampleGridMeta;
      const exp = sample.attention ? (JSON.parse(fs.readFileSync(path.join(runDir, sample.attention), 'utf8')) as AttentionExport) : undefined;
      const cells = cutCells(fs.readFileSync(path.join(runDir, sample.path)), meta).map((png, i): LiveCell => ({
        caption: meta.captions[i] ?? '',
        image: `data:image/png;base64,${png.toString('base64')}`,
        attention: exp
          ? { words: exp.words[i] ?? [], stages: exp.stages.map((s) => ({ name: s.name, size: s.size, maps: s.maps[i] ?? [] })) }
          : undefined,
      }));
      this.liveKey = key;
      this.post({ type: 'live', configName: configStem(configPath), step: sample.step, cells, hasAttention: !!exp });
    } catch (e) {
      this.post({ type: 'liveEmpty', message: `Could not read the step ${sample.step} sample: ${(e as Error).message}` });
    }
  }

  dispose(): void {
    this.stopLive();
    this.cancel?.cancel();
    for (const s of this.subs) s.dispose();
  }
}

/** The cells of a sample grid PNG as separate PNGs, row-major. */
export function cutCells(gridPng: Buffer, meta: SampleGridMeta): Buffer[] {
  const png = decodePng(gridPng);
  const rgb = pngToRgb(png);
  const gap = meta.gap ?? 0;
  const S = meta.cell;
  const out: Buffer[] = [];
  const n = Math.min(meta.captions.length, meta.rows * meta.cols);
  for (let i = 0; i < n; i++) {
    const x0 = gap + (i % meta.cols) * (S + gap);
    const y0 = gap + Math.floor(i / meta.cols) * (S + gap);
    const cell = new Uint8Array(S * S * 3);
    for (let y = 0; y < S; y++) cell.set(rgb.subarray(((y0 + y) * png.width + x0) * 3, ((y0 + y) * png.width + x0 + S) * 3), y * S * 3);
    out.push(encodePng(cell, S, S, 3));
  }
  return out;
}
