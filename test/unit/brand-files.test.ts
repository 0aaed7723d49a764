// Brand and recipe files are data, validated on load: the shipped ones load; a broken
// one is refused with "invalid-file" naming the file and the field.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brandNames, loadBrand, loadLinuxBrand } from '../../src/brands/brand.js';
import { buildBootPlan } from '../../src/brands/plan.js';
import { loadRecipe, recipeNames } from '../../src/install/recipe.js';
import * as validators from '../../src/generated/validators.js';
import { assertOneLine, rejectsZoneError } from './fixtures/expect-error.js';
import { makeTempDir, removeTempDir } from './fixtures/tmp.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const yamlNames = (sub: string): string[] =>
  readdirSync(join(REPO, sub))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();

let dir = '';
const saved: Record<string, string | undefined> = {};
test.before(() => {
  dir = makeTempDir();
  for (const k of ['ZONECTL_BRAND_PATH', 'ZONECTL_RECIPE_PATH']) {
    saved[k] = process.env[k];
    delete process.env[k];
  }
});
test.after(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  removeTempDir(dir);
});

/** Runs `fn` with the env var pointing at our temp dir (searched before the package's). */
async function withPath<T>(env: 'ZONECTL_BRAND_PATH' | 'ZONECTL_RECIPE_PATH', fn: () => Promise<T>): Promise<T> {
  process.env[env] = dir;
  try {
    return await fn();
  } finally {
    delete process.env[env];
  }
}

function brandYaml(name: string, over: { drop?: string[]; extra?: string; signal?: string } = {}): string {
  const parts: Record<string, string> = {
    name: `name: ${name}`,
    description: 'description: a test brand',
    hosts: 'hosts:\n  linux:\n    backend: oci',
    init: `init:\n  command: [/sbin/init]\n  halt-signal: ${over.signal ?? 'SIGTERM'}`,
    login: "login:\n  command: ['%shell', '-l']",
    capabilities: 'capabilities: [CAP_KILL, CAP_CHOWN]',
    install: 'install:\n  methods: [recipe]',
    seccomp: 'seccomp:\n  default-action: allow\n  errno: EPERM\n  deny: [bpf]',
  };
  for (const k of over.drop ?? []) delete parts[k];
  return `${Object.values(parts).join('\n')}\n${over.extra ?? ''}`;
}

function writeBrand(file: string, text: string): string {
  const path = join(dir, `${file}.yaml`);
  writeFileSync(path, text);
  return path;
}

// --- the shipped files ---------------------------------------------------------

test('every brands/*.yaml loads and validates', async () => {
  const names = yamlNames('brands');
  assert.ok(names.includes('native') && names.includes('sparse'), names.join(' '));
  assert.equal(brandNames(), names);
  for (const name of names) {
    const any = await loadBrand(name);
    assert.is(any.name, name);
    // Checked here even when loadBrand took the build's word for it (validatedAtBuild).
    const { file: _file, ...data } = any;
    assert.ok(validators.brand(data), `${name}: ${JSON.stringify(validators.brand.errors)}`);
    assert.is(any.file, join(REPO, 'brands', `${name}.yaml`));
    // Every brand maps onto at least one host; only Linux ones carry the Linux parts.
    assert.ok(Object.keys(any.hosts).length > 0, `${name} names its hosts`);
    if (any.hosts.linux === undefined) {
      assert.is(any.init, undefined, `${name} is not for Linux and says nothing of init`);
      continue;
    }
    const b = await loadLinuxBrand(name);
    assert.is(b.name, name);
    assert.is(b.file, join(REPO, 'brands', `${name}.yaml`));
    assert.ok(b.capabilities.length > 0, `${name} has capabilities`);
    assert.ok(b.init.command.length > 0, `${name} has an init`);
    // Its init and halt signal make a boot plan (the halt signal is a real signal).
    const plan = buildBootPlan({ name: 'z', brand: name, zonepath: '/zones/z', config: {}, createdAt: '' }, { state: 'installed', since: '' }, b, []);
    assert.ok(plan.haltSignalNumber > 0);
    assert.not.ok('inherits' in b, 'inherits is resolved away');
  }
});

