// Which config a command is about: the one it was invoked on (Explorer,
// editor, Runs view), else the active editor's, else the only one in the
// workspace, else the user picks.
import path from 'node:path';
import * as vscode from 'vscode';

export const CONFIG_GLOB = '**/*.t2i.json';
const EXCLUDE = '{**/node_modules/**,**/.git/**}';

export function isConfigPath(p: string): boolean {
  return /\.t2i\.json$/i.test(p);
}

export async function findConfigs(): Promise<vscode.Uri[]> {
  const uris = await vscode.workspace.findFiles(CONFIG_GLOB, EXCLUDE, 500);
  return uris.sort((a, b) => a.fsPath.localeCompare(b.fsPath));
}

/** Something that names a config: a Uri, or a Runs-view node with `configPath`. */
export async function resolveConfig(arg: unknown, purpose: string): Promise<string | undefined> {
  if (arg instanceof vscode.Uri && isConfigPath(arg.fsPath)) return arg.fsPath;
  if (typeof arg === 'object' && arg !== null && typeof (arg as { configPath?: unknown }).configPath === 'string') {
    return (arg as { configPath: string }).configPath;
  }
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active?.scheme === 'file' && isConfigPath(active.fsPath)) return active.fsPath;
  const all = await findConfigs();
  if (all.length === 1) return all[0].fsPath;
  if (all.length === 0) {
    void vscode.window.showWarningMessage('T2I Lab: there is no training config (*.t2i.json) in this workspace.');
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    all.map((uri) => ({ label: path.basename(uri.fsPath), description: vscode.workspace.asRelativePath(path.dirname(uri.fsPath)), uri })),
    { title: `T2I Lab: ${purpose}`, placeHolder: 'Choose a training config' },
  );
  return pick?.uri.fsPath;
}
