// The loss chart: one line per loss head (smoothed, with the raw values kept
// faint behind it), step or wall time on x, linear or log y, zoomable, a
// vertical cursor at the slider's step, and other runs of the config drawn
// dashed over it. Only the visible range is decimated to about two points per
// pixel, so 100,000 points per head redraw quickly.
import type { ChartDataset } from 'chart.js';
import { alignLeftAxis, applyChartTheme, Chart, cursorPlugin } from './chartBase';
import type { RunModel, Series } from './runModel';
import { decimateMinMax, emaSmoothWeighted, envelope, formatLoss, visibleRange, type Point } from './seriesMath';
import { readChartTheme, watchTheme, withAlpha, type ChartTheme } from './theme';
import { formatElapsed, stepOfX, timeOrigin, xOfStep, type XAxisMode } from './xAxis';
import { XZoom, type XRange } from './zoom';

/** `run`: undefined for the shown run, else the overlaid run's id. */
type LineDataset = ChartDataset<'line', Point[]> & { head: string; raw: boolean; run?: string; band?: 'lower' | 'upper' };

/** One other run drawn over the shown one. */
export interface OverlayRun {
  runId: string;
  series: Map<string, Series>;
}

export interface LossChartOptions {
  /** EMA weight, 0 = raw only. */
  smoothing: number;
  logY: boolean;
  xAxis: XAxisMode;
  overlays: readonly OverlayRun[];
}

/** Dash patterns of overlaid runs, in order (the shown run is solid). */
export const OVERLAY_DASHES: readonly number[][] = [[6, 4], [2, 3], [10, 3, 2, 3], [1, 5], [14, 4], [4, 2, 1, 2]];

export class LossChart {
  private readonly chart: Chart<'line', Point[]>;
  private theme: ChartTheme;
  private readonly stopWatching: () => void;
  private hidden = new Set<string>();
  private cursorStep?: number;
  private run?: RunModel;
  private opts: LossChartOptions = { smoothing: 0.6, logY: false, xAxis: 'step', overlays: [] };
  private extent?: XRange;
  private t0?: number;
  readonly zoom: XZoom;
  /** Points drawn across the shown run's lines, for tests and the empty state. */
  drawnPoints = 0;
  /** Non-positive values left out of a log-y chart. */
  hiddenNonPositive = 0;
  /** Milliseconds the last setData took (decimation and Chart.js update), for tests and tools. */
  lastUpdateMs = 0;

  constructor(
    canvas: HTMLCanvasElement,
    onPickStep: (step: number) => void,
    /** Called when the zoom changes (to show the Reset button). */
    onZoom: (range: XRange | undefined) => void,
  ) {
    this.theme = readChartTheme();
    this.zoom = new XZoom(
      () => this.chart,
      () => this.extent,
      (range) => {
        if (this.run) this.setData(this.run, this.opts);
        onZoom(range);
      },
      (x) => {
        const step = stepOfX(x, this.opts.xAxis, this.refSeries(), this.t0);
        if (step !== undefined) onPickStep(step);
      },
      () => withAlpha(this.theme.cursor, 0.15),
    );
    this.chart = new Chart<'line', Point[]>(canvas, {
      type: 'line',
      data: { datasets: [] },
      options: {
        animation: false,
        maintainAspectRatio: false,
        responsive: true,
        parsing: false,
        normalized: true,
        spanGaps: true,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        elements: { point: { radius: 0, hoverRadius: 3 }, line: { tension: 0 } },
        scales: {
          x: { type: 'linear', title: { display: true, text: 'step' }, ticks: { maxTicksLimit: 8 } },
          y: { type: 'linear', grace: '5%', ticks: { maxTicksLimit: 6 }, afterFit: alignLeftAxis },
        },
        plugins: {
          legend: {
            position: 'top',
            align: 'end',
            labels: {
              boxWidth: 12,
              boxHeight: 2,
              filter: (item, data) => {
                const d = data.datasets[item.datasetIndex ?? 0] as LineDataset;
                return !d.raw && d.run === undefined;
              },
            },
            // A head's lines (raw, smoothed, overlaid runs') toggle together.
            onClick: (_e, item) => {
              const ds = this.chart.data.datasets[item.datasetIndex ?? 0] as LineDataset;
              if (this.hidden.has(ds.head)) this.hidden.delete(ds.head);
              else this.hidden.add(ds.head);
              for (const d of this.chart.data.datasets as LineDataset[]) d.hidden = this.hidden.has(d.head);
              this.chart.update('none');
            },
          },
          tooltip: {
            filter: (item) => !(item.dataset as LineDataset).raw,
            callbacks: {
              title: (items) => (items.length ? this.xLabel(items[0].parsed.x ?? NaN) : ''),
              label: (item) => {
                const d = item.dataset as LineDataset;
                return ` ${d.head}${d.run ? ` · ${d.run}` : ''}: ${formatLoss(item.parsed.y ?? NaN)}`;
              },
            },
          },
        },
      },
      plugins: [
        cursorPlugin(() => ({
          step: this.cursorStep === undefined ? undefined : xOfStep(this.cursorStep, this.opts.xAxis, this.refSeries(), this.t0),
          color: this.theme.cursor,
        })),
        this.zoom.plugin(),
      ],
    });
    this.zoom.attach(canvas);
    this.applyTheme();
    this.stopWatching = watchTheme(() => {
      this.theme = readChartTheme();
      this.applyTheme();
      this.recolor();
      this.chart.update('none');
    });
  }

