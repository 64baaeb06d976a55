// The sample grids at the selected step: the generated grid beside the real
// one, scaled up by a whole factor with crisp pixels (fit, or a chosen zoom),
// the grid's captions and, for MirrorGAN, what its captioner read back from
// each cell beside the grid's rows. Hovering a caption outlines its cell in
// both grids, and the other way round. A full-screen view shows the grids as
// large as the window allows.
import type { SampleGridMeta } from '../../protocol/events';
import type { SampleSnapshot } from '../../protocol/webview';
import { icon } from './icons';

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

/** `fit`: the largest whole zoom that fits; a number: that zoom, scrolling when wider. */
export type GridZoom = 'fit' | 1 | 2 | 4 | 8;

export function parseGridZoom(v: unknown): GridZoom {
  return v === 1 || v === 2 || v === 4 || v === 8 ? v : 'fit';
}

/** Width kept for the redescriptions column beside the generated grid. */
const REDESC_WIDTH = 240;

/** Redescriptions grouped by grid row (row-major cells), or undefined when the sidecar has none. */
export function redescriptionRows(meta: SampleGridMeta | undefined): string[][] | undefined {
  const r = meta?.redescriptions;
  if (!meta || !Array.isArray(r) || r.length === 0) return undefined;
  const rows: string[][] = [];
  for (let row = 0; row < meta.rows; row++) rows.push(r.slice(row * meta.cols, (row + 1) * meta.cols).map((x) => String(x ?? '')));
  return rows;
}

export class SamplesView {
  private readonly generated: Figure;
  private readonly real: Figure;
  private readonly captions: HTMLOListElement;
  /** Captions under the cells of a one-row grid (a strip), column by column. */
  private readonly stripCaptions: HTMLElement;
  /** MirrorGAN's read-back captions, one block per grid row, beside the generated grid. */
  private readonly redesc: HTMLElement;
  private readonly dialog: HTMLDialogElement;
  private readonly dialogBody: HTMLElement;
  private readonly dialogTitle: HTMLElement;
  private current?: SampleSnapshot;
  private zoom: GridZoom = 'fit';
  /** The whole zoom the grids are drawn at now (for tests and the zoom menu). */
  scale = 1;
  /** Called with a cell's caption when the user clicks a generated cell or a caption (opens the Attention panel). */
  onInspect?: (caption: string) => void;

  constructor(private readonly grids: HTMLElement, captions: HTMLOListElement) {
    this.generated = this.figure('sample-img', 'Generated');
    this.real = this.figure('real-img', 'Real');
    this.redesc = document.createElement('div');
    this.redesc.id = 'redescriptions';
    this.redesc.className = 'redescriptions';
    this.redesc.setAttribute('aria-label', 'What the captioner reads back from each cell');
    this.generated.root.querySelector('.grid-row')!.append(this.redesc);
    this.captions = captions;
    this.stripCaptions = document.createElement('div');
    this.stripCaptions.className = 'strip-captions';
    grids.append(this.generated.root, this.real.root);
    grids.after(this.stripCaptions);
    new ResizeObserver(() => this.layout()).observe(grids);
    this.dialog = document.createElement('dialog');
    this.dialog.id = 'grid-dialog';
    this.dialog.className = 'grid-dialog';
    const head = document.createElement('div');
    head.className = 'dialog-head';
    this.dialogTitle = document.createElement('span');
    const keys = document.createElement('span');
    keys.className = 'dialog-keys muted';
    keys.textContent = '← → step · Space play · Esc close';
    const close = document.createElement('button');
    close.className = 'icon-button dialog-close';
    close.title = 'Close (Escape)';
    close.setAttribute('aria-label', 'Close');
    close.append(icon('close'));
    close.addEventListener('click', () => this.dialog.close());
    head.append(this.dialogTitle, keys, close);
    this.dialogBody = document.createElement('div');
    this.dialogBody.className = 'dialog-body';
    // Focus lands on the grids, not the close button, so Space plays and arrows step.
    this.dialogBody.tabIndex = -1;
    this.dialogBody.autofocus = true;
    this.dialog.append(head, this.dialogBody);
    this.dialog.addEventListener('click', (e) => {
      if (e.target === this.dialog) this.dialog.close();
    });
    document.body.append(this.dialog);
    window.addEventListener('resize', () => this.renderDialog());
    for (const list of [captions, this.stripCaptions, this.redesc]) {
      list.addEventListener('pointerover', (e) => this.highlight(cellOf(e.target)));
      list.addEventListener('pointerleave', () => this.highlight(undefined));
    }
    for (const target of [this.generated.overlay, captions, this.stripCaptions]) {
      target.addEventListener('click', (e) => this.inspect(cellOf(e.target)));
    }
  }

