#!/usr/bin/env node
/**
 * The `vfio-sim` executable: binds the CLI to this process's argv, stdout, stderr and
 * file system. Everything else lives in cli.ts so it can be tested in-process.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { argv, exit, stderr, stdout } from 'node:process';
import { runCliAsync } from './cli.js';

const code = await runCliAsync(argv.slice(2), {
  out: (t) => void stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => void stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  readFile: (p) => readFileSync(p, 'utf8'),
  writeFile: (p, d) => writeFileSync(p, d),
  readDir: (p) => readdirSync(p).sort(),
  // dist/src/tools/cli/main.js → the package root holds fixtures/
  bundled: (rel) => fileURLToPath(new URL(`../../../../${rel}`, import.meta.url)),
});
exit(code);
