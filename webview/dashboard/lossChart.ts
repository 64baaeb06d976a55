// The loss chart: one line per loss head (smoothed, with the raw values kept
// faint behind it), step on x, a vertical cursor at the slider's step.
import type { ChartDataset } from 'chart.js';
import { alignLeftAxis, applyChartTheme, Chart, cursorPlugin, pickStepOnClick } from './chartBase';
import type { RunModel } from './runModel';
import { decimateMinMax, emaSmooth, formatLoss, type Point } from './seriesMath';
import { readChartTheme, watchTheme, withAlpha, type ChartTheme } from './theme';

type LineDataset = ChartDataset<'line', Point[]> & { head: string; raw: boolean };

export class LossChart {
  private readonly chart: Chart<'line', Point[]>;
  private theme: ChartTheme;
  private readonly stopWatching: () => void;
  private hidden = new Set<string>();
  private cursorStep?: number;
  /** Points drawn across all datasets, for tests and the empty state. */
  drawnPoints = 0;

  constructor(canvas: HTMLCanvasElement, onPickStep: (step: number) => void) {
    this.theme = readChartTheme();
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
          x: { type: 'linear', title: { display: true, text: 'step' }, ticks: { precision: 0, maxTicksLimit: 8 } },
          y: { type: 'linear', grace: '5%', ticks: { maxTicksLimit: 6 }, afterFit: alignLeftAxis },
        },
        plugins: {
          legend: {
            position: 'top',
            align: 'end',
            labels: {
              boxWidth: 12,
              boxHeight: 2,
              filter: (item, data) => !(data.datasets[item.datasetIndex ?? 0] as LineDataset).raw,
            },
            // A head's raw and smoothed lines toggle together.
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
              title: (items) => (items.length ? `step ${items[0].parsed.x}` : ''),
              label: (item) => ` ${(item.dataset as LineDataset).head}: ${formatLoss(item.parsed.y ?? NaN)}`,
            },
          },
        },
        onClick: pickStepOnClick(() => this.chart, onPickStep),
      },
      plugins: [cursorPlugin(() => ({ step: this.cursorStep, color: this.theme.cursor }))],
    });
    this.applyTheme();
    this.stopWatching = watchTheme(() => {
      this.theme = readChartTheme();
      this.applyTheme();
      this.recolor();
      this.chart.update('none');
    });
  }

  /** Rebuilds the lines from the model; `smoothing` is the EMA weight (0 = raw only). */
  setData(run: RunModel, smoothing: number): void {
    // About two points per horizontal pixel is all a line can show.
    const maxPoints = Math.max(200, Math.floor((this.chart.width || 600) * 2));
    const datasets: LineDataset[] = [];
    let drawn = 0;
    for (const head of run.lossNames) {
      const s = run.series.get(head);
      if (!s || s.steps.length === 0) continue;
      const raw = decimateMinMax(s.steps, s.values, maxPoints);
      if (smoothing > 0) {
        datasets.push(this.dataset(head, true, raw));
        const smooth = decimateMinMax(s.steps, emaSmooth(s.values, smoothing), maxPoints);
        datasets.push(this.dataset(head, false, smooth));
        drawn += smooth.length;
      } else {
        datasets.push(this.dataset(head, false, raw));
        drawn += raw.length;
      }
    }
    this.chart.data.datasets = datasets;
    this.recolor();
    this.drawnPoints = drawn;
    this.chart.update('none');
  }

  setCursor(step: number | undefined): void {
    if (this.cursorStep === step) return;
    this.cursorStep = step;
    this.chart.draw();
  }

  dispose(): void {
    this.stopWatching();
    this.chart.destroy();
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

  /** Colours by head (the order of lossNames), so a head keeps its colour. */
  private recolor(): void {
    const heads: string[] = [];
    for (const d of this.chart.data.datasets as LineDataset[]) {
      if (!heads.includes(d.head)) heads.push(d.head);
      const base = this.theme.series[heads.indexOf(d.head) % this.theme.series.length];
      d.borderColor = d.raw ? withAlpha(base, 0.28) : base;
      d.backgroundColor = base;
    }
  }

  private applyTheme(): void {
    // The options as given, not Chart.js's resolved proxy (`chart.options`), which must not be spread.
    applyChartTheme(this.chart.config.options!, this.theme);
  }
}