  /** Rebuilds the lines from the model and the view options. */
  setData(run: RunModel, opts: LossChartOptions): void {
    const t0 = performance.now();
    if (opts.xAxis !== this.opts.xAxis && this.zoom.range) {
      // A step range means nothing on a time axis.
      this.zoom.range = undefined;
    }
    this.run = run;
    this.opts = opts;
    this.t0 = timeOrigin(run.series.values());
    const toX = this.xMapper(run.series.values());
    this.extent = extentOf(run.series.values(), toX);
    const range = this.zoom.range;
    // About two points per horizontal pixel is all a line can show.
    const maxPoints = Math.max(200, Math.floor((this.chart.width || 600) * 2));
    const datasets: LineDataset[] = [];
    let drawn = 0;
    this.hiddenNonPositive = 0;
    const heads = [...run.lossNames];
    for (const o of opts.overlays) for (const h of o.series.keys()) if (!heads.includes(h)) heads.push(h);
    for (const head of heads) {
      const s = run.series.get(head);
      if (!s || s.steps.length === 0) continue;
      const xs = toX(s);
      const smooth = opts.smoothing > 0;
      const raw = this.points(xs, rawValues(s), s.agg ? 2 : 1, range, maxPoints, opts.logY);
      if (smooth) {
        if (raw.length > this.plotWidth()) {
          // More raw points than pixels: their spread as a faint band, not a solid mass of zigzags.
          const band = envelope(raw.map((p) => p.x), raw.map((p) => p.y), Math.max(60, this.plotWidth() / 2));
          datasets.push({ ...this.dataset(head, true, band.lower), band: 'lower', borderWidth: 0 });
          datasets.push({ ...this.dataset(head, true, band.upper), band: 'upper', borderWidth: 0, fill: '-1' });
        } else datasets.push(this.dataset(head, true, raw));
        const sm = this.points(xs, emaSmoothWeighted(s.values, s.agg?.count, opts.smoothing), 1, range, maxPoints, opts.logY);
        datasets.push(this.dataset(head, false, sm));
        drawn += sm.length;
      } else {
        datasets.push(this.dataset(head, false, raw));
        drawn += raw.length;
      }
    }
    // Other runs: their smoothed lines only, dashed, each on its own time origin.
    opts.overlays.forEach((o, i) => {
      const oToX = this.xMapper(o.series.values());
      for (const head of heads) {
        const s = o.series.get(head);
        if (!s || s.steps.length === 0) continue;
        const values = opts.smoothing > 0 ? emaSmoothWeighted(s.values, s.agg?.count, opts.smoothing) : s.values;
        const pts = this.points(oToX(s), values, 1, range, maxPoints, opts.logY);
        datasets.push({ ...this.dataset(head, false, pts), run: o.runId, label: `${head} · ${o.runId}`, borderDash: OVERLAY_DASHES[i % OVERLAY_DASHES.length], borderWidth: 1.75, order: 0, pointHitRadius: 3 });
      }
    });
    const x = this.chart.config.options!.scales!.x!;
    x.min = range?.min;
    x.max = range?.max;
    (x as { title: { text: string } }).title.text = opts.xAxis === 'time' ? 'wall time' : 'step';
    // Steps are whole numbers: without precision 0 a short run gets ticks at 1.5, 2.5… labelled "2 2 3 3".
    x.ticks = { ...x.ticks, precision: opts.xAxis === 'time' ? undefined : 0, callback: (v) => this.xLabel(Number(v), true) };
    const y = this.chart.config.options!.scales!.y!;
    y.type = opts.logY ? 'logarithmic' : 'linear';
    this.chart.data.datasets = datasets;
    this.recolor();
    this.drawnPoints = drawn;
    this.chart.update('none');
    this.lastUpdateMs = performance.now() - t0;
  }

  setCursor(step: number | undefined): void {
    if (this.cursorStep === step) return;
    this.cursorStep = step;
    this.chart.draw();
  }

  /** Where the slider's cursor is drawn, in pixels from the canvas's left (for tests). */
  cursorPixel(): number | undefined {
    if (this.cursorStep === undefined) return undefined;
    const x = xOfStep(this.cursorStep, this.opts.xAxis, this.refSeries(), this.t0);
    return x === undefined ? undefined : this.chart.scales.x?.getPixelForValue(x);
  }

