// T2I Lab extension host: registers commands, the dashboard, the Runs view and
// the status bar. It stays thin: training happens in a separate trainer
// process (dist/cli.js), and everything shown is read from run folders.
import * as vscode from 'vscode';
import { ConfigError, loadConfig } from '../models/config/config';
import { configStem } from '../models/run/layout';
import { AttentionView, ATTENTION_VIEW_ID } from './attentionView';
import { CaptionHoverProvider, INSPECT_COMMAND, parseInspectArgs, prewarmFor } from './captionHover';
import { resolveConfig } from './configs';
import { DASHBOARD_VIEW_TYPE, Dashboards } from './dashboardPanel';
import { RunsView, type RunsNode } from './runsView';
import { TrainingStatusBar } from './statusBar';
import { Generators } from './generatorProcess';
import { Trainers } from './trainers';

let trainers: Trainers | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('T2I Lab', { log: true });
  trainers = new Trainers(context.asAbsolutePath('dist/cli.js'), log);
  const t = trainers;

  const train = async (configPath: string): Promise<void> => {
    const name = configStem(configPath);
    if (!vscode.workspace.isTrusted) {
      const manage = 'Manage Workspace Trust';
      const pick = await vscode.window.showErrorMessage(
        `T2I Lab: training is disabled in Restricted Mode, because it runs a trainer on this workspace's files. Trust the workspace to train "${name}".`,
        manage,
      );
      if (pick === manage) void vscode.commands.executeCommand('workbench.trust.manage');
      return;
    }
    const running = t.get(configPath);
    if (running) {
      const stop = 'Stop Training';
      const show = 'Open Dashboard';
      const pick = await vscode.window.showWarningMessage(`T2I Lab: "${name}" is already training (run ${running.runId}).`, stop, show);
      if (pick === stop) void t.stop(configPath);
      if (pick === show) dashboards.show(configPath);
      return;
    }
    // Train what the user sees, not what was last saved.
    await vscode.workspace.textDocuments.find((d) => d.uri.fsPath === configPath && d.isDirty)?.save();
    try {
      loadConfig(configPath);
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
      t.start(configPath);
    } catch (e) {
      void vscode.window.showErrorMessage(`T2I Lab: could not start training "${name}": ${(e as Error).message}`);
      return;
    }
    dashboards.show(configPath);
  };

  const stop = async (configPath: string): Promise<void> => {
    if (!t.get(configPath)) {
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
  });
  const runsView = new RunsView(t);
  // Warm generators (`t2i serve`) for caption hovers and the attention panel.
  const generators = new Generators(context.asAbsolutePath('dist/cli.js'), log);
  const attentionView = new AttentionView(context.extensionUri, generators, log);

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
    vscode.commands.registerCommand('t2i.refreshRuns', () => runsView.refresh(0)),
    vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, dashboards),
    vscode.window.registerTreeDataProvider('t2i.runs', runsView),
    generators,
    attentionView,
    vscode.window.registerWebviewViewProvider(ATTENTION_VIEW_ID, attentionView, { webviewOptions: { retainContextWhenHidden: true } }),
    vscode.languages.registerHoverProvider(
      [{ scheme: 'file', pattern: '**/*.t2i.json' }, { scheme: 'file', pattern: '**/*.captions.txt' }],
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

/** Closing or reloading the window stops trainers cleanly, each with a checkpoint. */
export async function deactivate(): Promise<void> {
  await trainers?.stopAll();
}
