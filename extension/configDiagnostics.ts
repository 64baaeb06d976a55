// Squiggles and quick fixes in `*.t2i.json`: the trainer's own check
// (schema, semantic rules, dataset paths) on every edit, each problem placed
// on its field. Quick fixes: nearest valid name, each supported size, remove
// an unknown field (or rename it to the one meant), choose a missing folder.
import path from 'node:path';
import * as vscode from 'vscode';
import { checkConfigText } from '../models/config/checkConfigText';
import { datasetRootOf } from '../models/config/datasetPaths';
import { orderedReplacements } from '../models/config/nearest';
import type { SchemaError } from '../models/config/schemaValidator';
import { isConfigPath } from './configs';
import { pointerTokens, problemRange, propertyDeletionRange, resolvePointer, parseJsonTree } from './jsonPointerRange';

export const CHOOSE_DATASET_PATH_COMMAND = 't2i.chooseDatasetPath';
const SOURCE = 'T2I Lab';
const DEBOUNCE_MS = 250;

interface Checked {
  version: number;
  problems: { problem: SchemaError; range: vscode.Range }[];
}

export class ConfigDiagnostics implements vscode.CodeActionProvider, vscode.Disposable {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };
  private readonly collection = vscode.languages.createDiagnosticCollection('t2i');
  private readonly checked = new Map<string, Checked>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor() {
    this.subscriptions.push(
      this.collection,
      vscode.workspace.onDidOpenTextDocument((d) => this.check(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document)),
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.collection.delete(d.uri);
        this.checked.delete(d.uri.toString());
      }),
      // A dataset folder that appears (or disappears) changes the path checks.
      vscode.workspace.onDidCreateFiles(() => this.recheckAll()),
      vscode.workspace.onDidDeleteFiles(() => this.recheckAll()),
      vscode.workspace.onDidRenameFiles(() => this.recheckAll()),
      vscode.commands.registerCommand(CHOOSE_DATASET_PATH_COMMAND, (uri: unknown, pointer: unknown) => chooseDatasetPath(uri, pointer)),
    );
    this.recheckAll();
  }

  private recheckAll(): void {
    for (const d of vscode.workspace.textDocuments) this.check(d);
  }

  private schedule(doc: vscode.TextDocument): void {
    if (!isConfigDoc(doc)) return;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => this.check(doc), DEBOUNCE_MS));
  }

  /** Checks a document now (unless this version was checked) and publishes its diagnostics. */
  check(doc: vscode.TextDocument): Checked | undefined {
    if (!isConfigDoc(doc) || doc.isClosed) return undefined;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    const text = doc.getText();
    const { problems } = checkConfigText(text, doc.uri.fsPath, { checkPaths: true });
    const checked: Checked = {
      version: doc.version,
      problems: problems.map((problem) => {
        const r = problemRange(text, problem);
        return { problem, range: new vscode.Range(doc.positionAt(r.start), doc.positionAt(r.end)) };
      }),
    };
    this.checked.set(key, checked);
    this.collection.set(
      doc.uri,
      checked.problems.map(({ problem, range }) => {
        // A missing dataset is not a mistake in the file: the data may come later.
        const severity = problem.code === 'path' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Error;
        const d = new vscode.Diagnostic(range, problem.message, severity);
        d.source = SOURCE;
        if (problem.code) d.code = problem.code;
        return d;
      }),
    );
    return checked;
  }

  provideCodeActions(doc: vscode.TextDocument, range: vscode.Range | vscode.Selection, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const cached = this.checked.get(doc.uri.toString());
    const checked = cached && cached.version === doc.version ? cached : this.check(doc);
    if (!checked) return [];
    const text = doc.getText();
    const actions: vscode.CodeAction[] = [];
    for (const { problem, range: at } of checked.problems) {
      if (!at.intersection(range) && !at.contains(range)) continue;
      const diagnostic = context.diagnostics.find((d) => d.source === SOURCE && d.range.isEqual(at) && d.message === problem.message);
      for (const fix of quickFixes(doc, text, problem, at)) {
        if (diagnostic) fix.diagnostics = [diagnostic];
        actions.push(fix);
      }
    }
    return actions;
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const s of this.subscriptions) s.dispose();
  }
}

