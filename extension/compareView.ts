// `T2I: Compare Runs`: pick runs of any configs (multi-select), run
// `t2i compare` on them in a child process (the host never loads tfjs), and
// show its report in a webview: final metrics, curves and the grids made for
// the same captions and noise. The compare folder lives in the extension's
// storage, not in the user's tree.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import * as vscode from 'vscode';
import { parseCompareMessage, parseCompareReport, type HostToCompare } from '../protocol/compare';
import { configStem, newRunId } from '../models/run/layout';
import { listRuns, readStatus } from '../models/run/runReader';
import { comparePlan, metricsOnlyReport } from './comparePlan';
import { compareResourceRoots } from './webviewRoots';
import { webviewHtml } from './webviewHtml';

export const COMPARE_VIEW_TYPE = 't2i.compare';

interface RunPick extends vscode.QuickPickItem {
  runDir: string;
}

/** Every run of every `*.t2i.json` in the workspace, newest first per config. */
async function workspaceRuns(): Promise<RunPick[]> {
  const configs = await vscode.workspace.findFiles('**/*.t2i.json', '{**/node_modules/**,**/runs/**,**/.t2i-cache/**}');
  const picks: RunPick[] = [];
  for (const uri of configs.sort((a, b) => a.fsPath.localeCompare(b.fsPath))) {
    for (const runDir of listRuns(uri.fsPath).reverse()) {
      const st = readStatus(runDir);
      picks.push({
        runDir,
        label: `${configStem(uri.fsPath)} / ${path.basename(runDir)}`,
        description: st ? `${st.state}, step ${st.step}${st.totalSteps ? ` of ${st.totalSteps}` : ''}` : undefined,
        detail: vscode.workspace.asRelativePath(runDir),
      });
    }
  }
  return picks;
}

/** The config file a run was trained from, as its config.json snapshot records it. */
function configOfRun(runDir: string): string | undefined {
  try {
    const source = (JSON.parse(fs.readFileSync(path.join(runDir, 'config.json'), 'utf8')) as { source?: unknown }).source;
    return typeof source === 'string' && fs.existsSync(source) ? source : undefined;
  } catch {
    return undefined;
  }
}

export class CompareViews implements vscode.Disposable {
  private readonly panels = new Set<vscode.WebviewPanel>();

  constructor(
    private readonly opts: {
      extensionUri: vscode.Uri;
      cliPath: string;
      storage: vscode.Uri;
      log: vscode.LogOutputChannel;
      /** Opens a run (of the config it was trained from) in the dashboard. */
      openRun: (configPath: string, runDir: string) => void;
    },
  ) {}

  /** The command: runs given (from another command) or picked, then the view. */
  async compare(runDirs?: string[]): Promise<void> {
    let dirs = runDirs?.filter((d) => typeof d === 'string' && fs.existsSync(path.join(d, 'events.jsonl')));
    if (!dirs?.length) {
      const items = await workspaceRuns();
      if (!items.length) {
        void vscode.window.showInformationMessage('T2I Lab: no runs to compare yet; train a *.t2i.json config first.');
        return;
      }
      const picked = await vscode.window.showQuickPick(items, {
        canPickMany: true,
        title: 'T2I: Compare Runs',
        placeHolder: 'Pick the runs to put side by side (for example one per method on the same dataset)',
        matchOnDetail: true,
      });
      if (!picked?.length) return;
      dirs = picked.map((p) => p.runDir);
    }
    this.show(dirs);
  }

  private show(runDirs: string[]): void {
    const outDir = vscode.Uri.joinPath(this.opts.storage, 'compare', newRunId()).fsPath;
    // Decided before anything runs: untrusted workspaces get no child process at all.
    const plan = comparePlan(vscode.workspace.isTrusted, runDirs, outDir);
    const panel = vscode.window.createWebviewPanel(COMPARE_VIEW_TYPE, `Compare ${runDirs.length} run${runDirs.length === 1 ? '' : 's'}`, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: compareResourceRoots(this.opts.extensionUri.fsPath, outDir).map((p) => vscode.Uri.file(p)),
    });
    this.panels.add(panel);
    let ready = false;
    let last: HostToCompare | undefined;
    const post = (m: HostToCompare) => {
      last = m.type === 'progress' && last?.type === 'report' ? last : m;
      if (ready) void panel.webview.postMessage(m);
    };
    const subs = [
      panel.webview.onDidReceiveMessage((raw) => {
        const m = parseCompareMessage(raw);
        if (!m) {
          this.opts.log.warn(`compare view: ignored an unexpected message ${JSON.stringify(raw)?.slice(0, 200)}`);
          return;
        }
        if (m.type === 'ready') {
          ready = true;
          if (last) void panel.webview.postMessage(last);
        } else if (m.type === 'openRun' && m.index < runDirs.length) {
          const configPath = configOfRun(runDirs[m.index]);
          if (configPath) this.opts.openRun(configPath, runDirs[m.index]);
          else void vscode.window.showWarningMessage(`T2I Lab: ${runDirs[m.index]} does not say which config it was trained from (config.json "source").`);
        }
      }),
    ];
    panel.onDidDispose(() => {
      subs.forEach((s) => s.dispose());
      this.panels.delete(panel);
    });
    panel.webview.html = webviewHtml(panel.webview, this.opts.extensionUri, 'compare', 'Compare runs');

    if (plan.kind === 'metricsOnly') {
      this.opts.log.info(`[compare] Restricted Mode: metrics only, no grids (no checkpoint loaded): ${runDirs.join(' ')}`);
      try {
        post({ type: 'report', report: metricsOnlyReport(runDirs), grids: runDirs.map(() => null), notice: plan.notice });
      } catch (e) {
        post({ type: 'error', message: (e as Error).message });
      }
      return;
    }

    fs.mkdirSync(outDir, { recursive: true });
    const jsonFile = plan.jsonFile;
    const child = fork(this.opts.cliPath, plan.args, {
      cwd: outDir,
      execPath: process.execPath,
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.opts.log.info(`[compare] pid ${child.pid}: ${runDirs.join(' ')}`);
    post({ type: 'progress', message: `Generating sample grids for ${runDirs.length} runs with their latest checkpoints…` });
    const errors: string[] = [];
    readline.createInterface({ input: child.stdout! }).on('line', (l) => {
      this.opts.log.info(`[compare] ${l}`);
      if (/^grid of|^warning/.test(l)) post({ type: 'progress', message: l });
    });
    readline.createInterface({ input: child.stderr! }).on('line', (l) => {
      this.opts.log.info(`[compare] ${l}`);
      errors.push(l);
    });
    child.on('exit', (code) => {
      if (code !== 0) {
        post({ type: 'error', message: `t2i compare failed (exit ${code}): ${errors.filter((l) => l.startsWith('t2i')).pop() ?? errors.pop() ?? 'see the T2I Lab log'}` });
        return;
      }
      let report;
      try {
        report = parseCompareReport(JSON.parse(fs.readFileSync(jsonFile, 'utf8')));
      } catch (e) {
        post({ type: 'error', message: `${jsonFile}: ${(e as Error).message}` });
        return;
      }
      if (!report) {
        post({ type: 'error', message: `${jsonFile}: not a compare report` });
        return;
      }
      const grids = report.runs.map((r) => (r.grid ? panel.webview.asWebviewUri(vscode.Uri.file(r.grid)).toString() : null));
      post({ type: 'report', report, grids });
    });
    panel.onDidDispose(() => {
      if (child.exitCode === null) child.kill();
    });
  }

  dispose(): void {
    for (const p of this.panels) p.dispose();
  }
}
