// The folders each webview may load files from (`localResourceRoots`), as
// plain paths. Pure node (no vscode) so the rule is unit tested: the bundles
// and icons of the extension, plus only the run data the view shows (one
// config's runs root, or a comparison's output folder), never the workspace
// root or anything above it.
import path from 'node:path';
import { runsRootFor } from '../models/run/layout';

/** The extension's own folders every view needs: the webview bundles and the icons. */
export function extensionResourceRoots(extensionPath: string): string[] {
  return [path.join(extensionPath, 'dist', 'webview'), path.join(extensionPath, 'media')];
}

/** The dashboard of a config: its run folders (sample grids, real images) and nothing else of the workspace. */
export function dashboardResourceRoots(extensionPath: string, configPath: string): string[] {
  return [...extensionResourceRoots(extensionPath), runsRootFor(path.resolve(configPath))];
}

/** The compare view: the grids `t2i compare` writes into its output folder (in the extension's storage). */
export function compareResourceRoots(extensionPath: string, outDir: string): string[] {
  return [...extensionResourceRoots(extensionPath), path.resolve(outDir)];
}

/** The attention panel: its images arrive as data: URIs, so no run folder is needed. */
export function attentionResourceRoots(extensionPath: string): string[] {
  return extensionResourceRoots(extensionPath);
}
