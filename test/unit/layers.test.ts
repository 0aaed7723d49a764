// The source tree's layers, lowest first: a module imports only from its own layer or
// below, so core/ (the zone model, store, locks, states) knows nothing of hosts, and a
// verb reaches a host only through the ZoneHost interface. What each folder holds is in
// the README's Layout section.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const LAYERS: Record<string, number> = {
  core: 0,
  generated: 0,
  transport: 1,
  probes: 1,
  install: 2,
  brands: 3,
  storage: 3,
  backends: 4,
  hosts: 5,
  verbs: 6,
  cli: 7,
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1] as string);
}

const SRC = join(process.cwd(), 'src');

test('every folder of src/ has a layer', () => {
  for (const n of readdirSync(SRC)) if (statSync(join(SRC, n)).isDirectory()) assert.ok(n in LAYERS, `src/${n} has no layer`);
});

test('no module imports from a layer above its own', () => {
  const upward: string[] = [];
  for (const file of sources(SRC)) {
    const from = relative(SRC, file).split('/')[0] as string;
    for (const spec of imports(file)) {
      const to = relative(SRC, resolve(dirname(file), spec)).split('/')[0] as string;
      if ((LAYERS[to] ?? 99) > (LAYERS[from] ?? -1)) upward.push(`${relative(SRC, file)} -> ${spec}`);
    }
  }
  assert.equal(upward, []);
});

test('verbs never ask which host they have', () => {
  for (const file of sources(join(SRC, 'verbs'))) {
    // The interchange verb reads the host tools' file formats (zonecfg, jail.conf) on
    // any host: importing those readers is not asking which host this is.
    const text = readFileSync(file, 'utf8').replace(/^import .*$/gm, '');
    assert.not.match(text, /host\.kind|\.managed\b|instanceof \w*Host|kind ===/, relative(SRC, file));
  }
});

test.run();
