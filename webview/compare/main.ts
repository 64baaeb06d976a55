// The compare view: several runs side by side, from a `t2i compare` report
// the host sends (protocol/compare.ts, checked on arrival): the final metrics
// table, one metric's curves over steps or training time, and each run's
// sample grid for the same captions and noise.
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import { parseHostToCompare, type CompareReport } from '../../protocol/compare';
import { applyChartTheme, Chart } from '../dashboard/chartBase';
import { readChartTheme, seriesCssColor, watchTheme } from '../dashboard/theme';
import css from './style.css';
import { tableRows } from './tableModel';
import { vscodeApi } from '../shared/vscodeApi';
import type { CompareToHost } from '../../protocol/compare';

interface PersistedState {
  metric?: string;
  x?: 'step' | 'seconds';
}

const vscode = vscodeApi<CompareToHost, PersistedState>();
const state: PersistedState = vscode.getState() ?? {};

const sheet = new CSSStyleSheet();
sheet.replaceSync(css);
document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];

const app = document.getElementById('app')!;
app.innerHTML = `
<div id="status" class="status muted" role="status" aria-live="polite"><vscode-progress-ring></vscode-progress-ring> Waiting for the comparison…</div>
<div id="notice" class="notice" role="note" hidden></div>
<section id="report" hidden>
  <h2>Final metrics</h2>
  <div class="table-scroll"><table id="table" class="metrics"></table></div>
  <ul id="notes" class="notes muted"></ul>
  <h2>Curves</h2>
  <p id="no-curves" class="muted" hidden>No metric was recorded in these runs (train with train.evalEvery, or run t2i eval).</p>
  <div id="curves" class="curves">
  <div class="row">
    <label for="metric">Metric</label><vscode-single-select id="metric" aria-label="Metric"></vscode-single-select>
    <label for="xaxis">x</label>
    <vscode-single-select id="xaxis" aria-label="x axis"><vscode-option value="step">step</vscode-option><vscode-option value="seconds">training time (s)</vscode-option></vscode-single-select>
  </div>
  <div class="chart-box"><canvas id="chart" role="img" aria-label="Metric curves of the compared runs"></canvas></div>
  </div>
  <h2>Samples: same captions, same noise</h2>
  <ol id="captions" class="captions muted"></ol>
  <div id="grids" class="grids"></div>
</section>`;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $('status');
const metricSelect = $<HTMLElement & { value: string }>('metric');
const xSelect = $<HTMLElement & { value: string }>('xaxis');
let report: CompareReport | undefined;
// The choices live here: a vscode-single-select reports its value only once its options have rendered.
let metric = '';
let xAxis: 'step' | 'seconds' = state.x ?? 'step';
let chart: Chart<'line', { x: number; y: number }[]> | undefined;

function text(tag: string, content: string, cls?: string): HTMLElement {
  const el = document.createElement(tag);
  el.textContent = content;
  if (cls) el.className = cls;
  return el;
}

function renderTable(r: CompareReport): void {
  const table = $('table');
  table.replaceChildren();
  const head = document.createElement('tr');
  for (const h of ['run', 'method', 'steps', 'wall', ...r.metricNames]) {
    const th = text('th', h) as HTMLTableCellElement;
    th.scope = 'col';
    head.append(th);
  }
  const thead = document.createElement('thead');
  thead.append(head);
  const tbody = document.createElement('tbody');
  tableRows(r).forEach((row, i) => {
    const tr = document.createElement('tr');
    const name = document.createElement('td');
    const swatch = text('span', '', 'swatch');
    swatch.style.background = seriesCssColor(i);
    const link = text('a', row.name, 'run-link');
    link.tabIndex = 0;
    link.title = 'Open this run in the dashboard';
    const open = () => vscode.postMessage({ type: 'openRun', index: i });
    link.addEventListener('click', open);
    link.addEventListener('keydown', (e) => (e.key === 'Enter' || e.key === ' ') && open());
    name.append(swatch, link);
    tr.append(name, text('td', row.method), text('td', String(row.steps)), text('td', row.wall));
    for (const c of row.cells) tr.append(text('td', c.text, c.best ? 'best' : undefined));
    tbody.append(tr);
  });
  table.append(thead, tbody);
  $('notes').replaceChildren(...r.notes.map((n) => text('li', n)));
}