function isConfigDoc(doc: vscode.TextDocument): boolean {
  return doc.uri.scheme === 'file' && isConfigPath(doc.uri.fsPath);
}

function quickFixes(doc: vscode.TextDocument, text: string, problem: SchemaError, at: vscode.Range): vscode.CodeAction[] {
  const out: vscode.CodeAction[] = [];
  const field = pointerTokens(problem.pointer).pop() ?? '';
  if ((problem.code === 'enum' || problem.code === 'semantic') && problem.allowed?.length) {
    let current: unknown;
    try {
      current = JSON.parse(doc.getText(at));
    } catch {
      current = undefined;
    }
    orderedReplacements(current, problem.allowed).forEach((value, i) => {
      const a = new vscode.CodeAction(`Change to ${JSON.stringify(value)}`, vscode.CodeActionKind.QuickFix);
      a.edit = new vscode.WorkspaceEdit();
      a.edit.replace(doc.uri, at, JSON.stringify(value));
      a.isPreferred = i === 0 && typeof value === 'string';
      out.push(a);
    });
  }
  if (problem.code === 'unknown-key') {
    const meant = problem.allowed?.[0];
    if (typeof meant === 'string') {
      const a = new vscode.CodeAction(`Rename to "${meant}"`, vscode.CodeActionKind.QuickFix);
      a.edit = new vscode.WorkspaceEdit();
      a.edit.replace(doc.uri, at, JSON.stringify(meant));
      a.isPreferred = true;
      out.push(a);
    }
    const del = propertyDeletionRange(text, problem.pointer);
    if (del) {
      const a = new vscode.CodeAction(`Remove "${field}"`, vscode.CodeActionKind.QuickFix);
      a.edit = new vscode.WorkspaceEdit();
      a.edit.delete(doc.uri, new vscode.Range(doc.positionAt(del.start), doc.positionAt(del.end)));
      out.push(a);
    }
  }
  if (problem.code === 'path') {
    const folder = problem.pointer === '/dataset/root' || problem.pointer === '/dataset/imagesDir';
    const a = new vscode.CodeAction(folder ? 'Choose folder…' : 'Choose file…', vscode.CodeActionKind.QuickFix);
    a.command = { command: CHOOSE_DATASET_PATH_COMMAND, title: a.title, arguments: [doc.uri.toString(), problem.pointer] };
    out.push(a);
  }
  return out;
}

/** Asks for the folder or file a dataset path should name and writes it, relative as the loaders read it. */
async function chooseDatasetPath(uriArg: unknown, pointerArg: unknown): Promise<void> {
  if (typeof uriArg !== 'string' || typeof pointerArg !== 'string' || !/^\/dataset\/[A-Za-z]+(\/\d+)?$/.test(pointerArg)) return;
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(uriArg));
  if (!isConfigDoc(doc)) return;
  const folder = pointerArg === '/dataset/root' || pointerArg === '/dataset/imagesDir';
  const configDir = path.dirname(doc.uri.fsPath);
  // Every dataset path but root is relative to root (models/data/openDataset.ts).
  let base = configDir;
  if (pointerArg !== '/dataset/root') {
    // Path problems are reported only once the rest of the config is valid, so it resolves here.
    const { cfg } = checkConfigText(doc.getText(), doc.uri.fsPath);
    if (!cfg) return;
    base = datasetRootOf(cfg, doc.uri.fsPath);
  }
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: folder,
    canSelectFiles: !folder,
    canSelectMany: false,
    defaultUri: vscode.Uri.file(base),
    openLabel: folder ? 'Use Folder' : 'Use File',
    title: `T2I Lab: ${pointerArg.slice(1)}`,
  });
  if (!picked?.[0]) return;
  const rel = path.relative(base, picked[0].fsPath).split(path.sep).join('/') || '.';
  const root = parseJsonTree(doc.getText());
  if (!root) return;
  const hit = resolvePointer(root, pointerArg);
  if (!hit.complete) return;
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, new vscode.Range(doc.positionAt(hit.node.start), doc.positionAt(hit.node.end)), JSON.stringify(rel));
  await vscode.workspace.applyEdit(edit);
}
