// Bad input: every refusal is a non-zero exit, one line on stderr naming the thing and
// the reason, and no change on disk.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { rmSync, writeFileSync } from 'node:fs';
import { cleanup, makeRoot, ok, oneLine, requireRootAndRunc, snapshot, zonectl } from './helpers.js';

const t = suite('bad input');
let root = '';

t.before(() => {
  requireRootAndRunc();
  root = makeRoot();
  ok(root, ['create', 'conf', '--brand', 'native']);
  ok(root, ['create', 'inst', '--brand', 'native']);
  ok(root, ['install', 'inst', '--recipe', 'busybox']);
});
t.after(() => cleanup(root));

/** Runs a command that must be refused: non-zero, one line naming `mentions`, nothing changed. */
function refused(args: string[], mentions: RegExp, code?: number): void {
  const before = snapshot(root);
  const r = zonectl(root, args);
  const after = snapshot(root);
  assert.is.not(r.code, 0, `zonectl ${args.join(' ')} succeeded`);
  if (code !== undefined) assert.is(r.code, code, `zonectl ${args.join(' ')}: exit ${r.code}`);
  assert.ok(oneLine(r.stderr), `not one line: ${JSON.stringify(r.stderr)}`);
  assert.match(r.stderr, /^zonectl: /);
  assert.match(r.stderr, mentions);
  assert.equal([...after.entries()], [...before.entries()], `zonectl ${args.join(' ')} changed the state root`);
}

t('invalid zone names (illumos rules)', () => {
  refused(['create', '_bad', '--brand', 'native'], /"_bad".*start with a letter or digit/);
  refused(['create', '.hidden', '--brand', 'native'], /"\.hidden".*start with a letter or digit/);
  refused(['create', 'has space', '--brand', 'native'], /"has space".*only letters, digits/);
  refused(['create', 'a/b', '--brand', 'native'], /"a\/b"/);
  refused(['create', 'x'.repeat(65), '--brand', 'native'], /65 characters/);
  refused(['create', 'global', '--brand', 'native'], /"global" is reserved/);
  refused(['create', 'SUNWfoo', '--brand', 'native'], /SUNW/);
  refused(['create', 'new\nline', '--brand', 'native'], /new\\nline/);
  // 64 is allowed
  ok(root, ['create', 'y'.repeat(64), '--brand', 'native']);
  ok(root, ['delete', 'y'.repeat(64)]);
});

t('duplicate names', () => {
  refused(['create', 'conf', '--brand', 'sparse'], /zone "conf" already exists/);
});

t('unknown brands and recipes', () => {
  refused(['create', 'z1', '--brand', 'nosuch'], /unknown brand "nosuch".*native/);
  refused(['install', 'conf', '--recipe', 'nosuch'], /unknown recipe "nosuch".*busybox/);
  refused(['install', '--brand', 'native', 'nosuch'], /no zone and no recipe named "nosuch"/);
  // A name with a slash is a path to the user's own recipe file: this one is no recipe.
  refused(['install', 'conf', '--recipe', '/etc/passwd'], /recipe file \/etc\/passwd: /);
  refused(['install', 'conf', '--recipe', './no/such.yaml'], /recipe file .\/no\/such.yaml: no such file/);
  refused(['brands', 'show', 'nosuch'], /unknown brand "nosuch"/);
  refused(['recipes', 'show', 'nosuch'], /unknown recipe "nosuch"/);
});

t('unknown config keys and bad values', () => {
  refused(['create', 'z2', '--brand', 'native', '--set', 'colour=blue'], /unknown config key "colour".*hostname/);
  refused(['configure', 'conf', '--set', 'ip-type=bridged'], /bad value "bridged" for ip-type.*shared, exclusive/);
  refused(['configure', 'conf', '--set', 'hostname=-x-'], /bad value "-x-" for hostname/);
  refused(['configure', 'conf', '--set', 'zonepath=relative/dir'], /zonepath: must be an absolute path/);
  refused(['configure', 'conf', '--set', 'autoboot=maybe'], /autoboot/);
  refused(['configure', 'conf', '--set', 'noequals'], /expected KEY=VALUE/);
  refused(['configure', 'inst', '--set', 'zonepath=/srv/elsewhere'], /cannot change zonepath of zone "inst": it is installed/);
});

t('commands in the wrong state name the zone, its state and what it needs', () => {
  refused(['boot', 'conf'], /cannot boot zone "conf": it is configured; boot needs an installed zone.*zonectl install conf/);
  refused(['exec', 'inst', '--', 'true'], /cannot exec zone "inst": it is installed; exec needs a running zone/);
  refused(['halt', 'inst'], /cannot halt zone "inst": it is installed/);
  refused(['shutdown', 'conf'], /cannot shutdown zone "conf": it is configured/);
  refused(['install', 'inst', '--recipe', 'busybox'], /cannot install zone "inst": it is installed/);
  refused(['uninstall', '-F', 'conf'], /cannot uninstall zone "conf": it is configured/);
  refused(['delete', 'inst'], /cannot delete zone "inst": it is installed.*delete -F/);
});

t('missing zones, missing arguments and bad install sources', () => {
  refused(['info', 'ghost'], /zone "ghost" does not exist/);
  refused(['boot', 'ghost'], /zone "ghost" does not exist/);
  refused(['install', 'conf'], /needs --recipe RECIPE or --source PATH/, 2);
  refused(['install', 'conf', '--source', '/nonexistent/dir'], /\/nonexistent\/dir: no such file/);
  refused(['install', 'conf', '--source', '/etc/hostname'], /\/etc\/hostname: not a directory or an archive zonectl reads/);
  refused(['create', 'z3'], /brand/, 2);
  refused(['frobnicate'], /Unknown argument|Unknown command/i, 2);
  refused(['uninstall', 'inst'], /refusing without -F/);
});

t('a zone whose files are damaged does not hide the others from list', () => {
  ok(root, ['create', 'damaged', '--brand', 'native']);
  writeFileSync(`${root}/zones/damaged/state.json`, '{"state": "runn');
  const r = zonectl(root, ['list']);
  assert.is(r.code, 1);
  assert.match(r.stdout, /^conf\s+native\s+configured/m);
  assert.match(r.stdout, /^inst\s+native\s+installed/m);
  assert.not.match(r.stdout, /damaged/);
  assert.ok(oneLine(r.stderr), r.stderr);
  assert.match(r.stderr, /zone "damaged" cannot be read: .*zones\/damaged\/state\.json: not valid JSON/);
  const j = zonectl(root, ['list', '--json']);
  assert.equal(
    (JSON.parse(j.stdout) as Array<{ name: string }>).map((z) => z.name),
    ['conf', 'inst'],
  );
  rmSync(`${root}/zones/damaged`, { recursive: true });
});

t('--json errors are one JSON document on stdout', () => {
  const r = zonectl(root, ['boot', 'conf', '--json']);
  assert.is(r.code, 1);
  const doc = JSON.parse(r.stdout) as { error: { code: string; zone: string; message: string } };
  assert.equal([doc.error.code, doc.error.zone], ['wrong-state', 'conf']);
});

t.run();
