// Registers tfjs' pure-JS 'cpu' backend (imported for that side effect).
// A bare `import '@tensorflow/tfjs-backend-cpu'` is silently dropped by esbuild: the
// package's "sideEffects" list leaves out its Node entry file. Using a binding keeps it.
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';

if (!version_cpu) throw new Error('@tensorflow/tfjs-backend-cpu did not load');