test('every rootfs-recipes/*.yaml loads and validates', async () => {
  const names = yamlNames('rootfs-recipes');
  assert.ok(names.includes('busybox'));
  assert.equal(recipeNames(), names);
  for (const name of names) {
    const r = await loadRecipe(name);
    assert.is(r.name, name);
    const { file: _file, ...data } = r;
    assert.ok(validators.recipe(data), `${name}: ${JSON.stringify(validators.recipe.errors)}`);
    assert.is(r.file, join(REPO, 'rootfs-recipes', `${name}.yaml`));
    for (const b of r.brands) await loadLinuxBrand(b); // names brands that exist
  }
});

test("sparse inherits native's capabilities and seccomp, and replaces init and install", async () => {
  const native = await loadLinuxBrand('native');
  const sparse = await loadLinuxBrand('sparse');
  assert.equal(sparse.capabilities, native.capabilities);
  assert.equal(sparse.seccomp, native.seccomp);
  assert.equal(sparse.login, native.login);
  // Hosts is the sparse brand's own: OmniOS's sparse brand, no FreeBSD jail.
  assert.equal(sparse.hosts, { linux: { backend: 'oci' }, illumos: { 'zone-brand': 'sparse', install: 'packages' } });
  assert.equal(native.hosts.freebsd, { jail: 'native' });
  assert.equal(sparse.init, { command: ['/bin/busybox', 'init'], 'halt-signal': 'SIGUSR2' });
  assert.equal(sparse.install.methods, ['skeleton']);
  assert.ok(sparse.install.skeleton !== undefined);
  assert.ok(sparse['host-paths']?.some((p) => p.path === '/usr'));
  assert.is(native['host-paths'], undefined);
});

test('an unknown brand is "not-found" with the known brands in the hint', async () => {
  const e = await rejectsZoneError(loadBrand('solaris7'), 'not-found');
  assert.match(e.message, /"solaris7"/);
  assert.match(e.hint ?? '', /native/);
  assert.match(e.hint ?? '', /sparse/);
});

test('a brand name that is a path is "not-found", nothing outside the brand dirs is read', async () => {
  for (const name of ['../brands/native', '/etc/passwd', '.native', 'native/']) {
    await rejectsZoneError(loadLinuxBrand(name), 'not-found');
  }
});

// --- broken brand files --------------------------------------------------------

test('a valid brand file in ZONECTL_BRAND_PATH loads (the cases below differ by one thing)', async () => {
  const path = writeBrand('tgood', brandYaml('tgood'));
  const b = await withPath('ZONECTL_BRAND_PATH', () => loadLinuxBrand('tgood'));
  assert.is(b.file, path);
  assert.equal(b.capabilities, ['CAP_KILL', 'CAP_CHOWN']);
});

async function refusedBrand(name: string, text: string, field: RegExp): Promise<void> {
  const path = writeBrand(name, text);
  const e = await rejectsZoneError(
    withPath('ZONECTL_BRAND_PATH', () => loadLinuxBrand(name)),
    'invalid-file',
  );
  assert.ok(e.message.includes(path), `names the file ${path}: ${e.message}`);
  assert.match(e.message, field);
  assertOneLine(e.message);
}

test('an unknown top-level key is refused, naming it', async () => {
  await refusedBrand('tunknown', brandYaml('tunknown', { extra: 'colour: blue\n' }), /"colour"/);
});

test('a missing init is refused, naming init', async () => {
  await refusedBrand('tnoinit', brandYaml('tnoinit', { drop: ['init'] }), /\binit\b/);
});

test('a bad halt-signal is refused, naming halt-signal', async () => {
  await refusedBrand('tbadsig', brandYaml('tbadsig', { signal: 'SIGFOO+' }), /halt-signal/);
});

test('a capability that is not CAP_* is refused, naming capabilities', async () => {
  const text = brandYaml('tbadcap', { drop: ['capabilities'], extra: 'capabilities: [SYS_ADMIN]\n' });
  await refusedBrand('tbadcap', text, /capabilities/);
});

