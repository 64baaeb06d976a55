// One dashboard panel per config. It shows one run folder at a time: the one
// picked in the Runs view, else the run being trained, else the latest. The
// host reads the folder and forwards its events; the webview only draws.
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { RunEvent, SampleEvent } from '../protocol/events';
import { parseDashboardMessage, type HostToDashboard, type TrainerActivity } from '../protocol/webview';
import { configStem } from '../models/run/layout';
import { latestCheckpointFile, latestRun, listRuns, readStatus } from '../models/run/runReader';
import { isAlive } from './pid';
import { exportGrid, gridFile, suggestedExportPath } from './gridExport';
import { loadRunHistory, readRunConfig, scanHistory, SnapshotMaker } from './runHistory';
import { RunTailer } from './runTailer';
import type { Trainers } from './trainers';
import { webviewHtml } from './webviewHtml';
import { dashboardResourceRoots } from './webviewRoots';
import { dashboardStep } from './stepSync';
import { INSPECT_COMMAND } from './captionHover';

export const DASHBOARD_VIEW_TYPE = 't2i.dashboard';

/** Events per message: big histories arrive in pieces, so the webview stays responsive. */
const BATCH = 5000;

export interface DashboardDeps {
  extensionUri: vscode.Uri;
  trainers: Trainers;
  log: vscode.LogOutputChannel;
  /** Runs the train and stop commands, with their checks and prompts. */
  train(configPath: string): void;
  stop(configPath: string): void;
  /** Continues a run folder from its latest checkpoint (`t2i train --resume`), with the same checks as train. */
  resume(configPath: string, runDir: string): void;
}

export function dashboardOptions(extensionUri: vscode.Uri, configPath: string): vscode.WebviewOptions {
  return {
    enableScripts: true,
    // Only the bundles, the icons and this config's run folders; nothing else on disk.
    localResourceRoots: dashboardResourceRoots(extensionUri.fsPath, configPath).map((p) => vscode.Uri.file(p)),
  };
}

