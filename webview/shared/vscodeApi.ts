// Every webview's side of the host bridge: a postMessage typed by the view's
// protocol, and the state VS Code keeps across reloads.

export interface VsCodeApi<ToHost, S> {
  postMessage(message: ToHost): void;
  getState(): S | undefined;
  setState(state: S): void;
}

declare function acquireVsCodeApi(): VsCodeApi<unknown, unknown>;

/** acquireVsCodeApi may be called only once per page. */
let api: VsCodeApi<unknown, unknown> | undefined;
export function vscodeApi<ToHost, S>(): VsCodeApi<ToHost, S> {
  api ??= acquireVsCodeApi();
  return api as VsCodeApi<ToHost, S>;
}
