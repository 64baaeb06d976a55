// One training started from this window, as seen through its events: what
// the status bar shows, and why it failed when it did. No vscode here, so it
// is unit tested on its own.
import path from 'node:path';
import type { DoneEvent, RunEvent } from '../protocol/events';
import type { TrainerActivity } from '../protocol/webview';
import type { TrainerExit, TrainerProcess } from './trainerProcess';

export class Training {
  activity: Exclude<TrainerActivity, 'idle' | 'external'> = 'starting';
  lastStep?: number;
  totalSteps?: number;
  backend?: string;
  losses?: Record<string, number>;
  lastError?: string;
  done?: DoneEvent;
  /** Time (ms) of the newest event read, a sign of life for the hang watchdog. */
  lastEventAt?: number;
  /** The watchdog already told the user about the current silence. */
  hangReported = false;

  constructor(
    readonly configPath: string,
    readonly runDir: string,
    readonly process: TrainerProcess,
  ) {}

  /**
   * The losses worth a glance, at most `max`: totals and generator heads first
   * (what shows D and G balancing), then the rest in logged order.
   */
  headlineLosses(max = 3): [string, number][] {
    const entries = Object.entries(this.losses ?? {});
    const rank = (name: string) => (/total/i.test(name) ? 0 : /^g_|^g$/i.test(name) ? 1 : 2);
    return entries
      .map((e, i) => ({ e, i }))
      .sort((a, b) => rank(a.e[0]) - rank(b.e[0]) || a.i - b.i)
      .slice(0, max)
      .map(({ e }) => e);
  }

  get runId(): string {
    return path.basename(this.runDir);
  }

  apply(events: RunEvent[]): void {
    for (const e of events) {
      if (typeof e.t === 'number') this.lastEventAt = Math.max(this.lastEventAt ?? 0, e.t);
      if (e.type === 'run_started') {
        this.totalSteps = e.totalSteps;
        this.backend = e.backend.name;
        if (this.activity === 'starting') this.activity = 'running';
      } else if (e.type === 'step') {
        this.lastStep = e.step;
        this.losses = e.losses;
        if (this.activity === 'starting') this.activity = 'running';
      } else if (e.type === 'error') {
        this.lastError = e.message;
      } else if (e.type === 'done') {
        this.done = e;
      }
    }
  }
}

export interface TrainingEnded {
  training: Training;
  exit: TrainerExit;
  /** Set when the run failed: the best one-line reason. */
  failure?: string;
}

/** The best short reason for a failed run: its last error event, else stderr's last lines. */
export function failureMessage(training: Training, exit: TrainerExit): string | undefined {
  // A re-attached trainer's exit code is unknown: its `done` event tells whether it finished.
  const ok = exit.unobserved ? training.done !== undefined && training.done.reason !== 'failed' : exit.code === 0 && training.done?.reason !== 'failed';
  if (ok) return undefined;
  if (exit.unobserved && !training.lastError) {
    return `The trainer (pid ${training.process.pid}) ended without finishing${training.lastStep !== undefined ? ` after step ${training.lastStep}` : ''}.`;
  }
  if (exit.killed) return `The trainer did not stop in time and was killed${training.lastStep !== undefined ? ` at step ${training.lastStep}` : ''}.`;
  if (training.lastError) return training.lastError;
  const lines = exit.stderrTail.map((l) => l.trim()).filter(Boolean);
  // An "Error: ..." line says more than the stack frames after it.
  const errLine = [...lines].reverse().find((l) => /\b(error|exception)\b/i.test(l) && !/^at\s/.test(l));
  if (errLine) return errLine;
  if (lines.length) return lines.slice(-3).join(' ');
  return `The trainer exited with ${exit.signal ?? `code ${exit.code}`}.`;
}