  /** The datasets drawn, for tests: label, kind, points and dash. */
  describe(): { label: string; raw: boolean; run?: string; points: number; dashed: boolean; hidden: boolean }[] {
    return (this.chart.data.datasets as LineDataset[]).map((d) => ({
      label: String(d.label),
      raw: d.raw,
      run: d.run,
      points: d.data.length,
      dashed: Array.isArray(d.borderDash) && d.borderDash.length > 0,
      hidden: !!d.hidden,
    }));
  }

  get yScaleType(): string {
    return String(this.chart.scales.y?.type ?? '');
  }

  dispose(): void {
    this.stopWatching();
    this.chart.destroy();
  }

  private plotWidth(): number {
    const area = this.chart.chartArea;
    return Math.max(100, area ? area.right - area.left : (this.chart.width || 600) - 60);
  }

  /** The shown run's first loss series: the step↔time reference of the axis. */
  private refSeries(): Series | undefined {
    const run = this.run;
    if (!run) return undefined;
    for (const h of run.lossNames) {
      const s = run.series.get(h);
      if (s && s.steps.length) return s;
    }
    return undefined;
  }

  private xMapper(series: Iterable<Series>): (s: Series) => number[] {
    if (this.opts.xAxis === 'step') return (s) => s.steps;
    const origin = timeOrigin(series) ?? 0;
    return (s) => s.t.map((t) => (t - origin) / 1000);
  }

  private xLabel(x: number, tick = false): string {
    if (this.opts.xAxis === 'time') return formatElapsed(x);
    if (!Number.isFinite(x)) return '';
    return tick ? Math.round(x).toLocaleString('en-US') : `step ${Math.round(x).toLocaleString('en-US')}`;
  }

  /**
   * Chart points for one line: the visible range, decimated. `perX` is 2 when
   * `ys` holds a (min, max) pair per x (a bucketed history's raw spread).
   */
  private points(xs: readonly number[], ys: readonly number[], perX: 1 | 2, range: XRange | undefined, maxPoints: number, logY: boolean): Point[] {
    let px: number[] = xs as number[];
    let py: number[] = ys as number[];
    if (perX === 2) {
      px = new Array<number>(xs.length * 2);
      for (let i = 0; i < xs.length; i++) px[2 * i] = px[2 * i + 1] = xs[i];
    }
    if (range) {
      const [from, to] = visibleRange(px, range.min, range.max);
      px = px.slice(from, to);
      py = py.slice(from, to);
    }
    if (logY) {
      const kx: number[] = [];
      const ky: number[] = [];
      for (let i = 0; i < px.length; i++) {
        if (py[i] > 0) {
          kx.push(px[i]);
          ky.push(py[i]);
        } else if (Number.isFinite(py[i])) this.hiddenNonPositive++;
      }
      px = kx;
      py = ky;
    }
    return decimateMinMax(px, py, maxPoints);
  }

  private dataset(head: string, raw: boolean, data: Point[]): LineDataset {
    return {
      label: raw ? `${head} (raw)` : head,
      head,
      raw,
      data,
      hidden: this.hidden.has(head),
      borderWidth: raw ? 1 : 1.5,
      order: raw ? 2 : 1,
      pointHitRadius: raw ? 0 : 4,
    };
  }

  /** Colours by head (the order heads first appear), so a head keeps its colour across runs. */
  private recolor(): void {
    const heads: string[] = [];
    for (const d of this.chart.data.datasets as LineDataset[]) {
      if (!heads.includes(d.head)) heads.push(d.head);
      const base = this.theme.series[heads.indexOf(d.head) % this.theme.series.length];
      d.borderColor = d.raw ? withAlpha(base, 0.28) : d.run ? withAlpha(base, 0.85) : base;
      d.backgroundColor = d.band ? withAlpha(base, 0.16) : base;
    }
  }

  private applyTheme(): void {
    // The options as given, not Chart.js's resolved proxy (`chart.options`), which must not be spread.
    applyChartTheme(this.chart.config.options!, this.theme);
  }
}

/** The raw spread of a series: its values, or each bucket's (min, max) pair, alternating so the line zigzags like raw noise. */
function rawValues(s: Series): number[] {
  if (!s.agg) return s.values;
  const { min, max } = s.agg;
  const out = new Array<number>(s.values.length * 2);
  for (let i = 0; i < s.values.length; i++) {
    const up = i % 2 === 0;
    out[2 * i] = up ? min[i] : max[i];
    out[2 * i + 1] = up ? max[i] : min[i];
  }
  return out;
}

function extentOf(series: Iterable<Series>, toX: (s: Series) => number[]): XRange | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (const s of series) {
    if (!s.steps.length) continue;
    const xs = toX(s);
    min = Math.min(min, xs[0]);
    max = Math.max(max, xs[xs.length - 1]);
  }
  return min < max ? { min, max } : min === max && Number.isFinite(min) ? { min: min - 0.5, max: max + 0.5 } : undefined;
}
