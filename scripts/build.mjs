// Builds dist/zonectl.mjs: one ES-module bundle for start-up speed (separate module
// files cost Node ~100 ms more to load), with heavy modules (rxjs, yaml, ajv,
// cli-progress) split into chunks that load only on the commands that import them.
import { build } from 'esbuild';
import { chmodSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';
import './gen-validators.mjs';

rmSync('dist', { recursive: true, force: true });
const result = await build({
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
  metafile: true,
  // unzipper can read zips from S3 through the AWS SDK; zonectl never does.
  external: ['@aws-sdk/client-s3'],
});
chmodSync('dist/zonectl.mjs', 0o755);

// The packaged brand and recipe files, parsed now so commands need not load a YAML
// parser; each entry is trusted only while its file's size and mtime are unchanged.
const cache = {};
for (const dir of ['brands', 'rootfs-recipes']) {
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml'))) {
    const path = `${dir}/${f}`;
    const st = statSync(path);
    cache[path] = { mtimeMs: st.mtimeMs, size: st.size, data: parse(readFileSync(path, 'utf8')) };
  }
}
writeFileSync('dist/yaml-cache.json', JSON.stringify(cache));
writeFileSync('dist/meta.json', JSON.stringify(result.metafile));

// The uname supervisor, compiled for this host.
await import('./build-native.mjs');
