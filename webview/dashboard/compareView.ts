// The "Compare runs" card: a checkbox per other run of the config (checked
// ones are drawn dashed over the shown run, each with its own dash), and the
// config diff between the shown run and the checked ones: only the fields that
// differ, from each run's config.json snapshot.
import type { RunSummary } from '../../protocol/webview';
import { configDiff, formatConfigValue } from './configDiff';
import { OVERLAY_DASHES } from './lossChart';

export class CompareView {
  private pickerKey = '';
  private diffKey = '';

  constructor(
    private readonly card: HTMLElement,
    private readonly picker: HTMLElement,
    private readonly diff: HTMLElement,
    private readonly onChange: (runIds: string[]) => void,
  ) {}

  render(runs: readonly RunSummary[], selected: readonly string[], currentRunId: string | undefined, currentConfig: unknown, loaded: ReadonlyMap<string, { config?: unknown }>): void {
    const others = runs.filter((r) => !r.current && r.runId !== currentRunId);
    this.card.hidden = others.length === 0 || currentRunId === undefined;
    if (this.card.hidden) return;
    const key = JSON.stringify([others.map((r) => r.runId), selected]);
    if (key !== this.pickerKey) {
      this.pickerKey = key;
      this.renderPicker(others, selected);
    }
    const shown = selected.filter((id) => loaded.has(id));
    const dkey = JSON.stringify([currentRunId, shown, currentConfig === undefined]);
    if (dkey !== this.diffKey) {
      this.diffKey = dkey;
      this.renderDiff(currentRunId!, currentConfig, shown.map((id) => ({ runId: id, config: loaded.get(id)?.config })));
    }
  }

  private renderPicker(others: readonly RunSummary[], selected: readonly string[]): void {
    this.picker.replaceChildren(
      ...others.map((r) => {
        const item = document.createElement('span');
        item.className = 'run-choice';
        const box = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean };
        box.dataset.runId = r.runId;
        // Slotted text, not the `label` property, which widens the element past its click target.
        box.textContent = r.runId;
        box.checked = selected.includes(r.runId);
        box.addEventListener('change', () => {
          const boxes = [...this.picker.querySelectorAll<HTMLElement & { checked: boolean }>('vscode-checkbox')];
          // Keep the earlier picks' order (and dashes); new picks go last.
          const now = boxes.filter((b) => b.checked).map((b) => b.dataset.runId!);
          const ordered = [...selected.filter((id) => now.includes(id)), ...now.filter((id) => !selected.includes(id))];
          this.onChange(ordered.slice(0, OVERLAY_DASHES.length));
        });
        item.append(box);
        const i = selected.indexOf(r.runId);
        if (i >= 0) item.append(dashSwatch(OVERLAY_DASHES[i % OVERLAY_DASHES.length]));
        return item;
      }),
    );
  }

  private renderDiff(currentRunId: string, currentConfig: unknown, others: { runId: string; config: unknown }[]): void {
    this.diff.hidden = others.length === 0;
    if (others.length === 0) return this.diff.replaceChildren();
    const missing = [{ runId: currentRunId, config: currentConfig }, ...others].filter((r) => r.config === undefined).map((r) => r.runId);
    const title = document.createElement('h3');
    title.textContent = 'Config differences';
    if (missing.length) {
      const note = document.createElement('p');
      note.className = 'muted';
      note.textContent = `No config.json snapshot in run ${missing.join(', ')}; nothing to compare.`;
      return this.diff.replaceChildren(title, note);
    }
    const rows = configDiff([currentConfig, ...others.map((o) => o.config)]);
    if (rows.length === 0) {
      const note = document.createElement('p');
      note.className = 'muted';
      note.textContent = 'The configs are identical.';
      return this.diff.replaceChildren(title, note);
    }
    const table = document.createElement('table');
    table.className = 'diff-table';
    const head = table.createTHead().insertRow();
    for (const text of ['Field', `${currentRunId} (shown)`, ...others.map((o) => o.runId)]) {
      const th = document.createElement('th');
      th.textContent = text;
      head.append(th);
    }
    const body = table.createTBody();
    for (const row of rows) {
      const tr = body.insertRow();
      const field = tr.insertCell();
      field.className = 'diff-field';
      field.textContent = row.pointer;
      row.values.forEach((v, i) => {
        const td = tr.insertCell();
        td.textContent = formatConfigValue(v);
        td.title = v === undefined ? 'absent' : JSON.stringify(v);
        if (i > 0) td.classList.add('diff-other');
      });
    }
    this.diff.replaceChildren(title, table);
  }
}

/** A short line drawn with a run's dash pattern, as its legend. */
function dashSwatch(dash: readonly number[]): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'dash-swatch');
  svg.setAttribute('viewBox', '0 0 28 4');
  svg.setAttribute('aria-hidden', 'true');
  const line = document.createElementNS(ns, 'line');
  line.setAttribute('x1', '0');
  line.setAttribute('y1', '2');
  line.setAttribute('x2', '28');
  line.setAttribute('y2', '2');
  line.setAttribute('stroke', 'currentColor');
  line.setAttribute('stroke-width', '2');
  line.setAttribute('stroke-dasharray', dash.join(' '));
  svg.append(line);
  return svg;
}