test('a fixup that edits an absolute path, or an unknown kind of edit, is refused, naming fixups', async () => {
  const abs = brandYaml('tfixabs', { extra: 'fixups:\n  - family: x\n    detect: [{ file: etc/x-release }]\n    edits:\n      - comment-lines: { path: /etc/passwd, match: root.* }\n' });
  await refusedBrand('tfixabs', abs, /fixups/);
  const kind = brandYaml('tfixkind', { extra: 'fixups:\n  - family: x\n    detect: [{ file: etc/x-release }]\n    edits:\n      - run-command: [rm, -rf, /]\n' });
  await refusedBrand('tfixkind', kind, /fixups/);
});

test('shims take only what the engine knows', async () => {
  await refusedBrand('tshim', brandYaml('tshim', { extra: 'shims: { vsyscall: { glibc-below: "two" } }\n' }), /shims/);
});

test('a name that does not match the file name is refused', async () => {
  const path = writeBrand('tnamed', brandYaml('other'));
  const e = await rejectsZoneError(
    withPath('ZONECTL_BRAND_PATH', () => loadLinuxBrand('tnamed')),
    'invalid-file',
  );
  assert.ok(e.message.includes(path), e.message);
  assert.match(e.message, /name/);
  assert.match(e.message, /"other"/);
  assertOneLine(e.message);
});

test('an inherits loop (a -> b -> a) is refused, naming the chain', async () => {
  writeBrand('tloopa', `name: tloopa\ninherits: tloopb\n`);
  writeBrand('tloopb', `name: tloopb\ninherits: tloopa\n`);
  const e = await rejectsZoneError(
    withPath('ZONECTL_BRAND_PATH', () => loadLinuxBrand('tloopa')),
    'invalid-file',
  );
  assert.match(e.message, /inherits/);
  assert.match(e.message, /loop/);
  assert.match(e.message, /tloopa -> tloopb -> tloopa/);
  assert.ok(e.message.includes(dir), `names a file: ${e.message}`);
});

test('a brand that inherits itself is refused', async () => {
  writeBrand('tself', `name: tself\ninherits: tself\n`);
  const e = await rejectsZoneError(
    withPath('ZONECTL_BRAND_PATH', () => loadLinuxBrand('tself')),
    'invalid-file',
  );
  assert.match(e.message, /loop/);
});

test('a YAML syntax error is refused, naming the file, on one line', async () => {
  await refusedBrand('tsyntax', 'name: tsyntax\ninit: [unclosed\n  command: {\n', /not valid YAML/);
});

test('a brand file that is not a mapping is refused', async () => {
  await refusedBrand('tlist', '- name: tlist\n- init: x\n', /mapping/);
});

test("a child brand inherits what it does not say, and its own fields replace the parent's whole", async () => {
  writeBrand('tchild', 'name: tchild\ninherits: native\ninit:\n  command: [/bin/sh]\n  halt-signal: SIGKILL\ninstall:\n  methods: [source]\n');
  const child = await withPath('ZONECTL_BRAND_PATH', () => loadLinuxBrand('tchild'));
  const native = await loadLinuxBrand('native');
  assert.equal(child.capabilities, native.capabilities);
  assert.equal(child.seccomp, native.seccomp);
  assert.equal(child.init, { command: ['/bin/sh'], 'halt-signal': 'SIGKILL' });
  assert.equal(child.install, { methods: ['source'] });
  assert.is(child.name, 'tchild');
});

test("a child that breaks the schema is refused naming the child's file", async () => {
  const path = writeBrand('tbadchild', 'name: tbadchild\ninherits: native\nseccomp:\n  default-action: kill\n  errno: EPERM\n  deny: []\n');
  const e = await rejectsZoneError(
    withPath('ZONECTL_BRAND_PATH', () => loadLinuxBrand('tbadchild')),
    'invalid-file',
  );
  assert.ok(e.message.includes(path), e.message);
  assert.match(e.message, /default-action/);
});

