// Resource caps are enforced by the kernel, not only written down: a zone over its
// memory cap has its process OOM-killed, a fork bomb stops at max-processes, a
// CPU-bound zone with capped-cpu 0.5 gets about half a CPU; a zone beside it without
// caps is untouched; info shows use against each cap.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { cleanup, json, makeRoot, ok, oneLine, requireRootAndRunc, zonectl } from './helpers.js';
import type { ZoneView } from '../../src/core/zone.js';

const t = suite('resource caps');
let root = '';

function zoneWithStress(name: string, sets: string[]): void {
  ok(root, ['install', '--brand', 'native', 'busybox', '--name', name]);
  if (sets.length > 0) ok(root, ['configure', name, ...sets.flatMap((s) => ['--set', s])]);
  const cc = spawnSync('gcc', ['-static', '-O2', '-o', join(root, 'zones', name, 'root', 'stress'), join(import.meta.dirname, '..', 'fixtures', 'stress.c')], { encoding: 'utf8' });
  assert.is(cc.status, 0, cc.stderr);
  ok(root, ['boot', name]);
}

t.before(() => {
  requireRootAndRunc();
  root = makeRoot();
  zoneWithStress('capped', ['capped-memory=64M', 'max-processes=50', 'capped-cpu=0.5', 'cpu-shares=512']);
  zoneWithStress('free', []);
});
t.after(() => cleanup(root));

const state = (zone: string): string => json<ZoneView>(root, ['info', zone]).state;

t('a process over capped-memory is OOM-killed; the zone and its neighbour go on', () => {
  const r = zonectl(root, ['exec', 'capped', '--', '/stress', 'alloc', '256']);
  assert.is(r.code, 137, `expected SIGKILL (137), got ${r.code}: ${r.stdout}`);
  assert.match(r.stdout, /^allocated 16$/m);
  assert.not.match(r.stdout, /allocated all/);
  assert.equal([state('capped'), state('free')], ['running', 'running']);
  // The neighbour has no cap: the same load completes there.
  assert.match(ok(root, ['exec', 'free', '--', '/stress', 'alloc', '256']).stdout, /^allocated all 256$/m);
});

t('a fork bomb stops at max-processes; the neighbour can fork past it', () => {
  const capped = ok(root, ['exec', 'capped', '--', '/stress', 'forks', '500']).stdout;
  const forked = Number(/^forked (\d+)$/m.exec(capped)?.[1]);
  assert.ok(forked < 50 && forked > 10, `forked ${forked} in a zone capped at 50 processes`);
  assert.match(capped, /^first error Resource temporarily unavailable$/m);
  assert.match(ok(root, ['exec', 'free', '--', '/stress', 'forks', '200']).stdout, /^forked 200$/m);
  assert.is(state('capped'), 'running');
});

t('capped-cpu 0.5 gives a CPU-bound process about half a CPU', () => {
  const out = ok(root, ['exec', 'capped', '--', '/stress', 'spin', '3']).stdout;
  const m = /^cpu ([\d.]+) wall ([\d.]+)$/m.exec(out);
  assert.ok(m !== null, out);
  const share = Number(m[1]) / Number(m[2]);
  // The cap is the upper bound the kernel enforces; below it, a busy host may give less.
  assert.ok(share <= 0.6, `a zone capped at 0.5 CPU got ${share.toFixed(2)} of one`);
  assert.ok(share >= 0.2, `the capped zone hardly ran (${share.toFixed(2)} of a CPU)`);
});

t('info shows current use against each cap', () => {
  const v = json<ZoneView>(root, ['info', 'capped']);
  assert.ok((v.usage?.memoryBytes ?? 0) > 0 && (v.usage?.memoryBytes ?? 0) <= 64 * 2 ** 20, JSON.stringify(v.usage));
  assert.ok((v.usage?.processes ?? 0) >= 1 && (v.usage?.processes ?? 0) < 50);
  assert.ok((v.usage?.cpuSeconds ?? 0) >= 1, 'the spin test used over a second of CPU');
  const text = ok(root, ['info', 'capped']).stdout;
  assert.match(text, /^memory in use: [\d.]+[KMG]? of 64M$/m);
  assert.match(text, /^processes: \d+ of 50$/m);
  assert.match(text, /^cpu time used: [\d.]+ s \(capped at 0.5 CPU\)$/m);
  assert.match(ok(root, ['info', 'free']).stdout, /^memory in use: .* \(no cap\)$/m);
});

t('bad caps are refused with one line naming the key', () => {
  for (const [set, why] of [
    ['capped-memory=lots', /capped-memory: must be a size/],
    ['capped-memory=1M', /capped-memory: must be at least 4M/],
    ['capped-cpu=-1', /capped-cpu: must be a number of CPUs/],
    ['max-processes=1', /max-processes: must be a whole number, at least 2/],
  ] as const) {
    const r = zonectl(root, ['configure', 'free', '--set', set]);
    assert.is(r.code, 1, set);
    assert.ok(oneLine(r.stderr), r.stderr);
    assert.match(r.stderr, why);
  }
});

t.run();