  /** A generated cell or caption was clicked: hand its caption to the Attention panel. */
  private inspect(cell: string | undefined): void {
    const caption = cell === undefined ? undefined : this.current?.meta?.captions[Number(cell)];
    if (caption) this.onInspect?.(caption);
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
    this.renderRedescriptions(snap);
    this.renderDialog();
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
    const row = document.createElement('div');
    row.className = 'grid-row';
    row.append(frame);
    root.append(caption, row);
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
      if (text) cell.title = f === this.generated ? `${i + 1}. ${text}\nClick to inspect its word attention` : `${i + 1}. ${text}`;
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
    this.captions.classList.toggle('with-redescriptions', !!snap.meta?.redescriptions?.length);
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

  setZoom(zoom: GridZoom): void {
    this.zoom = zoom;
    this.layout();
  }

  /** Shows the grids full-window (a modal dialog; Escape closes it). */
  openFullscreen(): void {
    if (!this.current) return;
    if (!this.dialog.open) this.dialog.showModal();
    this.renderDialog();
  }

  get fullscreenOpen(): boolean {
    return this.dialog.open;
  }

  private renderDialog(): void {
    const snap = this.current;
    if (!this.dialog.open || !snap) return;
    this.dialogTitle.textContent = `Step ${snap.step.toLocaleString('en-US')}`;
    const uris = [snap.uri, ...(snap.realUri ? [snap.realUri] : [])];
    const size = snap.meta ? gridSize(snap.meta) : { width: this.generated.img.naturalWidth, height: this.generated.img.naturalHeight };
    const availW = (window.innerWidth - 64 - 24 * (uris.length - 1)) / uris.length;
    const availH = window.innerHeight - 110;
    const scale = Math.max(1, Math.min(pixelScale(size.width, availW, 16), pixelScale(size.height, availH, 16)));
    const imgs = uris.map((uri, i) => {
      const fig = document.createElement('figure');
      fig.className = 'grid-figure';
      const cap = document.createElement('figcaption');
      cap.textContent = i === 0 ? 'Generated' : 'Real';
      const img = document.createElement('img');
      img.className = 'pixelated';
      img.src = uri;
      img.alt = i === 0 ? `Generated samples at step ${snap.step}` : 'Real images';
      if (size.width) {
        img.style.width = `${size.width * scale}px`;
        img.style.height = `${size.height * scale}px`;
      }
      fig.append(cap, img);
      return fig;
    });
    this.dialogBody.replaceChildren(...imgs);
    this.dialogBody.dataset.scale = String(scale);
  }

  /** One block per grid row, as tall as the row, listing what each of its cells was read back as. */
  private renderRedescriptions(snap: SampleSnapshot): void {
    const rows = redescriptionRows(snap.meta);
    this.redesc.hidden = !rows;
    if (!rows || !snap.meta) return;
    const cols = snap.meta.cols;
    this.redesc.replaceChildren(
      ...rows.map((cells, r) => {
        const block = document.createElement('div');
        block.className = 'redesc-row';
        for (const [c, text] of cells.entries()) {
          const line = document.createElement('div');
          line.className = 'redesc-cell';
          line.dataset.cell = String(r * cols + c);
          const n = document.createElement('span');
          n.className = 'redesc-n';
          n.textContent = `${r * cols + c + 1}.`;
          line.append(n, ` ${text}`);
          line.title = `Cell ${r * cols + c + 1}\ncaption: ${snap.meta!.captions[r * cols + c] ?? ''}\nread back: ${text}`;
          block.append(line);
        }
        return block;
      }),
    );
  }

  /** Sizes both grids with one whole-number zoom that fits them side by side (or stacked when narrow). */
  private layout(): void {
    const meta = this.current?.meta;
    const img = this.generated.img;
    const size = meta ? gridSize(meta) : { width: img.naturalWidth, height: img.naturalHeight, gap: 0 };
    const nativeW = size.width;
    const nativeH = size.height;
    if (!nativeW || !nativeH) return;
    const hasRedesc = !this.redesc.hidden;
    // The read-back column takes its share of the width beside the generated grid.
    const width = this.grids.clientWidth - (hasRedesc ? REDESC_WIDTH + 12 : 0);
    const gap = 24;
    const both = this.real.root.hidden ? 1 : 2;
    // Side by side when each still gets at least 2x; otherwise stack them.
    const sideBySide = both === 2 && (width - gap) / 2 >= nativeW * 2;
    const avail = sideBySide || both === 1 ? (width - gap * (both - 1)) / both : width;
    const scale = this.zoom === 'fit' ? pixelScale(nativeW, avail, 8) : this.zoom;
    this.scale = scale;
    this.grids.classList.toggle('zoomed', this.zoom !== 'fit');
    this.grids.dataset.scale = String(scale);
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
    if (hasRedesc && meta) {
      // Rows of text line up with the grid's rows of cells.
      this.redesc.style.height = `${nativeH * scale}px`;
      this.redesc.style.padding = `${size.gap * scale}px 0`;
      this.redesc.style.rowGap = `${size.gap * scale}px`;
      this.redesc.style.gridTemplateRows = `repeat(${meta.rows}, 1fr)`;
      this.redesc.style.width = `${REDESC_WIDTH}px`;
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
