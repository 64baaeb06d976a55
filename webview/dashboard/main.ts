// Dashboard webview: loss chart, metrics chart, sample grids and one step slider for a run.
// It only draws what the host sends (see protocol/webview.ts); the run folder
// is the source of truth, so after a reload it asks for everything again.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import { isRunId, MAX_OVERLAY_RUNS, type HostToDashboard, type RunSummary, type TrainerActivity } from '../../protocol/webview';
import { CompareView } from './compareView';
import { icon, type IconName } from './icons';
import { LossChart, type OverlayRun } from './lossChart';
import { metricSummaries, stepExtent } from './metrics';
import { MetricsChart } from './metricsChart';
import { addSamples, applyEvents, emptyRun, pointCount, runFromHistory, seriesFromDigest, type RunModel } from './runModel';
import { parseGridZoom, SamplesView, type GridZoom } from './samples';
import { canResume, samplesEmptyText, statusParts } from './statusLine';
import { FOLLOW_LATEST, parseSelection, resolveIndex, selectIndex, type StepSelection } from './stepSelection';
import css from './style.css';
import { vscodeApi } from '../shared/vscodeApi';
import type { DashboardToHost } from '../../protocol/webview';
import { parseXAxisMode, type XAxisMode } from './xAxis';

/** What survives a reload (and lets the host's serializer reopen the panel). */
interface PersistedState {
  configPath?: string;
  runId?: string;
  selection: StepSelection;
  smoothing: number;
  logY: boolean;
  xAxis: XAxisMode;
  gridZoom: GridZoom;
  /** Other runs drawn over this one. */
  overlays: string[];
}

/** Time between snapshots while playing. */
const PLAY_MS = 450;

const DEFAULT_SMOOTHING = 0.6;
const vscode = vscodeApi<DashboardToHost, PersistedState>();

