// One step slider across views (ux-research: grid, attention and the metrics
// cursor): the dashboard announces the step its slider selects, and the
// attention panel follows it when it shows the same config.
import * as vscode from 'vscode';

export interface DashboardStep {
  configPath: string;
  /** The run the dashboard shows. */
  runDir: string;
  step: number;
}

/** Fired by a dashboard when its user moves the step slider (or plays, or uses the keys). */
export const dashboardStep = new vscode.EventEmitter<DashboardStep>();
