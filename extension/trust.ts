// Workspace trust: viewing configs and runs is always allowed; anything that
// runs a trainer or loads checkpoints from the workspace needs trust.
import * as vscode from 'vscode';

/** True when trusted; otherwise says why `action` is refused, offers to manage trust, and returns false. */
export async function requireTrust(action: string): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const manage = 'Manage Workspace Trust';
  const pick = await vscode.window.showErrorMessage(
    `T2I Lab: ${action} is disabled in Restricted Mode, because it runs code on this workspace's files (trainer, checkpoints). Trust the workspace to allow it.`,
    manage,
  );
  if (pick === manage) void vscode.commands.executeCommand('workbench.trust.manage');
  return false;
}
