// A webview bundle on its own in headless Chromium, served as the host serves
// it (extension/webviewHtml.ts): the strict CSP with one nonce, the theme's
// --vscode-* variables and body class, and a fake acquireVsCodeApi that
// records what the page posts (window.__posted), its state (window.__state)
// and CSP violations (window.__csp). Shared by the *-webview tests.
import fs from 'node:fs';

export const ORIGIN = 'https://webview.test';
const NONCE = 'test-nonce-w3bv';

export const THEMES = {
  dark: {
    bodyClass: 'vscode-dark',
    vars: {
      foreground: '#cccccc', descriptionForeground: '#9d9d9d', 'editor-background': '#1f1f1f', 'editorWidget-background': '#202020',
      'widget-border': '#313131', 'panel-border': '#2b2b2b', focusBorder: '#0078d4', 'button-background': '#0078d4',
      'button-foreground': '#ffffff', 'button-hoverBackground': '#026ec1', 'button-secondaryBackground': '#313131',
      'button-secondaryForeground': '#cccccc', 'button-secondaryHoverBackground': '#3c3c3c', 'button-border': '#ffffff12',
      'charts-blue': '#3794ff', 'charts-orange': '#d18616', 'charts-green': '#89d185', 'charts-purple': '#b180d7',
      'charts-red': '#f14c4c', 'charts-yellow': '#cca700', 'charts-lines': '#cccccc80', 'dropdown-background': '#313131',
      'dropdown-border': '#3c3c3c', 'dropdown-foreground': '#cccccc', 'input-background': '#313131', 'input-border': '#3c3c3c',
      'checkbox-background': '#313131', 'checkbox-border': '#3c3c3c', 'checkbox-foreground': '#cccccc',
      'list-hoverBackground': '#2a2d2e', 'list-activeSelectionBackground': '#04395e', 'toolbar-hoverBackground': '#5a5d5e50',
      'scrollbarSlider-background': '#79797966', errorForeground: '#f85149', 'inputValidation-errorBorder': '#be1100',
      'inputValidation-errorBackground': '#5a1d1d', 'editorHoverWidget-background': '#202020', 'editorHoverWidget-border': '#454545',
      'icon-foreground': '#cccccc', 'gitDecoration-modifiedResourceForeground': '#e2c08d', 'progressBar-background': '#0078d4',
      'widget-shadow': '#0000005c', 'symbolIcon-propertyForeground': '#cccccc',
      'settings-checkboxBackground': '#313131', 'settings-checkboxBorder': '#3c3c3c', 'settings-checkboxForeground': '#cccccc',
      'settings-dropdownBackground': '#313131', 'settings-dropdownBorder': '#3c3c3c', 'settings-dropdownForeground': '#cccccc',
      'settings-dropdownListBorder': '#454545', 'list-activeSelectionForeground': '#ffffff',
      'input-foreground': '#cccccc', 'inputValidation-infoBorder': '#1a85ff', 'inputValidation-infoBackground': '#063b49',
      'sideBar-background': '#181818', 'textLink-foreground': '#4daafc',
    },
  },
  light: {
    bodyClass: 'vscode-light',
    vars: {
      foreground: '#3b3b3b', descriptionForeground: '#616161', 'editor-background': '#ffffff', 'editorWidget-background': '#f8f8f8',
      'widget-border': '#e5e5e5', 'panel-border': '#e5e5e5', focusBorder: '#005fb8', 'button-background': '#005fb8',
      'button-foreground': '#ffffff', 'button-hoverBackground': '#0258a8', 'button-secondaryBackground': '#e5e5e5',
      'button-secondaryForeground': '#3b3b3b', 'button-secondaryHoverBackground': '#cccccc', 'button-border': '#0000001a',
      'charts-blue': '#1a85ff', 'charts-orange': '#d18616', 'charts-green': '#388a34', 'charts-purple': '#652d90',
      'charts-red': '#e51400', 'charts-yellow': '#bf8803', 'charts-lines': '#3b3b3b80', 'dropdown-background': '#ffffff',
      'dropdown-border': '#cecece', 'dropdown-foreground': '#3b3b3b', 'input-background': '#ffffff', 'input-border': '#cecece',
      'checkbox-background': '#f8f8f8', 'checkbox-border': '#cecece', 'checkbox-foreground': '#3b3b3b',
      'list-hoverBackground': '#f2f2f2', 'list-activeSelectionBackground': '#e8e8e8', 'toolbar-hoverBackground': '#b8b8b850',
      'scrollbarSlider-background': '#64646466', errorForeground: '#f85149', 'inputValidation-errorBorder': '#be1100',
      'inputValidation-errorBackground': '#f2dede', 'editorHoverWidget-background': '#f8f8f8', 'editorHoverWidget-border': '#c8c8c8',
      'icon-foreground': '#3b3b3b', 'gitDecoration-modifiedResourceForeground': '#895503', 'progressBar-background': '#005fb8',
      'widget-shadow': '#00000029', 'symbolIcon-propertyForeground': '#3b3b3b',
      'settings-checkboxBackground': '#f8f8f8', 'settings-checkboxBorder': '#cecece', 'settings-checkboxForeground': '#3b3b3b',
      'settings-dropdownBackground': '#ffffff', 'settings-dropdownBorder': '#cecece', 'settings-dropdownForeground': '#3b3b3b',
      'settings-dropdownListBorder': '#c8c8c8', 'list-activeSelectionForeground': '#000000',
      'input-foreground': '#3b3b3b', 'inputValidation-infoBorder': '#1a85ff', 'inputValidation-infoBackground': '#d6ecf2',
      'sideBar-background': '#f8f8f8', 'textLink-foreground': '#005fb8',
    },
  },
};