export class DashboardPanel implements vscode.Disposable {
  private ready = false;
  private disposed = false;
  private tailer?: RunTailer;
  private runDir?: string;
  /** Bumped by every session start and end: async history reads of an older session stop. */
  private session = 0;
  private snapshots?: SnapshotMaker;
  private activity: TrainerActivity = 'idle';
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly closed = new vscode.EventEmitter<void>();
  readonly onDidClose = this.closed.event;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly configPath: string,
    private readonly deps: DashboardDeps,
    /** A run picked explicitly (Runs view); otherwise the latest is shown. */
    private pinnedRunDir?: string,
  ) {
    const stem = configStem(configPath);
    panel.title = `T2I: ${stem}`;
    panel.iconPath = {
      light: vscode.Uri.joinPath(deps.extensionUri, 'media', 'dashboard-light.svg'),
      dark: vscode.Uri.joinPath(deps.extensionUri, 'media', 'dashboard-dark.svg'),
    };
    panel.webview.options = dashboardOptions(deps.extensionUri, configPath);
    panel.webview.html = webviewHtml(panel.webview, deps.extensionUri, 'dashboard', panel.title);
    this.subscriptions.push(
      panel.webview.onDidReceiveMessage((m) => this.onMessage(m)),
      // A hidden webview is torn down and posts `ready` again when shown; until then, post nothing.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.endSession();
      }),
      panel.onDidDispose(() => this.dispose()),
      deps.trainers.onDidStart((t) => {
        if (t.configPath !== this.configPath) return;
        // A new run of this config: show it, whatever was shown before.
        this.pinnedRunDir = undefined;
        if (this.ready) this.startSession();
      }),
      deps.trainers.onDidChange((t) => {
        if (t.configPath === this.configPath && t.runDir === this.runDir) this.setActivity(t.activity);
      }),
      deps.trainers.onDidEnd(({ training, failure }) => {
        if (training.configPath !== this.configPath) return;
        if (training.runDir === this.runDir) this.tailer?.read();
        this.setActivity('idle');
        if (failure && training.runDir === this.runDir) this.post({ type: 'trainerError', message: failure });
      }),
    );
  }

  /** Shows a given run, or (undefined) the current/latest one. */
  showRun(runDir: string | undefined): void {
    this.pinnedRunDir = runDir;
    if (this.ready && this.chooseRun() !== this.runDir) this.startSession();
  }

  /** Brings the panel to the front where it is (not beside the active editor, which could move it). */
  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.endSession();
    for (const s of this.subscriptions) s.dispose();
    this.subscriptions.length = 0;
    this.closed.fire();
    this.closed.dispose();
  }

  private onMessage(raw: unknown): void {
    const msg = parseDashboardMessage(raw);
    if (!msg) {
      this.deps.log.warn(`dashboard: ignored an unexpected message`);
      return;
    }
    switch (msg.type) {
      case 'ready':
        this.startSession();
        break;
      case 'train':
        this.deps.train(this.configPath);
        break;
      case 'stop':
        this.deps.stop(this.configPath);
        break;
      case 'showLog':
        this.deps.log.show(true);
        break;
      case 'openConfig':
        void vscode.window.showTextDocument(vscode.Uri.file(this.configPath), { viewColumn: vscode.ViewColumn.One });
        break;
      case 'resume':
        this.resume();
        break;
      case 'exportPng':
        void this.exportPng(msg.step);
        break;
      case 'overlay':
        void this.sendOverlays(msg.runIds);
        break;
      case 'selectStep':
        // One slider across views: the attention panel follows the shown run's step.
        if (this.runDir) dashboardStep.fire({ configPath: this.configPath, runDir: this.runDir, step: msg.step });
        break;
      case 'inspectCaption':
        // The same command as the caption hover's "Inspect attention" link.
        void vscode.commands.executeCommand(INSPECT_COMMAND, { configPath: this.configPath, caption: msg.caption });
        break;
    }
  }

  private resume(): void {
    const runDir = this.runDir;
    if (!runDir || this.activity !== 'idle') return;
    if (!latestCheckpointFile(runDir)) {
      void vscode.window.showWarningMessage(`T2I Lab: run ${path.basename(runDir)} has no checkpoint to resume from.`);
      return;
    }
    this.deps.resume(this.configPath, runDir);
  }

  /** Saves the shown run's grid at `step` where the user picks; the webview only names the step. */
  private async exportPng(step: number): Promise<void> {
    const runDir = this.runDir;
    const src = runDir && gridFile(runDir, step);
    if (!runDir || !src) {
      void vscode.window.showErrorMessage(`T2I Lab: there is no sample grid at step ${step} in this run.`);
      return;
    }
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(suggestedExportPath(this.configPath, runDir, step)),
      filters: { 'PNG image': ['png'] },
      saveLabel: 'Export PNG',
      title: `Export the sample grid at step ${step}`,
    });
    if (!target) return;
    try {
      exportGrid(runDir, step, target.fsPath);
      this.deps.log.info(`exported ${src} to ${target.fsPath}`);
    } catch (e) {
      void vscode.window.showErrorMessage(`T2I Lab: could not write ${target.fsPath}: ${(e as Error).message}`);
    }
  }

  /** Posts the other runs of this config, for the overlay picker. */
  private sendRuns(): void {
    const current = this.runDir && path.basename(this.runDir);
    const runs = listRuns(this.configPath).map((d) => path.basename(d)).reverse();
    const config = this.runDir ? readRunConfig(this.runDir) : undefined;
    this.post({ type: 'runs', runs: runs.map((runId) => ({ runId, current: runId === current })), config });
  }

  /** Reads each requested run's history (only runs of this config) and posts it. */
  private async sendOverlays(runIds: string[]): Promise<void> {
    const session = this.session;
    const runs = new Map(listRuns(this.configPath).map((d) => [path.basename(d), d]));
    for (const runId of runIds) {
      const dir = runs.get(runId);
      if (!dir || dir === this.runDir) continue;
      const scanned = await scanHistory(dir, () => session !== this.session);
      if (!scanned || session !== this.session) return;
      this.post({
        type: 'overlay',
        runId,
        series: scanned.history.series().filter((s) => s.kind === 'loss'),
        config: readRunConfig(dir),
        lastStep: scanned.history.lastStep,
      });
    }
  }

  /** A run picked in the Runs view, else the one training, else the latest. */
  private chooseRun(): string | undefined {
    return this.pinnedRunDir ?? this.deps.trainers.get(this.configPath)?.runDir ?? latestRun(this.configPath);
  }

  /**
   * (Re)sends everything: reset, the run's history decimated on the host (a
   * quick view of its end first when the log is long), then follows the run.
   */
  private startSession(): void {
    this.endSession();
    this.ready = true;
    const session = this.session;
    const runDir = this.chooseRun();
    this.runDir = runDir;
    this.activity = this.activityOf(runDir);
    this.post({
      type: 'reset',
      configName: configStem(this.configPath),
      configPath: this.configPath,
      runId: runDir ? path.basename(runDir) : undefined,
      activity: this.activity,
      trusted: vscode.workspace.isTrusted,
    });
    this.sendRuns();
    if (!runDir) return;
    const uriOf = (abs: string) => this.panel.webview.asWebviewUri(vscode.Uri.file(abs)).toString();
    this.snapshots = new SnapshotMaker(runDir, uriOf);
    void loadRunHistory(runDir, { post: (m) => this.post(m), uriOf, cancelled: () => session !== this.session })
      .then((tail) => {
        if (!tail || session !== this.session) return;
        // The trainer may have started (or ended) while the history was read: follow what is there now.
        const live = this.activity !== 'idle';
        const tailer = new RunTailer(runDir, (events) => this.forward(runDir, events), { stopAtDone: true, tail });
        if (live) this.tailer = tailer.start();
        else {
          tailer.read();
          tailer.dispose();
        }
      })
      .catch((e: Error) => this.deps.log.error(`dashboard: could not read ${runDir}: ${e.message}`));
  }

  private endSession(): void {
    this.ready = false;
    this.session++;
    this.tailer?.dispose();
    this.tailer = undefined;
  }

  private activityOf(runDir: string | undefined): TrainerActivity {
    const t = this.deps.trainers.get(this.configPath);
    if (t && t.runDir === runDir) return t.activity;
    if (!runDir) return 'idle';
    // Started elsewhere (the CLI, another window) and still alive?
    const status = readStatus(runDir);
    // Paused: the host saw no heartbeat for a while, but a live pid still owns the run.
    return (status?.state === 'running' || status?.state === 'paused') && isAlive(status.pid) ? 'external' : 'idle';
  }

  private setActivity(activity: TrainerActivity): void {
    if (activity === this.activity) return;
    this.activity = activity;
    this.post({ type: 'activity', activity });
  }

  private forward(runDir: string, events: RunEvent[]): void {
    for (let i = 0; i < events.length; i += BATCH) {
      const chunk = events.slice(i, i + BATCH);
      const samples = chunk.filter((e): e is SampleEvent => e.type === 'sample').map((e) => this.snapshots!.make(e));
      this.post({ type: 'events', events: chunk.filter((e) => e.type !== 'sample'), samples });
    }
    if (this.activity === 'external' && events.some((e) => e.type === 'done')) this.setActivity('idle');
    // A run that just started has written its config snapshot by now.
    if (events.some((e) => e.type === 'run_started')) this.sendRuns();
  }

  private post(msg: HostToDashboard): void {
    if (this.ready) void this.panel.webview.postMessage(msg);
  }
}

