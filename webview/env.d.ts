// Types for what esbuild's loaders give webview code (see scripts/build.mjs).

/** `.css` files are imported as text and adopted as a constructed stylesheet. */
declare module '*.css' {
  const text: string;
  export default text;
}