function loadState(): PersistedState {
  const s = vscode.getState() as Partial<PersistedState> | undefined;
  const smoothing = typeof s?.smoothing === 'number' && s.smoothing >= 0 && s.smoothing < 1 ? s.smoothing : DEFAULT_SMOOTHING;
  return {
    configPath: typeof s?.configPath === 'string' ? s.configPath : undefined,
    runId: typeof s?.runId === 'string' ? s.runId : undefined,
    selection: parseSelection(s?.selection),
    smoothing,
    logY: s?.logY === true,
    xAxis: parseXAxisMode(s?.xAxis),
    gridZoom: parseGridZoom(s?.gridZoom),
    overlays: Array.isArray(s?.overlays) ? s.overlays.filter(isRunId).slice(0, MAX_OVERLAY_RUNS) : [],
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
    <vscode-button id="resume" secondary title="Continue this run from its latest checkpoint" hidden>Resume</vscode-button>
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
    <div class="chart-controls">
      <label class="control" title="Exponential moving average of the losses (TensorBoard's formula); the raw values stay faint behind">
        Smoothing
        <!-- TensorBoard's range: up to 0.999, in steps of 0.001 (long runs of noisy losses need the top end). -->
        <input id="smoothing" type="range" min="0" max="0.999" step="0.001">
        <output id="smoothing-value"></output>
      </label>
      <vscode-checkbox id="log-y" title="Logarithmic y axis (values at or below 0 are left out)">Log scale</vscode-checkbox>
      <label class="control">
        <span>X axis</span>
        <vscode-single-select id="x-axis" class="x-axis-select" title="Plot against the training step or the wall time since the run started">
          <vscode-option value="step">Step</vscode-option>
          <vscode-option value="time">Wall time</vscode-option>
        </vscode-single-select>
      </label>
      <vscode-button id="reset-zoom" secondary title="Show the whole run (or double-click the chart)" hidden>Reset zoom</vscode-button>
    </div>
  </header>
  <div id="loss-chart-wrap" class="chart-wrap" data-points="0" data-steps="0">
    <canvas id="loss-chart" aria-label="Loss per step. Drag across it to zoom, scroll to zoom around the pointer, double-click to see everything."></canvas>
    <div id="chart-empty" class="empty"></div>
  </div>
  <div id="chart-note" class="chart-note muted" hidden></div>
</section>
<section id="compare-card" class="card" aria-labelledby="compare-title" hidden>
  <header class="card-header">
    <h2 id="compare-title">Compare runs</h2>
    <span class="muted hint">Other runs of this config, drawn dashed over this one</span>
  </header>
  <div id="run-picker" class="run-picker" role="group" aria-label="Runs to overlay"></div>
  <div id="config-diff" class="config-diff" hidden></div>
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
    <div id="slider-control" class="control slider-control">
      <button id="play" class="icon-button" title="Play through the snapshots (Space)" aria-label="Play" aria-pressed="false"></button>
      <label class="slider-label"><span class="visually-hidden">Sample step</span>
        <input id="step-slider" type="range" min="0" max="0" step="1" value="0" disabled>
      </label>
      <output id="step-label" class="step-label"></output>
      <vscode-single-select id="grid-zoom" class="zoom-select" title="Zoom (whole pixels, crisp)" aria-label="Zoom">
        <vscode-option value="fit">Fit</vscode-option>
        <vscode-option value="1">1×</vscode-option>
        <vscode-option value="2">2×</vscode-option>
        <vscode-option value="4">4×</vscode-option>
        <vscode-option value="8">8×</vscode-option>
      </vscode-single-select>
      <button id="fullscreen" class="icon-button" title="Full screen (F)" aria-label="Full screen"></button>
      <button id="export-png" class="icon-button" title="Export this grid as PNG" aria-label="Export PNG"></button>
    </div>
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
  resume: $<HTMLElement & { disabled: boolean }>('resume'),
  logY: $<HTMLElement & { checked: boolean }>('log-y'),
  xAxis: $<HTMLElement & { value: string }>('x-axis'),
  resetZoom: $('reset-zoom'),
  chartNote: $('chart-note'),
  play: $('play'),
  gridZoom: $<HTMLElement & { value: string }>('grid-zoom'),
  fullscreen: $('fullscreen'),
  exportPng: $('export-png'),
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
withIcon(ui.resume, 'debug-continue');
ui.fullscreen.append(icon('screen-full'));
ui.exportPng.append(icon('save-as'));
withIcon(ui.openConfig, 'file-code');
withIcon($('show-log'), 'output');
$('error-banner').querySelector('.banner-icon')!.append(icon('error'));
$('dismiss-error').append(icon('close'));

// ---- state ----
let persisted = loadState();
let run: RunModel = emptyRun();
let activity: TrainerActivity = 'idle';
/** False in Restricted Mode: Train and Resume are refused by the host, so the buttons are off. */
let trusted = true;
let hasRun = false;
let trainerError: string | undefined;
let dismissedError: string | undefined;
let otherRuns: RunSummary[] = [];
/** Overlaid runs' histories, by run id, as the host sent them. */
const overlayRuns = new Map<string, OverlayRun & { config?: unknown }>();
let playTimer = 0;

/** Clicking a chart moves the slider to the snapshot at or before that step. */
function pickStep(step: number): void {
  const steps = run.samples.map((s) => s.step);
  if (steps.length) select(selectIndex(steps, resolveIndex(steps, { step, follow: false })));
}
const chart = new LossChart($<HTMLCanvasElement>('loss-chart'), pickStep, (range) => {
  ui.resetZoom.hidden = !range;
  ui.chartWrap.dataset.zoomed = range ? `${range.min},${range.max}` : '';
  describeChart();
  renderMetrics();
});
const metricsChart = new MetricsChart($<HTMLCanvasElement>('metrics-chart'), $('metrics-legend'), pickStep);
const samples = new SamplesView($('grids'), $<HTMLOListElement>('captions'));
samples.onInspect = (caption) => vscode.postMessage({ type: 'inspectCaption', caption });
const compare = new CompareView($('compare-card'), $('run-picker'), $('config-diff'), (ids) => {
  persisted = { ...persisted, overlays: ids };
  save();
  for (const id of [...overlayRuns.keys()]) if (!ids.includes(id)) overlayRuns.delete(id);
  const missing = ids.filter((id) => !overlayRuns.has(id));
  if (missing.length) vscode.postMessage({ type: 'overlay', runIds: missing });
  schedule(true);
});
samples.setZoom(persisted.gridZoom);

function save(): void {
  vscode.setState(persisted);
}

function select(sel: StepSelection): void {
  persisted = { ...persisted, selection: sel };
  save();
  renderSamples();
  announceStep();
}

// One slider across views: the host moves the attention panel to the checkpoint nearest the selected step.
// Debounced, so dragging or playing asks for one image at the end, not one per snapshot.
let announced: number | undefined;
let announceTimer = 0;
function announceStep(): void {
  clearTimeout(announceTimer);
  announceTimer = window.setTimeout(() => {
    const steps = run.samples.map((s) => s.step);
    const i = resolveIndex(steps, persisted.selection);
    if (i < 0 || steps[i] === announced) return;
    announced = steps[i];
    vscode.postMessage({ type: 'selectStep', step: steps[i] });
  }, 200);
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
    const overlays = persisted.overlays.map((id) => overlayRuns.get(id)).filter((o): o is OverlayRun => !!o);
    chart.setData(run, { smoothing: persisted.smoothing, logY: persisted.logY, xAxis: persisted.xAxis, overlays });
    const points = pointCount(run);
    // For tests and tools: points across heads, logged steps, what the chart drew and how long it took.
    ui.chartWrap.dataset.points = String(points);
    ui.chartWrap.dataset.steps = String(Math.max(0, ...[...run.series.values()].map((x) => x.steps.length)));
    ui.chartWrap.dataset.overlays = overlays.map((o) => o.runId).join(' ');
    describeChart();
    compare.render(otherRuns, persisted.overlays, run.runId ?? persisted.runId, run.config, overlayRuns);
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
  const zoom = persisted.xAxis === 'step' ? chart.zoom.range : undefined;
  metricsChart.setData(metrics, stepExtent(run.series.values(), run.metrics.values()), zoom);
}

/** For tests and tools: what the chart drew, how long that took, and its axes. */
function describeChart(): void {
  const d = ui.chartWrap.dataset;
  d.drawn = String(chart.drawnPoints);
  d.updateMs = chart.lastUpdateMs.toFixed(1);
  d.yScale = chart.yScaleType;
  d.xAxis = persisted.xAxis;
  // One entry per line drawn: "label|kind|points".
  d.lines = chart
    .describe()
    .map((x) => `${x.label}|${x.run ? 'overlay' : x.raw ? 'raw' : 'line'}|${x.points}`)
    .join(';');
  renderChartNote();
}

/** Says what the chart leaves out or thins, so nothing is dropped silently. */
function renderChartNote(): void {
  const notes: string[] = [];
  if (run.partial) notes.push('Showing the end of a long log; the full history is loading…');
  const bucketed = [...run.series.values()].find((s) => s.agg);
  if (bucketed) {
    const per = Math.max(...bucketed.agg!.count);
    notes.push(`History averaged into buckets of up to ${per.toLocaleString('en-US')} steps (light band: their lowest and highest values).`);
  }
  if (run.skippedLines) notes.push(`${run.skippedLines.toLocaleString('en-US')} unreadable line${run.skippedLines === 1 ? '' : 's'} of events.jsonl skipped.`);
  if (run.tornLastLine && !isActive()) notes.push('The last line of events.jsonl is cut short (the trainer was stopped mid-write); it was ignored.');
  if (persisted.logY && chart.hiddenNonPositive > 0) notes.push(`Log scale: ${chart.hiddenNonPositive.toLocaleString('en-US')} values at or below 0 are not drawn.`);
  ui.chartNote.hidden = notes.length === 0;
  ui.chartNote.textContent = notes.join(' ');
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
  ui.train.disabled = isActive() || !trusted;
  ui.stop.disabled = !(activity === 'starting' || activity === 'running');
  ui.resume.hidden = !canResume(run, activity, hasRun);
  ui.resume.disabled = !trusted;
  ui.train.title = trusted ? 'Train this config' : 'Training is disabled in Restricted Mode: trust the workspace to train';
  ui.resume.title = trusted ? 'Continue this run from its latest checkpoint' : 'Resuming is disabled in Restricted Mode: trust the workspace to resume';
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
  if (playTimer && (steps.length < 2 || i >= steps.length - 1)) stopPlaying();
  ui.stepLabel.textContent = snap ? `step ${snap.step.toLocaleString('en-US')} · ${i + 1} of ${steps.length}` : '';
  ui.sliderControl.hidden = !snap;
  ui.samplesEmpty.hidden = !!snap;
  const note = samplesEmptyText(run, isActive(), hasRun);
  ui.samplesEmpty.textContent = note.text;
  ui.samplesCard.classList.toggle('no-samples', note.none);
  samples.show(snap);
  chart.setCursor(snap?.step);
  metricsChart.setCursor(snap?.step);
  // For tests: where the charts' cursor is.
  const px = chart.cursorPixel();
  ui.chartWrap.dataset.cursorStep = snap ? String(snap.step) : '';
  ui.chartWrap.dataset.cursorPx = px === undefined ? '' : px.toFixed(1);
}

// ---- play ----
function setPlayIcon(playing: boolean): void {
  ui.play.replaceChildren(icon(playing ? 'debug-pause' : 'play'));
  ui.play.setAttribute('aria-pressed', String(playing));
  ui.play.setAttribute('aria-label', playing ? 'Pause' : 'Play');
  ui.play.title = playing ? 'Pause (Space)' : 'Play through the snapshots (Space)';
}

function stopPlaying(): void {
  clearInterval(playTimer);
  playTimer = 0;
  setPlayIcon(false);
}

function togglePlay(): void {
  if (playTimer) return stopPlaying();
  const steps = run.samples.map((s) => s.step);
  if (steps.length < 2) return;
  // From the end, play starts over from the first snapshot.
  if (resolveIndex(steps, persisted.selection) >= steps.length - 1) select(selectIndex(steps, 0));
  setPlayIcon(true);
  playTimer = window.setInterval(() => {
    const all = run.samples.map((s) => s.step);
    const i = resolveIndex(all, persisted.selection);
    if (i >= all.length - 1) return stopPlaying();
    select(selectIndex(all, i + 1));
  }, PLAY_MS);
}
setPlayIcon(false);

// ---- controls ----
ui.slider.addEventListener('input', () => select(selectIndex(run.samples.map((s) => s.step), Number(ui.slider.value))));
// Arrow keys move the slider from anywhere in the dashboard, not only when it has focus.
document.addEventListener('keydown', (e) => {
  if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
  if (e.target instanceof HTMLInputElement && e.target.type !== 'range') return;
  if (e.target instanceof HTMLTextAreaElement) return;
  if (e.key === ' ' && !(e.target instanceof HTMLButtonElement) && run.samples.length > 1) {
    togglePlay();
    e.preventDefault();
    return;
  }
  if ((e.key === 'f' || e.key === 'F') && run.samples.length > 0) {
    samples.openFullscreen();
    e.preventDefault();
    return;
  }
  if (e.target instanceof HTMLInputElement) return;
  const delta = { ArrowLeft: -1, ArrowRight: 1, Home: -Infinity, End: Infinity }[e.key];
  if (delta === undefined || run.samples.length === 0) return;
  const steps = run.samples.map((s) => s.step);
  const i = resolveIndex(steps, persisted.selection);
  select(selectIndex(steps, Number.isFinite(delta) ? i + delta : delta > 0 ? steps.length - 1 : 0));
  e.preventDefault();
});
ui.smoothing.value = String(persisted.smoothing);
ui.smoothingValue.textContent = persisted.smoothing.toFixed(3);
ui.smoothing.addEventListener('input', () => {
  persisted = { ...persisted, smoothing: Number(ui.smoothing.value) };
  ui.smoothingValue.textContent = persisted.smoothing.toFixed(3);
  save();
  schedule(true);
});
ui.logY.checked = persisted.logY;
ui.logY.addEventListener('change', () => {
  persisted = { ...persisted, logY: ui.logY.checked };
  save();
  schedule(true);
});
ui.xAxis.value = persisted.xAxis;
ui.xAxis.addEventListener('change', () => {
  persisted = { ...persisted, xAxis: parseXAxisMode(ui.xAxis.value) };
  save();
  ui.resetZoom.hidden = true;
  schedule(true);
});
ui.resetZoom.addEventListener('click', () => chart.zoom.set(undefined));
ui.gridZoom.value = String(persisted.gridZoom);
ui.gridZoom.addEventListener('change', () => {
  const z = ui.gridZoom.value === 'fit' ? 'fit' : parseGridZoom(Number(ui.gridZoom.value));
  persisted = { ...persisted, gridZoom: z };
  save();
  samples.setZoom(z);
});
ui.play.addEventListener('click', () => togglePlay());
ui.fullscreen.addEventListener('click', () => samples.openFullscreen());
ui.exportPng.addEventListener('click', () => {
  const steps = run.samples.map((s) => s.step);
  const i = resolveIndex(steps, persisted.selection);
  if (i >= 0) vscode.postMessage({ type: 'exportPng', step: steps[i] });
});
ui.resume.addEventListener('click', () => {
  if (!ui.resume.hidden && trusted) vscode.postMessage({ type: 'resume' });
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
      stopPlaying();
      activity = msg.activity;
      trusted = msg.trusted !== false;
      // Overlays are per shown run: another run starts without them.
      if (!sameRun) persisted = { ...persisted, overlays: [] };
      overlayRuns.clear();
      save();
      hasRun = msg.runId !== undefined;
      trainerError = undefined;
      dismissedError = undefined;
      ui.configName.textContent = msg.configName;
      document.title = `T2I: ${msg.configName}`;
      schedule(true);
      break;
    }
    case 'history': {
      // The host's digest replaces the model; live events continue from it.
      const prevRunId = run.runId;
      run = runFromHistory(msg);
      if (run.runId) hasRun = true;
      if (prevRunId && run.runId !== prevRunId) persisted = { ...persisted, selection: FOLLOW_LATEST };
      // Ask for the overlays this dashboard showed before a reload.
      const missing = persisted.overlays.filter((id) => !overlayRuns.has(id));
      if (!msg.partial && missing.length) vscode.postMessage({ type: 'overlay', runIds: missing });
      schedule(true);
      break;
    }
    case 'runs':
      otherRuns = msg.runs;
      if (msg.config !== undefined) run.config = msg.config;
      schedule(true);
      break;
    case 'overlay': {
      if (!persisted.overlays.includes(msg.runId)) break;
      const series = new Map(msg.series.map((d) => [d.name, seriesFromDigest(d)]));
      overlayRuns.set(msg.runId, { runId: msg.runId, series, config: msg.config });
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
