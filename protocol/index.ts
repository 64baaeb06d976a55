export * from './events';
export * from './webview';
