// Attention side panel: a caption's generated image with one heatmap per word
// (per stage when the method has several), adjustable opacity, click a word to
// enlarge; live mode follows the training run's latest sample grid. It only
// draws what the host sends (protocol/attention.ts), checked on arrival.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { parseHostToAttention, type AttentionResult, type HostToAttention, type LiveCell } from '../../protocol/attention';
import { checkpointOptions } from './checkpointOptions';
import type { ServeAttention } from '../../protocol/serve';
import { heatmapRgba, legendGradient, peakWord } from './heatmap';
import css from './style.css';
import { vscodeApi } from '../shared/vscodeApi';
import type { AttentionToHost } from '../../protocol/attention';

interface PersistedState {
  caption: string;
  seed: number;
  opacity: number;
  live: boolean;
}

const vscode = vscodeApi<AttentionToHost, PersistedState>();

const LAYOUT = `
<form id="ask" class="ask" autocomplete="off">
  <label for="caption" class="muted">Caption</label>
  <input id="caption" type="text" maxlength="500" placeholder="a red circle above a blue square" spellcheck="false">
  <div class="row">
    <label class="row" for="seed">Seed <input id="seed" type="number" min="0" step="1" value="0"></label>
    <vscode-button id="go" title="Generate the image and its word attention">Generate</vscode-button>
    <label class="row" title="Follow the training run's latest sample grid (its fixed captions)"><input id="live" type="checkbox"> Live</label>
  </div>
  <label class="row" for="checkpoint" title="The checkpoint of the config's latest run that generates the image">Checkpoint
    <select id="checkpoint"><option value="">Latest</option></select></label>
</form>
<div id="status" class="status muted" role="status" aria-live="polite"></div>
<div id="banner" class="banner" role="note" hidden></div>
<section id="result" aria-label="Generated image and word attention" hidden>
  <p id="big-word" class="big-word"></p>
  <div class="stage"><img id="gen-img" alt="generated image"><canvas id="big-heat" class="heat" aria-hidden="true"></canvas></div>
  <div id="controls" class="controls">
    <label class="row">Opacity <input id="opacity" class="grow" type="range" min="0" max="1" step="0.05"></label>
    <div class="row legend-row muted" title="Heatmap colours, from low to high attention"><span>low</span><span id="legend" class="legend"></span><span>high</span></div>
    <label id="stage-row" class="row">Stage <select id="stage-select"></select></label>
  </div>
  <div id="tiles" class="tiles" role="group" aria-label="Words: click one to enlarge its heatmap"></div>
</section>
<section id="live-section" hidden>
  <h2 id="live-title">Live</h2>
  <div id="live-cells" class="live-cells"></div>
</section>`;

const sheet = new CSSStyleSheet();
sheet.replaceSync(css);
document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
const app = document.getElementById('app')!;
app.innerHTML = LAYOUT;
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const captionInput = $<HTMLInputElement>('caption');
const seedInput = $<HTMLInputElement>('seed');
const liveBox = $<HTMLInputElement>('live');
const checkpointSelect = $<HTMLSelectElement>('checkpoint');
const statusEl = $('status');
const banner = $('banner');
const resultEl = $('result');
const img = $<HTMLImageElement>('gen-img');
const bigHeat = $<HTMLCanvasElement>('big-heat');
const bigWord = $('big-word');
const opacityInput = $<HTMLInputElement>('opacity');
const stageRow = $('stage-row');
const stageSelect = $<HTMLSelectElement>('stage-select');
const tiles = $('tiles');
const liveSection = $('live-section');
const liveCells = $('live-cells');
$('legend').style.background = legendGradient();

const saved = vscode.getState();
const state: PersistedState = {
  caption: typeof saved?.caption === 'string' ? saved.caption : '',
  seed: Number.isSafeInteger(saved?.seed) && saved!.seed >= 0 ? saved!.seed : 0,
  opacity: typeof saved?.opacity === 'number' && saved.opacity >= 0 && saved.opacity <= 1 ? saved.opacity : 0.6,
  live: saved?.live === true,
};
captionInput.value = state.caption;
seedInput.value = String(state.seed);
opacityInput.value = String(state.opacity);
liveBox.checked = state.live;
const save = () => vscode.setState(state);

