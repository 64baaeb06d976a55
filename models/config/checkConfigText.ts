// The whole config check on a file's text, as the trainer runs it: JSON
// syntax, the schema, semantic rules and (optionally) dataset paths. The
// editor calls this on every change and turns each problem into a squiggle.
import { ConfigError, parseJsonWithPosition, resolveConfig, type T2IConfig } from './config';
import { datasetPathErrors } from './datasetPaths';
import type { SchemaError } from './schemaValidator';

export interface ConfigCheck {
  /** Empty when the config is valid. */
  problems: SchemaError[];
  /** The resolved config, when it is valid. */
  cfg?: T2IConfig;
}

export function checkConfigText(text: string, file: string, opts: { checkPaths?: boolean } = {}): ConfigCheck {
  try {
    const cfg = resolveConfig(parseJsonWithPosition(text, file), file);
    const problems = opts.checkPaths ? datasetPathErrors(cfg, file) : [];
    return problems.length ? { problems } : { problems, cfg };
  } catch (e) {
    if (e instanceof ConfigError) return { problems: e.errors };
    throw e;
  }
}
