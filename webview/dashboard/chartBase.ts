// What the loss and metrics charts share: Chart.js registered piece by piece
// (the bundle carries only a line chart), the slider's cursor, clicking to pick
// a step, and colours and fonts from the VS Code theme.
import {
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LogarithmicScale,
  LineElement,
  PointElement,
  Tooltip,
  type ChartOptions,
  type Plugin,
} from 'chart.js';
import type { ChartTheme } from './theme';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Filler, Legend, Tooltip);

export { Chart };

/** Draws the slider's step as a dashed vertical line. */
export function cursorPlugin(cursor: () => { step?: number; color: string }): Plugin<'line'> {
  return {
    id: 't2iCursor',
    afterDatasetsDraw(chart) {
      const { step, color } = cursor();
      const x = chart.scales.x;
      if (step === undefined || !x || step < x.min || step > x.max) return;
      const px = x.getPixelForValue(step);
      const { top, bottom } = chart.chartArea;
      const ctx = chart.ctx;
      ctx.save();
      ctx.strokeStyle = color;
      ctx.lineWidth = 1;
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      ctx.moveTo(px, top);
      ctx.lineTo(px, bottom);
      ctx.stroke();
      ctx.restore();
    },
  };
}

/**
 * A minimum width for the left y axis, so the loss and metrics charts' plot
 * areas (and step positions) line up when their tick labels differ ("2.5" vs "100%").
 */
export function alignLeftAxis(scale: { width: number }): void {
  scale.width = Math.max(scale.width, 48);
}

/** An `onClick` option that reports the step under the pointer. */
export function pickStepOnClick(chart: () => Chart<'line', unknown[]>, onPickStep: (step: number) => void): ChartOptions<'line'>['onClick'] {
  return (e) => {
    const x = chart().scales.x;
    if (e.x === null || e.x === undefined || !x) return;
    const step = x.getValueForPixel(e.x);
    if (step !== undefined) onPickStep(step);
  };
}

/** Colours and fonts of the axes, legend and tooltip from the theme (mutates the options). */
export function applyChartTheme(o: ChartOptions<'line'>, t: ChartTheme): void {
  Chart.defaults.font.family = t.fontFamily;
  Chart.defaults.font.size = Math.max(11, t.fontSize - 1);
  Chart.defaults.color = t.muted;
  for (const scale of Object.values(o.scales ?? {})) {
    if (!scale) continue;
    scale.grid = { ...scale.grid, color: t.grid };
    scale.border = { ...scale.border, color: t.grid };
    scale.ticks = { ...scale.ticks, color: t.muted };
    if ('title' in scale && scale.title) scale.title = { ...scale.title, color: t.muted };
  }
  const plugins = o.plugins!;
  if (plugins.legend) plugins.legend.labels = { ...plugins.legend.labels, color: t.foreground };
  Object.assign(plugins.tooltip!, {
    backgroundColor: t.tooltipBackground,
    borderColor: t.tooltipBorder,
    borderWidth: 1,
    titleColor: t.foreground,
    bodyColor: t.foreground,
    cornerRadius: 3,
    displayColors: true,
    boxWidth: 8,
    boxHeight: 8,
  });
}