function renderMetricChoices(r: CompareReport): void {
  const names = r.metricNames.filter((m) => r.runs.some((run) => (run.curves[m]?.length ?? 0) > 0));
  metric = state.metric && names.includes(state.metric) ? state.metric : (names[0] ?? '');
  // An empty chart with an empty picker says nothing: say why instead.
  $('curves').hidden = names.length === 0;
  $('no-curves').hidden = names.length > 0;
  metricSelect.replaceChildren(
    ...names.map((m) => {
      const o = document.createElement('vscode-option');
      o.setAttribute('value', m);
      if (m === metric) o.setAttribute('selected', '');
      o.textContent = m;
      return o;
    }),
  );
  for (const o of xSelect.querySelectorAll('vscode-option')) o.toggleAttribute('selected', o.getAttribute('value') === xAxis);
}

function renderChart(): void {
  if (!report) return;
  const x = xAxis;
  const theme = readChartTheme();
  const datasets = report.runs.map((run, i) => ({
    label: run.name,
    data: (run.curves[metric] ?? []).map((p) => ({ x: p[x], y: p.value })),
    borderColor: theme.series[i % theme.series.length],
    backgroundColor: theme.series[i % theme.series.length],
    pointRadius: 2,
    borderWidth: 1.5,
  }));
  const options = {
    animation: false as const,
    maintainAspectRatio: false,
    parsing: false as const,
    scales: {
      x: { type: 'linear' as const, title: { display: true, text: x === 'step' ? 'step' : 'training time (s)' } },
      y: { type: 'linear' as const, title: { display: true, text: metric } },
    },
    plugins: { legend: { display: true }, tooltip: { mode: 'nearest' as const, intersect: false } },
  };
  applyChartTheme(options, theme);
  // What is drawn, for tests and screen readers: one "label|points" per run.
  const box = $('chart').parentElement!;
  box.dataset.series = datasets.map((d) => `${d.label}|${d.data.length}`).join(';');
  box.dataset.x = x;
  box.dataset.metric = metric;
  chart?.destroy();
  chart = new Chart($<HTMLCanvasElement>('chart'), { type: 'line', data: { datasets }, options });
}

function renderGrids(r: CompareReport, grids: (string | null)[]): void {
  $('captions').replaceChildren(...r.captions.map((c) => text('li', c)));
  $('grids').replaceChildren(
    ...r.runs.map((run, i) => {
      const card = document.createElement('figure');
      card.className = 'grid-card';
      const title = text('figcaption', `${run.name} · ${run.method}${run.gridStep !== undefined ? ` · step ${run.gridStep}` : ''}`, 'title');
      const src = grids[i];
      if (src) {
        const img = document.createElement('img');
        img.src = src;
        img.alt = `sample grid of ${run.name}`;
        card.append(title, img);
      } else {
        card.append(title, text('p', run.gridError ? `no grid: ${run.gridError}` : 'no grid', 'muted'));
      }
      return card;
    }),
  );
}

function save(): void {
  state.metric = metric;
  state.x = xAxis;
  vscode.setState(state);
}

metricSelect.addEventListener('change', () => {
  if (report?.metricNames.includes(metricSelect.value)) metric = metricSelect.value;
  save();
  renderChart();
});
xSelect.addEventListener('change', () => {
  xAxis = xSelect.value === 'seconds' ? 'seconds' : 'step';
  save();
  renderChart();
});
watchTheme(() => renderChart());

window.addEventListener('message', (e: MessageEvent) => {
  const msg = parseHostToCompare(e.data);
  if (!msg) return;
  if (msg.type === 'progress') {
    status.hidden = false;
    status.className = 'status muted';
    status.textContent = msg.message;
  } else if (msg.type === 'error') {
    status.hidden = false;
    status.className = 'status error';
    status.textContent = msg.message;
  } else {
    report = msg.report;
    status.hidden = true;
    $('report').hidden = false;
    // Restricted Mode: say up front why there are no grids, not only in the notes.
    $('notice').hidden = !msg.notice;
    $('notice').textContent = msg.notice ?? '';
    renderTable(report);
    renderMetricChoices(report);
    renderGrids(report, msg.grids);
    renderChart();
  }
});

vscode.postMessage({ type: 'ready' });
