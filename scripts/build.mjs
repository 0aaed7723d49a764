// Builds dist/zonectl.mjs: one ES-module bundle for start-up speed (separate module
// files cost Node ~100 ms more to load), with heavy modules (rxjs, yaml, ajv,
// cli-progress) split into chunks that load only on the commands that import them.
import { build } from 'esbuild';
import { chmodSync, rmSync } from 'node:fs';
import './gen-validators.mjs';

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: { zonectl: 'src/cli/zonectl.ts' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: 'linked',
  // CommonJS dependencies bundled into ESM need a real require().
  banner: { js: "import { createRequire as __zcr } from 'node:module'; const require = __zcr(import.meta.url);" },
  logLevel: 'warning',
});
chmodSync('dist/zonectl.mjs', 0o755);
