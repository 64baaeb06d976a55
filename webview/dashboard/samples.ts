// The sample grids at the selected step: the generated grid beside the real
// one, scaled up by a whole factor with crisp pixels, and the grid's captions.
// Hovering a caption outlines its cell in both grids, and the other way round.
import type { SampleGridMeta } from '../../protocol/events';
import type { SampleSnapshot } from '../../protocol/webview';

/** Native pixel size of a grid: cells plus the gaps between and around them. */
export function gridSize(meta: SampleGridMeta): { width: number; height: number; gap: number } {
  const gap = typeof meta.gap === 'number' && meta.gap > 0 ? meta.gap : 0;
  return {
    width: meta.cols * meta.cell + (gap ? (meta.cols + 1) * gap : 0),
    height: meta.rows * meta.cell + (gap ? (meta.rows + 1) * gap : 0),
    gap,
  };
}

/** Whole-number zoom that fits `native` pixels into `avail`, within [1, max]. */
export function pixelScale(native: number, avail: number, max = 8): number {
  if (native <= 0 || !Number.isFinite(avail)) return 1;
  return Math.min(max, Math.max(1, Math.floor(avail / native)));
}

interface Figure {
  root: HTMLElement;
  img: HTMLImageElement;
  overlay: HTMLElement;
  caption: HTMLElement;
}

export class SamplesView {
  private readonly generated: Figure;
  private readonly real: Figure;
  private readonly captions: HTMLOListElement;
  /** Captions under the cells of a one-row grid (a strip), column by column. */
  private readonly stripCaptions: HTMLElement;
  private current?: SampleSnapshot;

  constructor(private readonly grids: HTMLElement, captions: HTMLOListElement) {
    this.generated = this.figure('sample-img', 'Generated');
    this.real = this.figure('real-img', 'Real');
    this.captions = captions;
    this.stripCaptions = document.createElement('div');
    this.stripCaptions.className = 'strip-captions';
    grids.append(this.generated.root, this.real.root);
    grids.after(this.stripCaptions);
    new ResizeObserver(() => this.layout()).observe(grids);
    for (const list of [captions, this.stripCaptions]) {
      list.addEventListener('pointerover', (e) => this.highlight(cellOf(e.target)));
      list.addEventListener('pointerleave', () => this.highlight(undefined));
    }
  }

  show(snap: SampleSnapshot | undefined): void {
    const prev = this.current;
    this.current = snap;
    this.grids.hidden = !snap;
    if (!snap) {
      this.captions.hidden = this.stripCaptions.hidden = true;
      return;
    }
    this.setImage(this.generated, snap.uri, `Generated samples at step ${snap.step}`);
    this.generated.caption.textContent = `Generated · step ${snap.step.toLocaleString('en-US')}`;
    this.real.root.hidden = !snap.realUri;
    if (snap.realUri) this.setImage(this.real, snap.realUri, 'Real images');
    // Captions and cell overlays only change when the layout does.
    if (!prev || layoutKey(prev) !== layoutKey(snap)) {
      this.renderCaptions(snap);
      this.renderOverlay(this.generated, snap);
      this.renderOverlay(this.real, snap);
    }
    this.layout();
  }

  private figure(id: string, label: string): Figure {
    const root = document.createElement('figure');
    root.className = 'grid-figure';
    const frame = document.createElement('div');
    frame.className = 'grid-frame';
    const img = document.createElement('img');
    img.id = id;
    img.className = 'pixelated';
    img.decoding = 'async';
    img.draggable = false;
    // Without a layout the image keeps its natural size until it has loaded.
    img.addEventListener('load', () => this.layout());
    const overlay = document.createElement('div');
    overlay.className = 'grid-overlay';
    overlay.addEventListener('pointerover', (e) => this.highlight(cellOf(e.target)));
    overlay.addEventListener('pointerleave', () => this.highlight(undefined));
    frame.append(img, overlay);
    const caption = document.createElement('figcaption');
    caption.textContent = label;
    root.append(caption, frame);
    return { root, img, overlay, caption };
  }

  private setImage(f: Figure, uri: string, alt: string): void {
    // Keep showing the previous grid until the next one has loaded: no flicker while scrubbing.
    if (f.img.getAttribute('src') === uri) return;
    const next = new Image();
    next.onload = next.onerror = () => {
      if (f.img.dataset.want !== uri) return;
      f.img.src = uri;
      f.img.alt = alt;
    };
    f.img.dataset.want = uri;
    next.src = uri;
    if (!f.img.getAttribute('src')) {
      f.img.src = uri;
      f.img.alt = alt;
    }
  }

