// Users' own brands and recipes (ZONECTL_BRAND_PATH, ZONECTL_RECIPE_PATH) are read
// by the built CLI like the packaged ones: parsed, validated, and refused clearly.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, makeRoot, requireRootAndRunc, zonectl } from './helpers.js';

const t = suite('user brands and recipes');
let root = '';
let env: NodeJS.ProcessEnv = {};

t.before(() => {
  requireRootAndRunc();
  root = makeRoot();
  const brands = join(root, 'my-brands');
  const recipes = join(root, 'my-recipes');
  mkdirSync(brands);
  mkdirSync(recipes);
  writeFileSync(join(brands, 'tiny.yaml'), 'name: tiny\ndescription: native with busybox init\ninherits: native\ninit:\n  command: [/sbin/init]\n  halt-signal: SIGUSR2\n');
  writeFileSync(join(brands, 'broken.yaml'), 'name: broken\ndescription: x\ninherits: native\ncolour: blue\n');
  writeFileSync(join(recipes, 'mini.yaml'), 'name: mini\ndescription: busybox, by another name\nbrands: [tiny]\nmethod:\n  kind: host-busybox\n');
  env = { ZONECTL_BRAND_PATH: brands, ZONECTL_RECIPE_PATH: recipes };
});
t.after(() => cleanup(root));

t('a user brand and recipe are listed, shown and used', () => {
  const brands = zonectl(root, ['brands'], { env });
  assert.match(brands.stdout, /^tiny\s+linux,freebsd,illumos,solaris\s+native with busybox init$/m);
  // The broken file beside it is reported, and does not hide the others.
  assert.is(brands.code, 1);
  assert.match(brands.stderr, /broken\.yaml/);
  assert.match(brands.stdout, /^native\s/m);
  const show = zonectl(root, ['brands', 'show', 'tiny'], { env });
  assert.match(show.stdout, /init: \/sbin\/init \(halt signal SIGUSR2 = 12\)/);
  const r = zonectl(root, ['install', '--brand', 'tiny', 'mini', '--json'], { env });
  assert.is(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { brand: string; state: string }).brand, 'tiny');
  assert.is(zonectl(root, ['boot', 'mini'], { env }).code, 0);
  assert.equal(zonectl(root, ['exec', 'mini', '--', 'cat', '/proc/1/comm'], { env }).stdout, 'init\n');
  const sd = zonectl(root, ['shutdown', 'mini', '--json'], { env });
  assert.equal((JSON.parse(sd.stdout) as { shutdown: { clean: boolean } }).shutdown.clean, true);
});

t('an invalid user brand is refused naming the file and the field', () => {
  const r = zonectl(root, ['create', 'z', '--brand', 'broken'], { env });
  assert.is(r.code, 1);
  assert.match(r.stderr, /brand file .*my-brands\/broken\.yaml: top level: must NOT have additional properties \("colour"\)/);
});

t.run();
