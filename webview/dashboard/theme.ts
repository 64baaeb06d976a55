// Chart colours come from the `--vscode-*` variables the webview host injects,
// so the chart follows the user's theme (dark, light, high contrast) and is
// re-read whenever VS Code switches theme (it changes the body's class).

export interface ChartTheme {
  series: string[];
  foreground: string;
  muted: string;
  grid: string;
  cursor: string;
  tooltipBackground: string;
  tooltipBorder: string;
  fontFamily: string;
  fontSize: number;
}

/** Fallbacks are VS Code's Dark Modern values, for a page with no variables. */
const SERIES_VARS: [string, string][] = [
  ['--vscode-charts-blue', '#3794ff'],
  ['--vscode-charts-orange', '#d18616'],
  ['--vscode-charts-green', '#89d185'],
  ['--vscode-charts-purple', '#b180d7'],
  ['--vscode-charts-red', '#f14c4c'],
  ['--vscode-charts-yellow', '#cca700'],
];

/** Series colour `i` as a CSS value, for HTML beside a chart (it follows theme changes by itself). */
export function seriesCssColor(i: number): string {
  const [name, fallback] = SERIES_VARS[((i % SERIES_VARS.length) + SERIES_VARS.length) % SERIES_VARS.length];
  return `var(${name}, ${fallback})`;
}

export function readChartTheme(el: Element = document.body): ChartTheme {
  const css = getComputedStyle(el);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  const foreground = v('--vscode-foreground', '#cccccc');
  return {
    series: SERIES_VARS.map(([name, fb]) => v(name, fb)),
    foreground,
    muted: v('--vscode-descriptionForeground', foreground),
    grid: withAlpha(v('--vscode-charts-lines', foreground), 0.18),
    cursor: v('--vscode-focusBorder', '#0078d4'),
    tooltipBackground: v('--vscode-editorHoverWidget-background', '#252526'),
    tooltipBorder: v('--vscode-editorHoverWidget-border', '#454545'),
    fontFamily: v('--vscode-font-family', 'system-ui, sans-serif'),
    fontSize: parseFloat(v('--vscode-font-size', '13')) || 13,
  };
}

/**
 * The colour with its alpha multiplied by `alpha`. Understands #rgb, #rgba,
 * #rrggbb, #rrggbbaa and rgb()/rgba(); anything else is returned unchanged.
 */
export function withAlpha(color: string, alpha: number): string {
  const c = color.trim();
  let r: number, g: number, b: number, a = 1;
  const hex = /^#([0-9a-f]{3,8})$/i.exec(c);
  const rgb = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+%?))?\s*\)$/i.exec(c);
  if (hex) {
    const h = hex[1];
    if (h.length === 3 || h.length === 4) {
      [r, g, b] = [0, 1, 2].map((i) => parseInt(h[i] + h[i], 16));
      if (h.length === 4) a = parseInt(h[3] + h[3], 16) / 255;
    } else if (h.length === 6 || h.length === 8) {
      [r, g, b] = [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
      if (h.length === 8) a = parseInt(h.slice(6, 8), 16) / 255;
    } else return c;
  } else if (rgb) {
    [r, g, b] = [rgb[1], rgb[2], rgb[3]].map(Number);
    if (rgb[4]) a = rgb[4].endsWith('%') ? parseFloat(rgb[4]) / 100 : Number(rgb[4]);
  } else return c;
  const out = Math.round(a * alpha * 1000) / 1000;
  return `rgba(${r}, ${g}, ${b}, ${out})`;
}

/** Calls `onChange` when VS Code switches theme; returns a function that stops watching. */
export function watchTheme(onChange: () => void): () => void {
  const observer = new MutationObserver(() => onChange());
  observer.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-id'] });
  return () => observer.disconnect();
}
