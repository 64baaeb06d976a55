// A status bar item while something trains: step and latest losses of the
// most recently active trainer; a click reveals its dashboard.
import * as vscode from 'vscode';
import { configStem } from '../models/run/layout';
import type { Trainers } from './trainers';
import type { Training } from './training';

/** Short loss values for a cramped status bar: three significant digits. */
export function shortLoss(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-2 || a >= 1e4)) return v.toExponential(1);
  return String(Number(v.toPrecision(3)));
}

export class TrainingStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('t2i.training', vscode.StatusBarAlignment.Left, 10);
  private readonly subscriptions: vscode.Disposable[];
  private shown?: Training;

  constructor(private readonly trainers: Trainers) {
    this.item.name = 'T2I Lab Training';
    this.subscriptions = [
      trainers.onDidChange((t) => this.update(t)),
      trainers.onDidEnd(() => this.update(undefined)),
    ];
  }

  private update(latest: Training | undefined): void {
    const live = this.trainers.all();
    // Stay on the training shown unless it is gone or another one just spoke.
    this.shown = latest ?? (this.shown && live.includes(this.shown) ? this.shown : live[0]);
    const t = this.shown;
    if (!t) {
      this.item.hide();
      return;
    }
    const name = configStem(t.configPath);
    const more = live.length > 1 ? ` (+${live.length - 1})` : '';
    if (t.activity === 'starting') {
      this.item.text = `$(loading~spin) ${name}: starting…${more}`;
    } else if (t.activity === 'stopping') {
      this.item.text = `$(loading~spin) ${name}: stopping…${more}`;
    } else {
      const step = t.lastStep === undefined ? '' : ` ${t.lastStep}${t.totalSteps ? `/${t.totalSteps}` : ''}`;
      const losses = t
        .headlineLosses(3)
        .map(([k, v]) => `${k} ${shortLoss(v)}`)
        .join(' · ');
      this.item.text = `$(sync~spin) ${name}${step}${losses ? ` · ${losses}` : ''}${more}`;
    }
    const tip = new vscode.MarkdownString(undefined, true);
    tip.appendMarkdown(`**T2I Lab** — training \`${name}\` (${t.activity})\n\n`);
    tip.appendMarkdown(`Run \`${t.runId}\`${t.backend ? ` on ${t.backend}` : ''}\n\n`);
    if (t.losses) for (const [k, v] of Object.entries(t.losses)) tip.appendMarkdown(`- ${k}: ${v.toPrecision(4)}\n`);
    tip.appendMarkdown('\nClick to open the dashboard.');
    this.item.tooltip = tip;
    this.item.command = { title: 'Open Dashboard', command: 't2i.openDashboard', arguments: [vscode.Uri.file(t.configPath)] };
    this.item.show();
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.item.dispose();
  }
}
