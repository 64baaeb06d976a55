// Dashboard webview: loss chart, metrics chart, sample grids and one step slider for a run.
// It only draws what the host sends (see protocol/webview.ts); the run folder
// is the source of truth, so after a reload it asks for everything again.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import type { HostToDashboard, TrainerActivity } from '../../protocol/webview';
import { icon, type IconName } from './icons';
import { LossChart } from './lossChart';
import { metricSummaries, stepExtent } from './metrics';
import { MetricsChart } from './metricsChart';
import { addSamples, applyEvents, emptyRun, pointCount, type RunModel } from './runModel';
import { SamplesView } from './samples';
import { samplesEmptyText, statusParts } from './statusLine';
import { FOLLOW_LATEST, parseSelection, resolveIndex, selectIndex, type StepSelection } from './stepSelection';
import css from './style.css';
import { vscodeApi } from './vscodeApi';

/** What survives a reload (and lets the host's serializer reopen the panel). */
interface PersistedState {
  configPath?: string;
  runId?: string;
  selection: StepSelection;
  smoothing: number;
}

const DEFAULT_SMOOTHING = 0.6;
const vscode = vscodeApi<PersistedState>();

function loadState(): PersistedState {
  const s = vscode.getState() as Partial<PersistedState> | undefined;
  const smoothing = typeof s?.smoothing === 'number' && s.smoothing >= 0 && s.smoothing < 1 ? s.smoothing : DEFAULT_SMOOTHING;
  return {
    configPath: typeof s?.configPath === 'string' ? s.configPath : undefined,
    runId: typeof s?.runId === 'string' ? s.runId : undefined,
    selection: parseSelection(s?.selection),
    smoothing,
  };
}

// Static markup only; every value shown is set with textContent.
const LAYOUT = `
<header class="toolbar">
  <div class="title">
    <h1 id="config-name">T2I Lab</h1>
    <span id="run-id" class="muted"></span>
  </div>
  <div class="actions">
    <vscode-button id="open-config" secondary title="Open the config file">Config</vscode-button>
    <vscode-button id="stop" secondary title="Stop training (writes a checkpoint)">Stop</vscode-button>
    <vscode-button id="train" title="Start a new training run">Train</vscode-button>
  </div>
</header>
<vscode-progress-bar id="progress" hidden></vscode-progress-bar>
<div id="status" class="status" role="status" aria-live="polite"></div>
<div id="error-banner" class="banner" role="alert" hidden>
  <span class="banner-icon"></span>
  <span id="error-text" class="banner-text"></span>
  <vscode-button id="show-log" secondary>Show Log</vscode-button>
  <button id="dismiss-error" class="icon-button" title="Dismiss" aria-label="Dismiss"></button>
</div>
<section class="card" aria-labelledby="losses-title">
  <header class="card-header">
    <h2 id="losses-title">Losses</h2>
    <label class="control" title="Exponential moving average of the losses (TensorBoard's formula); the raw values stay faint behind">
      Smoothing
      <input id="smoothing" type="range" min="0" max="0.99" step="0.01">
      <output id="smoothing-value"></output>
    </label>
  </header>
  <div id="loss-chart-wrap" class="chart-wrap" data-points="0" data-steps="0">
    <canvas id="loss-chart" aria-label="Loss per step"></canvas>
    <div id="chart-empty" class="empty"></div>
  </div>
</section>
<section id="metrics-card" class="card" aria-labelledby="metrics-title" hidden>
  <header class="card-header">
    <h2 id="metrics-title">Metrics</h2>
    <div id="metrics-legend" class="metrics-legend" role="group" aria-label="Latest value of each metric; click one to show or hide its line"></div>
  </header>
  <div id="metrics-chart-wrap" class="chart-wrap metrics-wrap" data-points="0" data-metrics="">
    <canvas id="metrics-chart" aria-label="Evaluation metrics per step"></canvas>
  </div>
</section>
<section id="samples-card" class="card" aria-labelledby="samples-title">
  <header class="card-header">
    <h2 id="samples-title">Samples</h2>
    <label id="slider-control" class="control slider-control">
      <span class="visually-hidden">Sample step</span>
      <input id="step-slider" type="range" min="0" max="0" step="1" value="0" disabled>
      <output id="step-label" class="step-label"></output>
    </label>
  </header>
  <div id="grids" class="grids" hidden></div>
  <div id="samples-empty" class="empty"></div>
  <ol id="captions" class="captions" hidden></ol>
</section>`;

