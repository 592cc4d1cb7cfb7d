/**
 * The playground: the simulator itself running in the browser (everything under src/
 * except src/tools/cli is free of node: imports). `npm run playground` serves it.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root,
  server: { fs: { allow: [repo] }, port: 5173, strictPort: false },
  preview: { port: 4173 },
  // the driver-code worker is a module worker that loads the testing kit on demand
  worker: { format: 'es' },
  // typescript.js (~3.6 MB) is its own chunk, fetched only when driver code is TypeScript
  build: { chunkSizeWarningLimit: 4000, outDir: fileURLToPath(new URL('../dist/playground', import.meta.url)), emptyOutDir: true, target: 'es2022' },
  clearScreen: false,
});
