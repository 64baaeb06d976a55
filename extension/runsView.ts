// The "Runs" tree in the T2I Lab side bar: each config of the workspace, and
// under it its run folders with their state. Read straight from disk.
import path from 'node:path';
import * as vscode from 'vscode';
import { isTrainingState, type RunStatus } from '../protocol/events';
import { configStem } from '../models/run/layout';
import { listRuns, readRunStarted, readStatus } from '../models/run/runReader';
import { findConfigs } from './configs';
import { isAlive } from './pid';
import type { Trainers } from './trainers';

/** Runs a GAN config makes before its GAN phase, by their run_started method. */
const PRETRAINING_PHASE: Record<string, string> = { damsm: 'DAMSM pretraining', stream: 'STREAM pretraining' };

export type RunsNode = { kind: 'config'; configPath: string } | { kind: 'run'; configPath: string; runDir: string };

const STATE_ICON: Record<RunStatus['state'], vscode.ThemeIcon> = {
  running: new vscode.ThemeIcon('sync~spin'),
  // The host saw no heartbeat for the timeout: hung or suspended (the message says how long).
  paused: new vscode.ThemeIcon('debug-pause', new vscode.ThemeColor('problemsWarningIcon.foreground')),
  completed: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  stopped: new vscode.ThemeIcon('debug-stop'),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
};

export class RunsView implements vscode.TreeDataProvider<RunsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  private timer?: NodeJS.Timeout;

  constructor(private readonly trainers: Trainers) {
    const configs = vscode.workspace.createFileSystemWatcher('**/*.t2i.json', false, true, false);
    const statuses = vscode.workspace.createFileSystemWatcher('**/runs/**/status.json');
    for (const w of [configs, statuses]) {
      this.subscriptions.push(w, w.onDidCreate(() => this.refresh()), w.onDidDelete(() => this.refresh()));
    }
    this.subscriptions.push(
      statuses.onDidChange(() => this.refresh()),
      // Start and end change a config's icon and context value (which buttons it shows).
      trainers.onDidStart(() => this.refresh()),
      trainers.onDidEnd(() => this.refresh()),
      trainers.onDidChange(() => this.refresh(2000)),
    );
  }

  /** Debounced: a training run rewrites status.json often. */
  refresh(delayMs = 300): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.changed.fire(undefined);
    }, delayMs);
  }

  async getChildren(node?: RunsNode): Promise<RunsNode[]> {
    if (!node) return (await findConfigs()).map((uri) => ({ kind: 'config', configPath: uri.fsPath }));
    if (node.kind === 'config') {
      return listRuns(node.configPath)
        .reverse()
        .map((runDir) => ({ kind: 'run', configPath: node.configPath, runDir }));
    }
    return [];
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    if (node.kind === 'config') {
      const training = this.trainers.get(node.configPath);
      const hasRuns = listRuns(node.configPath).length > 0;
      const item = new vscode.TreeItem(configStem(node.configPath), hasRuns ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
      item.id = `config:${node.configPath}`;
      item.resourceUri = vscode.Uri.file(node.configPath);
      const folder = path.dirname(vscode.workspace.asRelativePath(node.configPath, false));
      item.description = training ? `${training.activity}…` : folder === '.' ? '' : folder;
      item.tooltip = node.configPath;
      item.iconPath = training ? new vscode.ThemeIcon('sync~spin') : new vscode.ThemeIcon('beaker');
      item.contextValue = training ? 't2i.config.training' : 't2i.config';
      item.command = { title: 'Open Dashboard', command: 't2i.openDashboard', arguments: [vscode.Uri.file(node.configPath)] };
      return item;
    }
    const status = readStatus(node.runDir);
    // "running" (or "paused") in a status.json whose process is gone: the trainer crashed or was killed.
    const interrupted = !!status && isTrainingState(status.state) && !isAlive(status.pid);
    const state = interrupted ? 'interrupted' : status?.state;
    const item = new vscode.TreeItem(path.basename(node.runDir), vscode.TreeItemCollapsibleState.None);
    item.id = `run:${node.runDir}`;
    // Encoder and captioner pretraining runs live beside the GAN runs of the same config: say which they are.
    const phase = PRETRAINING_PHASE[readRunStarted(node.runDir)?.method ?? ''];
    item.description = (phase ? `${phase} · ` : '') + (status ? `${state} · ${status.step.toLocaleString('en-US')}/${status.totalSteps.toLocaleString('en-US')}` : 'no status');
    item.tooltip = new vscode.MarkdownString(
      `**${path.basename(node.runDir)}**\n\n${status ? `${state}, step ${status.step} of ${status.totalSteps}` : 'No status.json'}` +
        `${status?.lastCheckpoint ? `\n\nLast checkpoint: \`${status.lastCheckpoint}\`` : ''}${status?.message ? `\n\n${status.message}` : ''}`,
    );
    item.iconPath = interrupted
      ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'))
      : (status && STATE_ICON[status.state]) ?? new vscode.ThemeIcon('circle-outline');
    item.contextValue = 't2i.run';
    item.command = { title: 'Show Run', command: 't2i.showRun', arguments: [node] };
    return item;
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}