/** What is shown: a generated result, or a cell of the live grid. */
let shown: { image: string; attention?: ServeAttention } | undefined;
let stageIndex = 0;
let wordIndex = -1;

function setBanner(text: string | undefined, kind: 'info' | 'error' = 'info'): void {
  banner.hidden = !text;
  banner.textContent = text ?? '';
  banner.className = `banner${kind === 'error' ? ' error' : ''}`;
  banner.id = 'banner';
  banner.dataset.kind = kind;
}

function drawHeat(canvas: HTMLCanvasElement, map: readonly number[], size: number): void {
  canvas.width = size;
  canvas.height = size;
  const ctx = canvas.getContext('2d')!;
  ctx.putImageData(new ImageData(new Uint8ClampedArray(heatmapRgba(map, size, state.opacity)), size, size), 0, 0);
}

function render(): void {
  if (!shown) {
    resultEl.hidden = true;
    return;
  }
  resultEl.hidden = false;
  img.src = shown.image;
  const att = shown.attention;
  const stages = att?.stages ?? [];
  stageRow.hidden = stages.length < 2;
  $('controls').hidden = stages.length === 0;
  tiles.replaceChildren();
  const stage = stages[Math.min(stageIndex, stages.length - 1)];
  if (!att || !stage || !att.words.length) {
    bigHeat.hidden = true;
    bigWord.textContent = '';
    resultEl.dataset.heatmaps = '0';
    return;
  }
  if (wordIndex < 0 || wordIndex >= att.words.length) wordIndex = Math.max(0, peakWord(stage.maps));
  bigHeat.hidden = false;
  drawHeat(bigHeat, stage.maps[wordIndex], stage.size);
  bigWord.textContent = `“${att.words[wordIndex]}”${stages.length > 1 ? ` · ${stage.name}` : ''}`;
  att.words.forEach((word, i) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'tile';
    b.setAttribute('aria-pressed', String(i === wordIndex));
    b.title = `Enlarge the heatmap of “${word}”`;
    const pic = document.createElement('div');
    pic.className = 'pic';
    const im = document.createElement('img');
    im.src = shown!.image;
    im.alt = '';
    const cv = document.createElement('canvas');
    cv.className = 'heat';
    drawHeat(cv, stage.maps[i], stage.size);
    pic.append(im, cv);
    const label = document.createElement('span');
    label.className = 'label';
    label.textContent = word;
    b.append(pic, label);
    b.addEventListener('click', () => {
      wordIndex = i;
      render();
    });
    tiles.append(b);
  });
  resultEl.dataset.heatmaps = String(att.words.length);
}

function show(next: { image: string; attention?: ServeAttention }): void {
  shown = next;
  const stages = next.attention?.stages ?? [];
  // Exporters may already put the size in the name ("stage2 (16×16)"): say it once.
  stageSelect.replaceChildren(...stages.map((s, i) => new Option(s.name.includes(`${s.size}×${s.size}`) ? s.name : `${s.name} (${s.size}×${s.size})`, String(i))));
  stageIndex = Math.max(0, stages.length - 1); // the finest stage first
  stageSelect.value = String(stageIndex);
  wordIndex = -1;
  render();
}

function noAttentionText(method: string): string {
  return `This method (${method}) has no word attention: the image is shown without heatmaps. XMC-GAN and MirrorGAN configs show one heatmap per word.`;
}

function onResult(r: AttentionResult): void {
  captionInput.value = r.caption;
  seedInput.value = String(r.seed);
  state.caption = r.caption;
  state.seed = r.seed;
  save();
  const unknown = r.unknownWords.length ? ` · left out (not in the vocabulary): ${r.unknownWords.join(', ')}` : '';
  const pinned = checkpointSelect.value ? '' : ' (latest)';
  statusEl.textContent = `${r.configName} · ${r.method} · checkpoint step ${r.step}${pinned} · seed ${r.seed}${unknown}`;
  setBanner(r.attention ? undefined : noAttentionText(r.method));
  show({ image: r.image, attention: r.attention });
}