/** The theme as the stylesheet VS Code injects: variables on html. */
export function themeCss(name) {
  const vars = Object.entries(THEMES[name].vars).map(([k, v]) => `--vscode-${k}: ${v};`);
  vars.push("--vscode-font-family: system-ui, 'Segoe UI', sans-serif;", '--vscode-font-size: 13px;', '--vscode-font-weight: normal;',
    "--vscode-editor-font-family: 'DejaVu Sans Mono', monospace;");
  return `html { ${vars.join(' ')} }`;
}

/** The page for `script` (a path under ORIGIN) in `theme`; `background` paints the body as its view's container does. */
export function webviewHtml({ script, theme, title = 'T2I', background }) {
  const csp = ["default-src 'none'", `img-src ${ORIGIN} data:`, `style-src ${ORIGIN} 'nonce-${NONCE}'`, `font-src ${ORIGIN}`, `script-src 'nonce-${NONCE}'`].join('; ');
  const body = background ? ` body { background: ${background}; }` : '';
  return `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<style id="theme" nonce="${NONCE}">${themeCss(theme)}${body}</style>
<title>${title}</title></head><body class="${THEMES[theme].bodyClass}"><main id="app"></main>
<script type="module" nonce="${NONCE}" src="${ORIGIN}/${script}"></script></body></html>`;
}

/** Stands in for VS Code's webview API (runs in the page before its scripts). */
function fakeVsCodeApi() {
  window.__posted = [];
  window.__csp = [];
  let state;
  window.acquireVsCodeApi = () => ({
    postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
    getState: () => state,
    setState: (s) => {
      state = s;
      window.__state = s;
    },
  });
  document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
}

/**
 * Serves `bundle` as /<script> and `html()` (called per load, so a test can
 * change the theme before a reload) as /index.html, opens it and waits for the
 * page's `ready`. Returns the page errors and console errors it collects.
 */
export async function openWebview(page, { bundle, script, html }) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.route(`${ORIGIN}/**`, (route) => {
    const url = new URL(route.request().url());
    if (url.pathname === `/${script}`) return route.fulfill({ contentType: 'text/javascript', body: fs.readFileSync(bundle) });
    if (url.pathname === '/index.html') return route.fulfill({ contentType: 'text/html', body: html() });
    return route.fulfill({ status: 404, body: '' });
  });
  await page.addInitScript(fakeVsCodeApi);
  await page.goto(`${ORIGIN}/index.html`);
  await page.waitForFunction(() => window.__posted.some((m) => m.type === 'ready'));
  return errors;
}