const sheet = new CSSStyleSheet();
sheet.replaceSync(css);
document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
const app = document.getElementById('app')!;
app.innerHTML = LAYOUT;

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  configName: $('config-name'),
  runId: $('run-id'),
  train: $<HTMLElement & { disabled: boolean }>('train'),
  stop: $<HTMLElement & { disabled: boolean }>('stop'),
  openConfig: $('open-config'),
  progress: $<HTMLElement & { value?: number; max: number; indeterminate: boolean }>('progress'),
  status: $('status'),
  banner: $('error-banner'),
  errorText: $('error-text'),
  chartWrap: $('loss-chart-wrap'),
  chartEmpty: $('chart-empty'),
  metricsCard: $('metrics-card'),
  metricsWrap: $('metrics-chart-wrap'),
  samplesCard: $('samples-card'),
  smoothing: $<HTMLInputElement>('smoothing'),
  smoothingValue: $<HTMLOutputElement>('smoothing-value'),
  slider: $<HTMLInputElement>('step-slider'),
  sliderControl: $('slider-control'),
  stepLabel: $<HTMLOutputElement>('step-label'),
  samplesEmpty: $('samples-empty'),
};

function withIcon(el: HTMLElement, name: IconName): void {
  const svg = icon(name);
  svg.setAttribute('slot', 'content-before');
  el.prepend(svg);
}
withIcon(ui.train, 'play');
withIcon(ui.stop, 'debug-stop');
withIcon(ui.openConfig, 'file-code');
withIcon($('show-log'), 'output');
$('error-banner').querySelector('.banner-icon')!.append(icon('error'));
$('dismiss-error').append(icon('close'));

// ---- state ----
let persisted = loadState();
let run: RunModel = emptyRun();
let activity: TrainerActivity = 'idle';
let hasRun = false;
let trainerError: string | undefined;
let dismissedError: string | undefined;

/** Clicking a chart moves the slider to the snapshot at or before that step. */
function pickStep(step: number): void {
  const steps = run.samples.map((s) => s.step);
  if (steps.length) select(selectIndex(steps, resolveIndex(steps, { step, follow: false })));
}
const chart = new LossChart($<HTMLCanvasElement>('loss-chart'), pickStep);
const metricsChart = new MetricsChart($<HTMLCanvasElement>('metrics-chart'), $('metrics-legend'), pickStep);
const samples = new SamplesView($('grids'), $<HTMLOListElement>('captions'));

function save(): void {
  vscode.setState(persisted);
}

function select(sel: StepSelection): void {
  persisted = { ...persisted, selection: sel };
  save();
  renderSamples();
}

// ---- rendering (coalesced to one pass per frame) ----
let chartDirty = false;
let frame = 0;
function schedule(chartToo: boolean): void {
  chartDirty ||= chartToo;
  frame ||= requestAnimationFrame(() => {
    frame = 0;
    render();
  });
}

function render(): void {
  if (chartDirty) {
    chartDirty = false;
    chart.setData(run, persisted.smoothing);
    const points = pointCount(run);
    // For tests and tools: points across heads, and logged steps.
    ui.chartWrap.dataset.points = String(points);
    ui.chartWrap.dataset.steps = String(Math.max(0, ...[...run.series.values()].map((x) => x.steps.length)));
    ui.chartEmpty.hidden = points > 0;
    ui.chartWrap.classList.toggle('is-empty', points === 0);
    ui.chartEmpty.textContent = isActive()
      ? 'Waiting for the first loss…'
      : trainerError
        ? 'The trainer stopped before it logged a loss.'
        : hasRun
          ? 'This run logged no losses.'
          : 'No runs yet. Press Train to start one.';
    renderMetrics();
  }
  renderStatus();
  renderSamples();
}

/** The metrics card appears with the run's first metrics event. */
function renderMetrics(): void {
  const metrics = metricSummaries(run);
  ui.metricsCard.hidden = metrics.length === 0;
  // For tests and tools: points across metrics, and the latest value of each.
  ui.metricsWrap.dataset.points = String(pointCount(run, run.metrics));
  ui.metricsWrap.dataset.metrics = metrics.map((m) => `${m.name}=${m.value}`).join(' ');
  if (metrics.length === 0) return;
  metricsChart.setData(metrics, stepExtent(run.series.values(), run.metrics.values()));
}

function isActive(): boolean {
  return activity !== 'idle';
}

function renderStatus(): void {
  const p = statusParts(run, activity, hasRun, trainerError !== undefined);
  ui.status.replaceChildren();
  const state = document.createElement('span');
  state.className = `state state-${p.kind}`;
  state.textContent = p.state;
  ui.status.append(state);
  for (const [key, text] of [['method', p.method], ['backend', p.backend], ['step', p.step], ['speed', p.speed], ['checkpoint', p.checkpoint]] as const) {
    if (!text) continue;
    const span = document.createElement('span');
    span.className = `status-${key}`;
    span.textContent = text;
    ui.status.append(span);
  }
  const runId = run.runId ?? persisted.runId;
  ui.runId.textContent = runId ? `run ${runId}` : '';
  ui.train.disabled = isActive();
  ui.stop.disabled = !(activity === 'starting' || activity === 'running');
  // Progress: a determinate bar while training, indeterminate while starting or stopping.
  ui.progress.hidden = !isActive();
  if (isActive()) {
    const known = activity === 'running' && run.totalSteps !== undefined && run.lastStep !== undefined;
    ui.progress.indeterminate = !known;
    ui.progress.max = run.totalSteps ?? 1;
    ui.progress.value = known ? run.lastStep : undefined;
  }
  const error = trainerError ?? (run.done?.reason === 'failed' || (!run.done && !isActive()) ? run.lastError : undefined);
  ui.banner.hidden = !error || error === dismissedError;
  ui.errorText.textContent = error ?? '';
}