/** The open dashboards, one per config; also revives them after a window reload. */
export class Dashboards implements vscode.WebviewPanelSerializer, vscode.Disposable {
  private readonly panels = new Map<string, DashboardPanel>();

  constructor(private readonly deps: DashboardDeps) {}

  /** Opens (or reveals) the config's dashboard, optionally on a given run. */
  show(configPath: string, runDir?: string): DashboardPanel {
    let d = this.panels.get(configPath);
    if (d) {
      d.reveal();
      // No run given: back to the live or latest run.
      d.showRun(runDir);
      return d;
    }
    const panel = vscode.window.createWebviewPanel(
      DASHBOARD_VIEW_TYPE,
      `T2I: ${configStem(configPath)}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
      dashboardOptions(this.deps.extensionUri, configPath),
    );
    d = this.track(new DashboardPanel(panel, configPath, this.deps, runDir));
    return d;
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const configPath = (state as { configPath?: unknown } | undefined)?.configPath;
    if (typeof configPath !== 'string' || !fs.existsSync(configPath) || this.panels.has(configPath)) {
      panel.dispose();
      return;
    }
    this.track(new DashboardPanel(panel, configPath, this.deps));
  }

  dispose(): void {
    for (const d of this.panels.values()) d.panel.dispose();
  }

  private track(d: DashboardPanel): DashboardPanel {
    this.panels.set(d.configPath, d);
    d.onDidClose(() => {
      if (this.panels.get(d.configPath) === d) this.panels.delete(d.configPath);
    });
    return d;
  }
}