  private renderOverlay(f: Figure, snap: SampleSnapshot): void {
    f.overlay.replaceChildren();
    const meta = snap.meta;
    if (!meta) return;
    f.overlay.style.gridTemplateColumns = `repeat(${meta.cols}, 1fr)`;
    f.overlay.style.gridTemplateRows = `repeat(${meta.rows}, 1fr)`;
    for (let i = 0; i < meta.rows * meta.cols; i++) {
      const cell = document.createElement('div');
      cell.className = 'grid-cell';
      cell.dataset.cell = String(i);
      const text = meta.captions[i];
      if (text) cell.title = `${i + 1}. ${text}`;
      f.overlay.append(cell);
    }
  }

  private renderCaptions(snap: SampleSnapshot): void {
    const list = snap.meta?.captions ?? [];
    this.captions.replaceChildren(
      ...list.map((text, i) => {
        const li = document.createElement('li');
        li.dataset.cell = String(i);
        li.textContent = text;
        return li;
      }),
    );
    this.stripCaptions.replaceChildren(
      ...list.map((text, i) => {
        const div = document.createElement('div');
        div.dataset.cell = String(i);
        div.textContent = text;
        return div;
      }),
    );
  }

  private highlight(cell: string | undefined): void {
    for (const el of this.grids.parentElement?.querySelectorAll<HTMLElement>('[data-cell]') ?? []) {
      el.classList.toggle('hot', cell !== undefined && el.dataset.cell === cell);
    }
  }

  /** Sizes both grids with one whole-number zoom that fits them side by side (or stacked when narrow). */
  private layout(): void {
    const meta = this.current?.meta;
    const img = this.generated.img;
    const size = meta ? gridSize(meta) : { width: img.naturalWidth, height: img.naturalHeight, gap: 0 };
    const nativeW = size.width;
    const nativeH = size.height;
    if (!nativeW || !nativeH) return;
    const width = this.grids.clientWidth;
    const gap = 24;
    const both = this.real.root.hidden ? 1 : 2;
    // Side by side when each still gets at least 2x; otherwise stack them.
    const sideBySide = both === 2 && (width - gap) / 2 >= nativeW * 2;
    const avail = sideBySide || both === 1 ? (width - gap * (both - 1)) / both : width;
    const scale = pixelScale(nativeW, avail, 8);
    const stacked = !sideBySide && both === 2;
    this.grids.classList.toggle('stacked', stacked);
    // A one-row grid shown in one column gets its captions right under its cells;
    // otherwise a numbered list.
    const captionCount = meta?.captions.length ?? 0;
    const strip = !!meta && meta.rows === 1 && (stacked || both === 1) && captionCount > 0;
    this.stripCaptions.hidden = !strip;
    this.captions.hidden = strip || captionCount === 0;
    if (strip) {
      this.stripCaptions.style.width = `${nativeW * scale}px`;
      this.stripCaptions.style.gridTemplateColumns = `repeat(${meta.cols}, 1fr)`;
      this.stripCaptions.style.padding = `0 ${size.gap * scale}px`;
      this.stripCaptions.style.columnGap = `${size.gap * scale}px`;
    }
    for (const f of [this.generated, this.real]) {
      // The real grid normally has the same layout; trust its own size once it has loaded.
      const own = f === this.real && f.img.naturalWidth > 0;
      f.img.style.width = `${(own ? f.img.naturalWidth : nativeW) * scale}px`;
      f.img.style.height = `${(own ? f.img.naturalHeight : nativeH) * scale}px`;
      // Cell outlines sit on the cells, not on the gaps between them.
      f.overlay.style.padding = f.overlay.style.gap = `${size.gap * scale}px`;
    }
  }
}

function cellOf(target: EventTarget | null): string | undefined {
  return target instanceof HTMLElement ? target.closest<HTMLElement>('[data-cell]')?.dataset.cell : undefined;
}

/** What decides the overlay and the captions: everything in the sidecar but the step. */
function layoutKey(snap: SampleSnapshot): string {
  const m = snap.meta;
  return m ? JSON.stringify([m.rows, m.cols, m.cell, m.gap, m.captions]) : '';
}