function renderSamples(): void {
  const steps = run.samples.map((s) => s.step);
  const i = resolveIndex(steps, persisted.selection);
  const snap = i >= 0 ? run.samples[i] : undefined;
  ui.slider.disabled = steps.length < 2;
  ui.slider.max = String(Math.max(0, steps.length - 1));
  ui.slider.value = String(Math.max(0, i));
  ui.slider.setAttribute('aria-valuetext', snap ? `step ${snap.step}` : 'no samples');
  ui.stepLabel.textContent = snap ? `step ${snap.step.toLocaleString('en-US')} · ${i + 1} of ${steps.length}` : '';
  ui.sliderControl.hidden = !snap;
  ui.samplesEmpty.hidden = !!snap;
  const note = samplesEmptyText(run, isActive(), hasRun);
  ui.samplesEmpty.textContent = note.text;
  ui.samplesCard.classList.toggle('no-samples', note.none);
  samples.show(snap);
  chart.setCursor(snap?.step);
  metricsChart.setCursor(snap?.step);
}

// ---- controls ----
ui.slider.addEventListener('input', () => select(selectIndex(run.samples.map((s) => s.step), Number(ui.slider.value))));
// Arrow keys move the slider from anywhere in the dashboard, not only when it has focus.
document.addEventListener('keydown', (e) => {
  if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
  if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement) return;
  const delta = { ArrowLeft: -1, ArrowRight: 1, Home: -Infinity, End: Infinity }[e.key];
  if (delta === undefined || run.samples.length === 0) return;
  const steps = run.samples.map((s) => s.step);
  const i = resolveIndex(steps, persisted.selection);
  select(selectIndex(steps, Number.isFinite(delta) ? i + delta : delta > 0 ? steps.length - 1 : 0));
  e.preventDefault();
});
ui.smoothing.value = String(persisted.smoothing);
ui.smoothingValue.textContent = persisted.smoothing.toFixed(2);
ui.smoothing.addEventListener('input', () => {
  persisted = { ...persisted, smoothing: Number(ui.smoothing.value) };
  ui.smoothingValue.textContent = persisted.smoothing.toFixed(2);
  save();
  schedule(true);
});
ui.train.addEventListener('click', () => {
  if (!ui.train.disabled) vscode.postMessage({ type: 'train' });
});
ui.stop.addEventListener('click', () => {
  if (!ui.stop.disabled) vscode.postMessage({ type: 'stop' });
});
ui.openConfig.addEventListener('click', () => vscode.postMessage({ type: 'openConfig' }));
$('show-log').addEventListener('click', () => vscode.postMessage({ type: 'showLog' }));
$('dismiss-error').addEventListener('click', () => {
  dismissedError = ui.errorText.textContent ?? undefined;
  renderStatus();
});

// ---- host messages ----
window.addEventListener('message', (e: MessageEvent<HostToDashboard>) => {
  const msg = e.data;
  switch (msg.type) {
    case 'reset': {
      const sameRun = msg.runId !== undefined && msg.runId === persisted.runId;
      persisted = {
        ...persisted,
        configPath: msg.configPath,
        runId: msg.runId,
        // A different run starts following its newest snapshot again.
        selection: sameRun ? persisted.selection : FOLLOW_LATEST,
      };
      save();
      run = emptyRun();
      activity = msg.activity;
      hasRun = msg.runId !== undefined;
      trainerError = undefined;
      dismissedError = undefined;
      ui.configName.textContent = msg.configName;
      document.title = `T2I: ${msg.configName}`;
      schedule(true);
      break;
    }
    case 'events':
      applyEvents(run, msg.events);
      addSamples(run, msg.samples);
      if (run.runId) hasRun = true;
      schedule(msg.events.some((ev) => ev.type === 'step' || ev.type === 'run_started' || ev.type === 'metrics'));
      break;
    case 'activity':
      activity = msg.activity;
      schedule(true);
      break;
    case 'trainerError':
      trainerError = msg.message;
      schedule(true);
      break;
  }
});

renderStatus();
vscode.postMessage({ type: 'ready' });
