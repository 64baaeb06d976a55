// The webview side of the host bridge: typed postMessage and persisted state.
import type { DashboardToHost } from '../../protocol/webview';

interface VsCodeApi<S> {
  postMessage(message: DashboardToHost): void;
  getState(): S | undefined;
  setState(state: S): void;
}

declare function acquireVsCodeApi<S>(): VsCodeApi<S>;

/** acquireVsCodeApi may be called only once per page. */
let api: VsCodeApi<unknown> | undefined;
export function vscodeApi<S>(): VsCodeApi<S> {
  api ??= acquireVsCodeApi<unknown>();
  return api as VsCodeApi<S>;
}
