// Tasks of type "t2i": training (or sampling, evaluation) from tasks.json,
// Run Task and keybindings. The task runs the CLI as its own process, like
// the trainer the Train command starts; the dashboard follows its run folder.
import path from 'node:path';
import * as vscode from 'vscode';
import { latestRun } from '../models/run/runReader';
import { configStem } from '../models/run/layout';
import { findConfigs } from './configs';
import { parseTaskDefinition, taskCliArgs, TASK_TYPE, TaskDefinitionError, type T2ITaskDefinition } from './taskArgs';

export class T2ITaskProvider implements vscode.TaskProvider {
  constructor(private readonly cliPath: string, private readonly log: vscode.LogOutputChannel) {}

  async provideTasks(): Promise<vscode.Task[]> {
    if (!vscode.workspace.isTrusted) return [];
    const tasks: vscode.Task[] = [];
    for (const uri of await findConfigs()) {
      const folder = vscode.workspace.getWorkspaceFolder(uri);
      const rel = folder ? path.relative(folder.uri.fsPath, uri.fsPath).split(path.sep).join('/') : uri.fsPath;
      const t = this.build({ type: TASK_TYPE, config: rel, command: 'train' }, folder ?? vscode.TaskScope.Workspace);
      if (t) tasks.push(t);
    }
    return tasks;
  }

  resolveTask(task: vscode.Task): vscode.Task | undefined {
    if (!vscode.workspace.isTrusted) return undefined;
    return this.build(task.definition as T2ITaskDefinition, task.scope ?? vscode.TaskScope.Workspace, task);
  }

  private build(raw: T2ITaskDefinition, scope: vscode.WorkspaceFolder | vscode.TaskScope, original?: vscode.Task): vscode.Task | undefined {
    let def: T2ITaskDefinition;
    let args: string[];
    let configPath: string;
    try {
      def = parseTaskDefinition(raw as unknown as Record<string, unknown>);
      const base = typeof scope === 'object' ? scope.uri.fsPath : vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd();
      configPath = path.resolve(base, def.config.replace(/^\$\{workspaceFolder\}[\\/]?/, ''));
      args = taskCliArgs(def, configPath, latestRun);
    } catch (e) {
      if (!(e instanceof TaskDefinitionError)) throw e;
      this.log.error(`tasks.json: t2i task ${JSON.stringify(raw.config)}: ${e.message}`);
      void vscode.window.showErrorMessage(`T2I Lab: task for ${JSON.stringify(raw.config)}: ${e.message}`);
      return undefined;
    }
    // In VS Code desktop process.execPath is Electron; ELECTRON_RUN_AS_NODE makes it a plain Node.
    const execution = new vscode.ProcessExecution(process.execPath, [this.cliPath, ...args], {
      cwd: path.dirname(configPath),
      env: { ELECTRON_RUN_AS_NODE: '1' },
    });
    const name = original?.name ?? `${def.resume ? 'resume' : (def.command ?? 'train')} ${configStem(configPath)}`;
    const task = new vscode.Task(original?.definition ?? def, scope, name, TASK_TYPE, execution, []);
    task.detail = `t2i ${args.map((a) => (a.includes(' ') ? JSON.stringify(a) : a)).join(' ')}`;
    task.presentationOptions = { reveal: vscode.TaskRevealKind.Silent, panel: vscode.TaskPanelKind.Dedicated };
    return task;
  }
}
