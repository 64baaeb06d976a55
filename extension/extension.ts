// T2I Lab extension host: registers commands, the dashboard, the Runs view and
// the status bar. It stays thin: training happens in a separate trainer
// process (dist/cli.js), and everything shown is read from run folders.
import * as vscode from 'vscode';
import { ConfigError, loadConfig } from '../models/config/config';
import { configStem } from '../models/run/layout';
import { AttentionView, ATTENTION_VIEW_ID } from './attentionView';
import { CompareViews } from './compareView';
import { CaptionHoverProvider, INSPECT_COMMAND, parseInspectArgs, prewarmFor } from './captionHover';
import { resolveConfig } from './configs';
import { DASHBOARD_VIEW_TYPE, Dashboards } from './dashboardPanel';
import { RunsView, type RunsNode } from './runsView';
import { TrainingStatusBar } from './statusBar';
import { Generators } from './generatorProcess';
import { Trainers } from './trainers';
import { ConfigDiagnostics } from './configDiagnostics';
import { isAlive } from './pid';
import { readStatus, latestRun } from '../models/run/runReader';
import { isTrainingState } from '../protocol/events';
import { T2ITaskProvider } from './taskProvider';
import { TASK_TYPE } from './taskArgs';
import { requireTrust } from './trust';

let trainers: Trainers | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('T2I Lab', { log: true });
  trainers = new Trainers(context.asAbsolutePath('dist/cli.js'), log, {
    logDir: vscode.Uri.joinPath(context.globalStorageUri, 'trainer-logs').fsPath,
    state: context.workspaceState,
    heartbeatTimeoutSeconds: () => vscode.workspace.getConfiguration('t2i').get<number>('heartbeatTimeoutSeconds', 300),
  });
  const t = trainers;
  // Trainers a previous window (before a reload) started keep running: follow them again.
  const diedWhileAway = t.reattach((id) => {
    const status = readStatus(id.runDir);
    return isAlive(id.pid) && (status === undefined || status.pid === id.pid);
  });

  /** `resumeRunDir`: continue that run folder from its latest checkpoint instead of starting a new run. */
  const train = async (configPath: string, resumeRunDir?: string): Promise<void> => {
    const name = configStem(configPath);
    if (!(await requireTrust(resumeRunDir ? `resuming "${name}"` : `training "${name}"`))) return;
    // One trainer per config: a second would write a second run of the same config at the same time.
    const running = t.get(configPath);
    const stopFirst = 'Stop Training';
    const show = 'Open Dashboard';
    if (running) {
      const pick = await vscode.window.showWarningMessage(
        `T2I Lab: "${name}" is already training (run ${running.runId}, step ${running.lastStep ?? 0}).`,
        { modal: true, detail: 'Stop it first (it writes a checkpoint), then train again.' },
        stopFirst,
        show,
      );
      if (pick === stopFirst) void t.stop(configPath);
      if (pick === show) dashboards.show(configPath);
      return;
    }
    // Also one started elsewhere: another window, a task, the CLI.
    const latest = latestRun(configPath);
    const latestStatus = latest ? readStatus(latest) : undefined;
    if (latest && latestStatus && isTrainingState(latestStatus.state) && isAlive(latestStatus.pid)) {
      const pick = await vscode.window.showWarningMessage(
        `T2I Lab: "${name}" is already training outside this window (pid ${latestStatus.pid}, step ${latestStatus.step}).`,
        { modal: true, detail: 'It may run from a task, a terminal or another window. Stop it first (it writes a checkpoint), then train again.' },
        stopFirst,
        show,
      );
      if (pick === stopFirst) {
        try {
          process.kill(latestStatus.pid, 'SIGTERM');
        } catch (e) {
          void vscode.window.showErrorMessage(`T2I Lab: could not stop pid ${latestStatus.pid}: ${(e as Error).message}`);
        }
      }
      if (pick === show) dashboards.show(configPath);
      return;
    }
    // Train what the user sees, not what was last saved.
    await vscode.workspace.textDocuments.find((d) => d.uri.fsPath === configPath && d.isDirty)?.save();
    try {
      // A resumed run keeps its own config snapshot; a new one needs its dataset on disk.
      loadConfig(configPath, { checkPaths: resumeRunDir === undefined });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      log.error(e.message);
      const open = 'Open Config';
      const first = e.errors[0]?.message ?? e.message;
      const more = e.errors.length > 1 ? ` (and ${e.errors.length - 1} more)` : '';
      const pick = await vscode.window.showErrorMessage(`T2I Lab: "${name}" is not a valid config: ${first}${more}`, open);
      if (pick === open) void vscode.window.showTextDocument(vscode.Uri.file(configPath));
      return;
    }
    try {
      t.start(configPath, resumeRunDir);
    } catch (e) {
      void vscode.window.showErrorMessage(`T2I Lab: could not start training "${name}": ${(e as Error).message}`);
      return;
    }
    dashboards.show(configPath);
  };

  const stop = async (configPath: string): Promise<void> => {
    if (!t.get(configPath)) {
      // Perhaps started outside this window (a task, a terminal): SIGTERM makes it checkpoint and exit.
      const latest = latestRun(configPath);
      const status = latest ? readStatus(latest) : undefined;
      if (status && isTrainingState(status.state) && isAlive(status.pid)) {
        try {
          process.kill(status.pid, 'SIGTERM');
          log.info(`asked trainer pid ${status.pid} of ${configPath} to stop`);
        } catch (e) {
          void vscode.window.showErrorMessage(`T2I Lab: could not stop pid ${status.pid}: ${(e as Error).message}`);
        }
        return;
      }
      void vscode.window.showInformationMessage(`T2I Lab: "${configStem(configPath)}" is not training.`);
      return;
    }
    await t.stop(configPath);
  };

  const dashboards = new Dashboards({
    extensionUri: context.extensionUri,
    trainers: t,
    log,
    train: (c) => void train(c),
    stop: (c) => void stop(c),
    resume: (c, runDir) => void train(c, runDir),
  });
  const runsView = new RunsView(t);
  // The trainer's own config check as squiggles, with quick fixes.
  const diagnostics = new ConfigDiagnostics();
  // Warm generators (`t2i serve`) for caption hovers and the attention panel.
  const generators = new Generators(context.asAbsolutePath('dist/cli.js'), log);
  const attentionView = new AttentionView(context.extensionUri, generators, log);
  const compareViews = new CompareViews({
    extensionUri: context.extensionUri,
    cliPath: context.asAbsolutePath('dist/cli.js'),
    storage: context.storageUri ?? context.globalStorageUri,
    log,
    openRun: (configPath, runDir) => dashboards.show(configPath, runDir),
  });

  // Tell the user where a failed run's reason is, and when a long run is done.
  t.onDidEnd(async ({ training, failure }) => {
    const name = configStem(training.configPath);
    const showLog = 'Show Log';
    const openDashboard = 'Open Dashboard';
    let pick: string | undefined;
    if (failure) {
      pick = await vscode.window.showErrorMessage(`T2I Lab: training "${name}" failed: ${failure}`, showLog, openDashboard);
    } else if (training.done?.reason === 'completed' || training.done?.reason === 'time-limit') {
      const why = training.done.reason === 'completed' ? 'finished' : 'reached its time limit';
      pick = await vscode.window.showInformationMessage(`T2I Lab: "${name}" ${why} at step ${training.done.step}.`, openDashboard);
    }
    if (pick === showLog) log.show(true);
    if (pick === openDashboard) dashboards.show(training.configPath);
  });

  // A trainer that stops writing its heartbeat (status.json) may be hung: say so once per silence.
  t.onDidHang(async ({ training, seconds, paused }) => {
    const stopIt = 'Stop Training';
    const showLog = 'Show Log';
    const pick = await vscode.window.showWarningMessage(
      `T2I Lab: "${configStem(training.configPath)}" has shown no sign of life for ${seconds} s (no heartbeat in status.json, no events). The trainer may be hung${paused ? '; its run is marked paused until it writes again' : ''}.`,
      stopIt,
      showLog,
      'Keep Waiting',
    );
    if (pick === stopIt) void t.stop(training.configPath);
    if (pick === showLog) log.show(true);
  });
  // Trainers that died while no window followed them (their runs are now marked failed).
  for (const { identity, reason } of diedWhileAway) {
    void vscode.window.showErrorMessage(`T2I Lab: training "${configStem(identity.configPath)}" failed: ${reason}`, 'Show Log').then((pick) => {
      if (pick) void vscode.window.showTextDocument(vscode.Uri.file(identity.logFile), { preview: true });
    });
  }

  // Context keys for menus: "Stop Training" shows only where something trains.
  let trainingKey = '';
  const updateContext = () => {
    const paths = t.all().map((x) => x.configPath);
    if (paths.join('\n') === trainingKey) return;
    trainingKey = paths.join('\n');
    void vscode.commands.executeCommand('setContext', 't2i.anyTraining', paths.length > 0);
    void vscode.commands.executeCommand('setContext', 't2i.trainingConfigs', paths);
  };
  t.onDidChange(updateContext);
  t.onDidEnd(updateContext);

  const forConfig = (purpose: string, fn: (configPath: string) => unknown) => async (arg?: unknown) => {
    const configPath = await resolveConfig(arg, purpose);
    if (configPath) await fn(configPath);
  };

  context.subscriptions.push(
    log,
    t,
    dashboards,
    runsView,
    new TrainingStatusBar(t),
    vscode.commands.registerCommand('t2i.train', forConfig('Train', train)),
    vscode.commands.registerCommand('t2i.stop', forConfig('Stop Training', stop)),
    vscode.commands.registerCommand('t2i.openDashboard', forConfig('Open Dashboard', (c) => dashboards.show(c))),
    vscode.commands.registerCommand('t2i.showRun', (node: RunsNode) => {
      if (node?.kind === 'run') dashboards.show(node.configPath, node.runDir);
    }),
    vscode.commands.registerCommand('t2i.showLog', () => log.show(true)),
    compareViews,
    vscode.commands.registerCommand('t2i.compareRuns', (runDirs?: unknown) => compareViews.compare(Array.isArray(runDirs) ? runDirs.filter((d): d is string => typeof d === 'string') : undefined)),
    vscode.commands.registerCommand('t2i.refreshRuns', () => runsView.refresh(0)),
    diagnostics,
    vscode.languages.registerCodeActionsProvider({ scheme: 'file', pattern: '**/*.t2i.json' }, diagnostics, ConfigDiagnostics.metadata),
    vscode.tasks.registerTaskProvider(TASK_TYPE, new T2ITaskProvider(context.asAbsolutePath('dist/cli.js'), log)),
    vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, dashboards),
    vscode.window.registerTreeDataProvider('t2i.runs', runsView),
    generators,
    attentionView,
    vscode.window.registerWebviewViewProvider(ATTENTION_VIEW_ID, attentionView, { webviewOptions: { retainContextWhenHidden: true } }),
    vscode.languages.registerHoverProvider(
      // `.txt`: *.captions.txt, and caption files of a configured dataset (the provider ignores other text files).
      [{ scheme: 'file', pattern: '**/*.t2i.json' }, { scheme: 'file', pattern: '**/*.txt' }],
      new CaptionHoverProvider(generators, log),
    ),
    vscode.window.onDidChangeActiveTextEditor((e) => void prewarmFor(generators, e?.document.uri)),
    vscode.commands.registerCommand(INSPECT_COMMAND, async (arg?: unknown) => {
      const args = parseInspectArgs(arg);
      if (args) return attentionView.inspect(args.configPath, args.caption, args.seed);
      // From the palette: the panel on the active config, with an empty caption field.
      await vscode.commands.executeCommand(`${ATTENTION_VIEW_ID}.focus`);
    }),
  );
  void prewarmFor(generators, vscode.window.activeTextEditor?.document.uri);
}

/**
 * Closing or reloading the window leaves trainers running (they are detached
 * processes): the next window re-attaches, and Stop still stops them.
 */
export function deactivate(): void {
  trainers = undefined;
}
