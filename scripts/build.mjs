// Builds zonectl as two sets of ES modules. Node's start-up cost grows with each
// module file it loads (~0.7 ms each on a busy 2-core host) and with each kilobyte it
// compiles (~20 us), so the hot commands load one small file and nothing else:
// - dist/zonectl.mjs (src/cli/zonectl.ts): the fast path only (exec, list, info, boot,
//   halt, clone on a Linux host), in one file. The modules of ours that it imports
//   only with import() are never run by the fast path (managed hosts, cold verbs):
//   each such import() is replaced by one that fails loudly, so they stay out.
// - dist/cli.mjs (src/cli/full.ts): the whole command line, which zonectl.mjs loads
//   for everything else; its heavy parts (yargs, the install pipeline, the managed
//   backends) are split into chunks that load only on the commands that use them.
// The libraries the fast path may load (the YAML parser and the schema validators,
// for a brand file) are entry points of the second build, dist/lib/*.mjs, so both
// load the same files; they hold no state of ours.
import { build } from 'esbuild';
import { chmodSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { relative, resolve } from 'node:path';
import { parse } from 'yaml';
import './gen-validators.mjs';

rmSync('dist', { recursive: true, force: true });

// `import { x } from 'node:fs'` makes Node build an ES-module facade of the built-in,
// reading every export (node:fs's lazy stream classes load node:stream: ~1.4 ms); the
// bundles take the module object from process.getBuiltinModule (Node 20.16+) instead,
// and read only the exports they import (the others are tree-shaken: `pick` is pure).
const builtinsWithoutFacades = {
  name: 'builtins-without-facades',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => (args.kind === 'import-statement' ? { path: args.path, namespace: 'node-builtin' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'node-builtin' }, async (args) => {
      const names = Object.keys(await import(args.path)).filter((n) => n !== 'default' && /^[A-Za-z_$][\w$]*$/.test(n));
      const lines = [`const m = process.getBuiltinModule(${JSON.stringify(args.path)});`, 'const pick = (k) => m[k];', 'export default m;'];
      for (const n of names) lines.push(`export const ${n} = /* @__PURE__ */ pick(${JSON.stringify(n)});`);
      return { contents: lines.join('\n'), loader: 'js' };
    });
  },
};

const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  sourcemap: 'linked',
  // CommonJS dependencies bundled into ESM need a real require().
  banner: { js: "const require = process.getBuiltinModule('node:module').createRequire(import.meta.url);" },
  logLevel: 'warning',
  metafile: true,
  // unzipper can read zips from S3 through the AWS SDK; zonectl never does.
  external: ['@aws-sdk/client-s3'],
  plugins: [builtinsWithoutFacades],
};

/** Libraries the fast path may import(): one entry point of the full build each. */
const LIBS = {
  yaml: createRequire(import.meta.url).resolve('yaml'),
  validators: resolve('src/generated/validators.js'),
};

const full = await build({
  ...common,
  entryPoints: { cli: 'src/cli/full.ts', ...Object.fromEntries(Object.entries(LIBS).map(([n, p]) => [`lib/${n}`, p])) },
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
});

const src = resolve('src');
/** What an import() in the fast bundle loads: full.ts is dist/cli.mjs, a library in
 * LIBS its entry in dist/lib/, anything else a stub that says this is a bug. */
const fastPathOnly = {
  name: 'fast-path-only',
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (args) => {
      if (args.kind !== 'dynamic-import' || args.path.startsWith('node:') || args.pluginData === 'resolving') return undefined;
      const r = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'resolving' });
      if (r.errors.length > 0) return { errors: r.errors };
      if (r.path === resolve('src/cli/full.ts')) return { path: './cli.mjs', external: true };
      const lib = Object.entries(LIBS).find(([, p]) => p === r.path);
      if (lib !== undefined) return { path: `./lib/${lib[0]}.mjs`, external: true };
      const what = r.path.startsWith(`${src}/`) ? relative(src, r.path) : args.path;
      const message = `internal error: ${what} is not in the fast bundle (dist/zonectl.mjs); this is a bug in zonectl`;
      return { path: `data:text/javascript,throw new Error(${encodeURIComponent(JSON.stringify(message))})`, external: true };
    });
  },
};
const fast = await build({
  ...common,
  entryPoints: { zonectl: 'src/cli/zonectl.ts' },
  splitting: false,
  plugins: [builtinsWithoutFacades, fastPathOnly],
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
// Validated too: a recipe file by itself, a brand as src/brands/brand.ts merges the
// chain of packaged files it inherits from (the child's fields replace the parent's,
// `inherits` dropped). The zonectl that finds them all unchanged skips the validators.
const { brand: validBrand, recipe: validRecipe } = await import('../src/generated/validators.js');
const mergedBrand = (name, seen = []) => {
  const raw = cache[`brands/${name}.yaml`]?.data;
  if (typeof raw !== 'object' || raw === null || raw.name !== name || seen.includes(name)) return undefined;
  if (typeof raw.inherits !== 'string') return raw;
  const base = mergedBrand(raw.inherits, [...seen, name]);
  if (base === undefined) return undefined;
  const merged = { ...base, ...raw };
  delete merged.inherits;
  return merged;
};
for (const [path, entry] of Object.entries(cache)) {
  const data = path.startsWith('brands/') ? mergedBrand(path.slice('brands/'.length, -'.yaml'.length)) : entry.data;
  entry.valid = data !== undefined && (path.startsWith('brands/') ? validBrand : validRecipe)(data) === true;
}
writeFileSync('dist/yaml-cache.json', JSON.stringify(cache));
writeFileSync('dist/meta.json', JSON.stringify(full.metafile));
writeFileSync('dist/meta-fast.json', JSON.stringify(fast.metafile));

// The uname supervisor, compiled for this host.
await import('./build-native.mjs');
