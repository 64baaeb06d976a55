// Zooming a chart's x axis: drag across the plot to zoom to that range, the
// wheel zooms around the pointer, a double click (or the Reset button) shows
// everything again. A click without a drag still picks a step. Our own code
// rather than a plugin: it is small, and it lets the chart re-decimate the
// visible range from the full data on every zoom.
import type { Chart, Plugin } from 'chart.js';

export interface XRange {
  min: number;
  max: number;
}

/** Pixels the pointer must move before a press becomes a drag (below that, it is a click). */
const DRAG_PX = 5;
/** Zoom factor of one wheel notch. */
const WHEEL_FACTOR = 1.25;

/**
 * The range after zooming by `factor` (< 1 zooms in) around `centre`, kept
 * inside `full`; undefined when that is all of `full` again. Pure.
 */
export function zoomAround(range: XRange, full: XRange, centre: number, factor: number): XRange | undefined {
  const width = Math.max((range.max - range.min) * factor, (full.max - full.min) * 1e-6, 1e-9);
  if (width >= full.max - full.min) return undefined;
  const left = (centre - range.min) / (range.max - range.min || 1);
  let min = centre - width * left;
  let max = min + width;
  if (min < full.min) [min, max] = [full.min, full.min + width];
  if (max > full.max) [min, max] = [full.max - width, full.max];
  return { min, max };
}

/** A dragged range in data units, ordered and clipped to `full`; undefined when empty. Pure. */
export function dragRange(a: number, b: number, full: XRange): XRange | undefined {
  const min = Math.max(Math.min(a, b), full.min);
  const max = Math.min(Math.max(a, b), full.max);
  return max > min ? { min, max } : undefined;
}

export class XZoom {
  /** The zoomed range, undefined when showing everything. */
  range?: XRange;
  private dragFrom?: number;
  private dragTo?: number;
  private pressX?: number;

  constructor(
    private readonly chart: () => Chart<'line', unknown[]> | undefined,
    /** The x extent of all the data. */
    private readonly full: () => XRange | undefined,
    private readonly onChange: (range: XRange | undefined) => void,
    private readonly onPick: (x: number) => void,
    private readonly selectionColor: () => string,
  ) {}

  attach(canvas: HTMLCanvasElement): void {
    canvas.addEventListener('pointerdown', (e) => {
      if (e.button !== 0 || !this.inPlot(e.offsetX, e.offsetY)) return;
      this.pressX = e.offsetX;
      this.dragFrom = this.valueAt(e.offsetX);
      this.dragTo = undefined;
      canvas.setPointerCapture(e.pointerId);
    });
    canvas.addEventListener('pointermove', (e) => {
      if (this.pressX === undefined) return;
      if (Math.abs(e.offsetX - this.pressX) < DRAG_PX && this.dragTo === undefined) return;
      this.dragTo = this.valueAt(e.offsetX);
      this.chart()?.draw();
    });
    const finish = (e: PointerEvent, cancelled: boolean) => {
      if (this.pressX === undefined) return;
      const from = this.dragFrom;
      const to = this.dragTo;
      this.pressX = this.dragFrom = this.dragTo = undefined;
      this.chart()?.draw();
      if (cancelled || from === undefined) return;
      const full = this.full();
      if (to !== undefined && full) {
        const r = dragRange(from, to, full);
        if (r) this.set(r);
      } else {
        const x = this.valueAt(e.offsetX);
        if (x !== undefined) this.onPick(x);
      }
    };
    canvas.addEventListener('pointerup', (e) => finish(e, false));
    canvas.addEventListener('pointercancel', (e) => finish(e, true));
    canvas.addEventListener(
      'wheel',
      (e) => {
        const full = this.full();
        const x = this.valueAt(e.offsetX);
        if (!full || x === undefined || !this.inPlot(e.offsetX, e.offsetY) || e.deltaY === 0) return;
        e.preventDefault();
        const factor = e.deltaY < 0 ? 1 / WHEEL_FACTOR : WHEEL_FACTOR;
        this.set(zoomAround(this.range ?? full, full, x, factor));
      },
      { passive: false },
    );
    canvas.addEventListener('dblclick', () => this.set(undefined));
  }

  set(range: XRange | undefined): void {
    this.range = range;
    this.onChange(range);
  }

  /** Draws the band being dragged. */
  plugin(): Plugin<'line'> {
    return {
      id: 't2iZoomSelection',
      afterDatasetsDraw: (chart) => {
        if (this.dragFrom === undefined || this.dragTo === undefined) return;
        const x = chart.scales.x;
        const a = x.getPixelForValue(this.dragFrom);
        const b = x.getPixelForValue(this.dragTo);
        const { top, bottom, left, right } = chart.chartArea;
        const from = Math.max(left, Math.min(a, b));
        const to = Math.min(right, Math.max(a, b));
        const ctx = chart.ctx;
        ctx.save();
        ctx.fillStyle = this.selectionColor();
        ctx.fillRect(from, top, to - from, bottom - top);
        ctx.restore();
      },
    };
  }

  private valueAt(px: number): number | undefined {
    return this.chart()?.scales.x?.getValueForPixel(px);
  }

  private inPlot(px: number, py: number): boolean {
    const area = this.chart()?.chartArea;
    return !!area && px >= area.left && px <= area.right && py >= area.top && py <= area.bottom;
  }
}