function onLive(m: Extract<HostToAttention, { type: 'live' }>): void {
  liveSection.hidden = false;
  $('live-title').textContent = `Live · ${m.configName} · sample step ${m.step}`;
  statusEl.textContent = `Following the training run: step ${m.step}`;
  setBanner(m.hasAttention ? undefined : 'This method has no word attention: the run exports no attention maps, so only its samples are shown.');
  const pick = (cell: LiveCell) => {
    captionInput.value = cell.caption;
    show({ image: cell.image, attention: cell.attention });
  };
  liveCells.replaceChildren(
    ...m.cells.map((cell) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'tile';
      b.title = cell.caption;
      const pic = document.createElement('div');
      pic.className = 'pic';
      const im = document.createElement('img');
      im.src = cell.image;
      im.alt = cell.caption;
      pic.append(im);
      const label = document.createElement('span');
      label.className = 'label';
      label.textContent = cell.caption;
      b.append(pic, label);
      b.addEventListener('click', () => pick(cell));
      return b;
    }),
  );
  const current = m.cells.find((c) => c.caption === captionInput.value) ?? m.cells[0];
  if (current) pick(current);
}

window.addEventListener('message', (e: MessageEvent) => {
  const m = parseHostToAttention(e.data);
  if (!m) return;
  switch (m.type) {
    case 'pending':
      captionInput.value = m.caption;
      statusEl.textContent = `Generating “${m.caption}” from ${m.configName}…`;
      if (state.live) setLive(false, false);
      break;
    case 'result':
      onResult(m.result);
      break;
    case 'error':
      setBanner(m.message, 'error');
      statusEl.textContent = '';
      break;
    case 'live':
      onLive(m);
      break;
    case 'liveEmpty':
      liveSection.hidden = true;
      setBanner(m.message);
      break;
    case 'checkpoints':
      checkpointSelect.replaceChildren(...checkpointOptions(m.items).map((o) => new Option(o.label, o.value)));
      checkpointSelect.value = m.selected ?? '';
      checkpointSelect.title = m.run ? `Checkpoints of run ${m.run}` : 'The config has no run yet';
      break;
  }
});

function generate(): void {
  const caption = captionInput.value.trim();
  const seed = Number(seedInput.value);
  if (!caption) {
    captionInput.focus();
    return;
  }
  if (!Number.isSafeInteger(seed) || seed < 0) {
    setBanner('The seed must be a whole number ≥ 0.', 'error');
    return;
  }
  const checkpoint = checkpointSelect.value || undefined;
  vscode.postMessage({ type: 'generate', caption, seed, ...(checkpoint ? { checkpoint } : {}) });
}

function setLive(on: boolean, tell = true): void {
  state.live = on;
  liveBox.checked = on;
  if (!on) liveSection.hidden = true;
  save();
  if (tell) vscode.postMessage({ type: 'live', on });
}

$('ask').addEventListener('submit', (e) => {
  e.preventDefault();
  generate();
});
// Enter generates: the form has two text-like fields and no native submit button, so the browser would not submit it.
for (const field of [captionInput, seedInput]) {
  field.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.isComposing) {
      e.preventDefault();
      generate();
    }
  });
}
$('go').addEventListener('click', generate);
liveBox.addEventListener('change', () => setLive(liveBox.checked));
checkpointSelect.addEventListener('change', () => {
  if (captionInput.value.trim()) generate();
});
opacityInput.addEventListener('input', () => {
  state.opacity = Number(opacityInput.value);
  save();
  render();
});
stageSelect.addEventListener('change', () => {
  stageIndex = Number(stageSelect.value);
  render();
});

vscode.postMessage({ type: 'ready' });
if (state.live) vscode.postMessage({ type: 'live', on: true });
