export * from './events';
export * from './webview';
export * from './serve';
export * from './attention';
export * from './resumedSteps';
