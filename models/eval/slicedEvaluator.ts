// Evaluation in the background of the step loop: an evaluation is a generator
// whose every `yield` ends one small slice of work (a chunk of images made or
// scored). Between training steps, `tick()` runs slices only while the time
// spent evaluating stays within `share` of the wall time, so training slows by
// at most that share and never stalls longer than one slice. The clock is a
// parameter so the budget can be checked with counted work, not timing.

export interface EvalTask {
  /** The training step whose weights the task scores. */
  step: number;
  /** Each `yield` ends a slice; the return value is the metrics. */
  slices: Generator<void, Record<string, number>, void>;
  /** Frees what the task holds (its weight snapshot), run or not. */
  dispose(): void;
}

export interface SlicedEvaluatorOptions {
  /** Largest share of wall time evaluation may take, in (0, 1). */
  share: number;
  /** Milliseconds; default performance.now. */
  clock?: () => number;
  onResult(step: number, metrics: Record<string, number>): void;
  /** An evaluation that is replaced before it starts (the previous one was still running). */
  onSkipped?(step: number): void;
}

export class SlicedEvaluator {
  private readonly clock: () => number;
  private running?: EvalTask;
  private waiting?: EvalTask;
  private lastTick: number;
  trainMs = 0;
  evalMs = 0;
  slices = 0;

  constructor(private readonly opts: SlicedEvaluatorOptions) {
    if (!(opts.share > 0 && opts.share < 1)) throw new Error(`evaluation share must be in (0, 1), got ${opts.share}`);
    this.clock = opts.clock ?? (() => performance.now());
    this.lastTick = this.clock();
  }

  get pending(): number {
    return (this.running ? 1 : 0) + (this.waiting ? 1 : 0);
  }

  /** Queues an evaluation; one that is still waiting (not started) is dropped for the newer one. */
  enqueue(task: EvalTask): void {
    if (!this.running) {
      this.running = task;
      return;
    }
    if (this.waiting) {
      this.opts.onSkipped?.(this.waiting.step);
      this.waiting.dispose();
    }
    this.waiting = task;
  }

  /**
   * Drops queued or running evaluations of steps after `step` (a NaN-guard rollback
   * undid those steps: their metrics would describe weights the run no longer has).
   */
  dropAfter(step: number): number {
    let dropped = 0;
    if (this.waiting && this.waiting.step > step) {
      this.waiting.dispose();
      this.waiting = undefined;
      dropped++;
    }
    if (this.running && this.running.step > step) {
      this.running.dispose();
      this.running = this.waiting;
      this.waiting = undefined;
      dropped++;
    }
    return dropped;
  }

  /** Evaluation time the training time so far allows: share/(1 − share) of it. */
  private allowanceMs(): number {
    return (this.opts.share / (1 - this.opts.share)) * this.trainMs;
  }

  /** Call between training steps: the time since the last call counts as training; then slices run while the budget allows. */
  tick(): number {
    const now = this.clock();
    this.trainMs += now - this.lastTick;
    let ran = 0;
    while (this.running && this.evalMs < this.allowanceMs()) {
      this.runSlice();
      ran++;
    }
    this.lastTick = this.clock();
    return ran;
  }

  /** Runs everything queued to the end, ignoring the budget (the run is finishing); `afterSlice` keeps a heartbeat going. */
  drain(afterSlice?: () => void): void {
    while (this.running) {
      this.runSlice();
      afterSlice?.();
    }
    this.lastTick = this.clock();
  }

  private runSlice(): void {
    const task = this.running!;
    const t0 = this.clock();
    let done = false;
    try {
      const r = task.slices.next();
      if (r.done) {
        done = true;
        this.opts.onResult(task.step, r.value);
      }
    } catch (e) {
      done = true;
      throw e;
    } finally {
      this.evalMs += this.clock() - t0;
      this.slices++;
      if (done) {
        task.dispose();
        this.running = this.waiting;
        this.waiting = undefined;
      }
    }
  }

  dispose(): void {
    this.running?.dispose();
    this.waiting?.dispose();
    this.running = this.waiting = undefined;
  }
}
