// The metrics chart: one line per metric (retrieval accuracy, FID, ...), with
// its points drawn because evaluations are sparse, step on x lined up with the
// loss chart, the slider's cursor. Its legend is HTML in the card header: one
// button per metric with the metric's latest value, which shows or hides it.
import type { ChartDataset, ChartOptions } from 'chart.js';
import { alignLeftAxis, applyChartTheme, Chart, cursorPlugin, pickStepOnClick } from './chartBase';
import { formatMetric, metricAxes, type MetricSummary } from './metrics';
import { formatLoss, type Point } from './seriesMath';
import { readChartTheme, seriesCssColor, watchTheme, type ChartTheme } from './theme';

type MetricDataset = ChartDataset<'line', Point[]> & { metric: string; percent: boolean; colorIndex: number };

const percentTick = (v: number | string) => `${Math.round(Number(v) * 100)}%`;

export class MetricsChart {
  private readonly chart: Chart<'line', Point[]>;
  private theme: ChartTheme;
  private readonly stopWatching: () => void;
  private readonly hidden = new Set<string>();
  private cursorStep?: number;
  /** Metric names in colour order: a metric keeps its colour as others appear. */
  private readonly order: string[] = [];
  private chips = new Map<string, { root: HTMLButtonElement; value: HTMLElement }>();

  constructor(canvas: HTMLCanvasElement, private readonly legend: HTMLElement, onPickStep: (step: number) => void) {
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
        elements: {
          point: { radius: 3, hoverRadius: 5, hitRadius: 6, borderWidth: 0 },
          line: { tension: 0, borderWidth: 1.5 },
        },
        scales: {
          x: { type: 'linear', title: { display: true, text: 'step' }, ticks: { precision: 0, maxTicksLimit: 8 } },
          y: { type: 'linear', ticks: { maxTicksLimit: 6 }, afterFit: alignLeftAxis },
          y2: { type: 'linear', position: 'right', display: false, grace: '5%', ticks: { maxTicksLimit: 6 }, grid: { drawOnChartArea: false } },
        },
        plugins: {
          // The card header is the legend.
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: (items) => (items.length ? `step ${items[0].parsed.x}` : ''),
              label: (item) => {
                const ds = item.dataset as MetricDataset;
                return ` ${ds.metric}: ${formatMetric(item.parsed.y ?? NaN, ds.percent)}`;
              },
            },
          },
        },
        onClick: pickStepOnClick(() => this.chart, onPickStep),
      },
      plugins: [cursorPlugin(() => ({ step: this.cursorStep, color: this.theme.cursor }))],
    });
    applyChartTheme(this.options, this.theme);
    this.stopWatching = watchTheme(() => {
      this.theme = readChartTheme();
      applyChartTheme(this.options, this.theme);
      this.recolor();
      this.chart.update('none');
    });
  }

  /**
   * Redraws from the metrics; `steps` is the loss chart's step range, so both
   * charts share their x axis when the metrics lie inside it.
   */
  setData(metrics: readonly MetricSummary[], steps?: { min: number; max: number }, zoom?: { min: number; max: number }): void {
    for (const m of metrics) if (!this.order.includes(m.name)) this.order.push(m.name);
    const axes = metricAxes(metrics);
    const o = this.options;
    const x = o.scales!.x!;
    x.suggestedMin = steps?.min;
    x.suggestedMax = steps?.max;
    // The loss chart's zoom (on steps): both charts show the same steps.
    x.min = zoom?.min;
    x.max = zoom?.max;
    // Percentages on a fixed 0–100% axis on the left; other values on their own
    // scale: on the left when alone, on the right beside percentages.
    const y = o.scales!.y!;
    if (axes.percent) {
      Object.assign(y, { min: 0, max: 1, grace: 0 });
      y.ticks = { ...y.ticks, callback: percentTick, stepSize: 0.2 };
    } else {
      Object.assign(y, { min: undefined, max: undefined, grace: '5%' });
      y.ticks = { ...y.ticks, callback: undefined, stepSize: undefined };
    }
    this.chart.data.datasets = metrics.map(
      (m): MetricDataset => ({
        label: m.name,
        metric: m.name,
        percent: m.percent,
        colorIndex: this.order.indexOf(m.name),
        data: m.points,
        hidden: this.hidden.has(m.name),
        yAxisID: !m.percent && axes.percent ? 'y2' : 'y',
      }),
    );
    this.recolor();
    this.showAxes();
    this.chart.update('none');
    this.renderLegend(metrics);
  }

  /** The options as given, not Chart.js's resolved proxy (`chart.options`), which must not be spread. */
  private get options(): ChartOptions<'line'> {
    return this.chart.config.options!;
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

  private toggle(name: string): void {
    if (this.hidden.has(name)) this.hidden.delete(name);
    else this.hidden.add(name);
    for (const d of this.chart.data.datasets as MetricDataset[]) d.hidden = this.hidden.has(d.metric);
    this.showAxes();
    this.chart.update('none');
    const chip = this.chips.get(name);
    if (chip) this.setChipState(chip.root, name);
  }

  /** One button per metric: colour, name and latest value; it shows or hides the line. */
  private renderLegend(metrics: readonly MetricSummary[]): void {
    const next = new Map<string, { root: HTMLButtonElement; value: HTMLElement }>();
    for (const m of metrics) {
      let chip = this.chips.get(m.name);
      if (!chip) {
        const root = document.createElement('button');
        root.type = 'button';
        root.className = 'metric-chip';
        root.dataset.metric = m.name;
        const swatch = document.createElement('span');
        swatch.className = 'metric-swatch';
        swatch.style.background = seriesCssColor(this.order.indexOf(m.name));
        const name = document.createElement('span');
        name.className = 'metric-name';
        name.textContent = m.name;
        const value = document.createElement('span');
        value.className = 'metric-value';
        root.append(swatch, name, value);
        root.addEventListener('click', () => this.toggle(m.name));
        chip = { root, value };
      }
      chip.value.textContent = m.text;
      chip.root.dataset.value = String(m.value);
      chip.root.dataset.step = String(m.step);
      chip.root.title = `${m.name} = ${formatLoss(m.value)} at step ${m.step.toLocaleString('en-US')} (latest)`;
      this.setChipState(chip.root, m.name);
      next.set(m.name, chip);
    }
    this.chips = next;
    this.legend.replaceChildren(...[...next.values()].map((c) => c.root));
  }

  private setChipState(root: HTMLButtonElement, name: string): void {
    root.setAttribute('aria-pressed', String(!this.hidden.has(name)));
  }

  /** The right axis only while a line on it is shown (an empty scale would read as data). */
  private showAxes(): void {
    const datasets = this.chart.data.datasets as MetricDataset[];
    this.options.scales!.y2!.display = datasets.some((d) => d.yAxisID === 'y2' && !d.hidden);
  }

  private recolor(): void {
    for (const d of this.chart.data.datasets as MetricDataset[]) {
      const c = this.theme.series[d.colorIndex % this.theme.series.length];
      d.borderColor = c;
      d.backgroundColor = c;
      d.pointBackgroundColor = c;
    }
  }
}