test('inherits naming a missing brand is "invalid-file" naming the file and inherits', async () => {
  const path = writeBrand('torphan', 'name: torphan\ninherits: tnosuch\n');
  const e = await rejectsZoneError(
    withPath('ZONECTL_BRAND_PATH', () => loadLinuxBrand('torphan')),
    'invalid-file',
  );
  assert.ok(e.message.includes(path), e.message);
  assert.match(e.message, /inherits/);
});

test('a halt-signal that is not a signal (SIGFOO) is refused at load, naming the file', async () => {
  await refusedBrand('tsigfoo', brandYaml('tsigfoo', { signal: 'SIGFOO' }), /halt-signal/);
});

// --- recipes -------------------------------------------------------------------

function recipeYaml(name: string, extra = '', method = 'kind: host-busybox'): string {
  return `name: ${name}\ndescription: a test recipe\nbrands: [native]\nmethod:\n  ${method}\n${extra}`;
}

async function refusedRecipe(name: string, text: string, field: RegExp): Promise<void> {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, text);
  const e = await rejectsZoneError(
    withPath('ZONECTL_RECIPE_PATH', () => loadRecipe(name)),
    'invalid-file',
  );
  assert.ok(e.message.includes(path), `names the file ${path}: ${e.message}`);
  assert.match(e.message, field);
  assertOneLine(e.message);
}

test('a valid recipe in ZONECTL_RECIPE_PATH loads', async () => {
  const path = join(dir, 'rgood.yaml');
  writeFileSync(path, recipeYaml('rgood', 'layout:\n  dirs: [etc, { path: tmp, mode: "1777" }]\n'));
  const r = await withPath('ZONECTL_RECIPE_PATH', () => loadRecipe('rgood'));
  assert.is(r.file, path);
  assert.equal(r.method, { kind: 'host-busybox' });
});

test('a recipe with an unknown key is refused, naming it', async () => {
  await refusedRecipe('runknown', recipeYaml('runknown', 'mirror: http://example.com\n'), /"mirror"/);
});

test('a recipe whose name does not match its file is refused', async () => {
  await refusedRecipe('rnamed', recipeYaml('other-name'), /"other-name"/);
});

test('a recipe with an unknown method is refused, naming method', async () => {
  await refusedRecipe('rmethod', recipeYaml('rmethod', '', 'kind: curl-pipe-sh'), /method/);
});

test('a recipe layout path with .. or a leading / is refused, naming the field', async () => {
  await refusedRecipe('rdotdot', recipeYaml('rdotdot', 'layout:\n  files:\n    - path: ../../etc/passwd\n      content: x\n'), /layout\/files/);
  await refusedRecipe('rabs', recipeYaml('rabs', 'layout:\n  dirs: [/etc]\n'), /layout\/dirs/);
});

test('a recipe with a YAML syntax error is refused', async () => {
  await refusedRecipe('rsyntax', 'name: rsyntax\nbrands: [native\n', /not valid YAML/);
});

test('an unknown recipe is "not-found" with the known recipes in the hint', async () => {
  const e = await rejectsZoneError(loadRecipe('centos2'), 'not-found');
  assert.match(e.message, /"centos2"/);
  assert.match(e.hint ?? '', /busybox/);
});

test.run();

test('non-Linux brands: solaris8/9 only on Solaris 10 SPARC from archives, s10 on illumos and Solaris 11', async () => {
  for (const name of ['solaris8', 'solaris9']) {
    const b = await loadBrand(name);
    assert.equal(Object.keys(b.hosts), ['solaris']);
    assert.is(b.hosts.solaris?.['zone-brand'], name);
    assert.is(b.hosts.solaris?.install, 'archive');
    assert.is(b.hosts.solaris?.['host-release'], '5.10');
    assert.ok(b.hosts.solaris?.['host-arch']?.includes('sparc'));
    const e = await rejectsZoneError(loadLinuxBrand(name), 'refused');
    assert.match(e.message, new RegExp(`brand "${name}" does not run on Linux hosts`));
  }
  const s10 = await loadBrand('s10');
  assert.is(s10.hosts.illumos?.['zone-brand'], 'solaris10');
  assert.is(s10.hosts.illumos?.install, 'archive');
});
