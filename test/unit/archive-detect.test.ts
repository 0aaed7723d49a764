// Archives are recognised by their bytes: each compressor's magic, and tar by its
// ustar magic or, for old v7 archives, a header checksum that adds up.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { isTar, sniffCompression } from '../../src/install/archive/detect.js';

function through(argv: string[], input: Buffer): Buffer {
  const r = spawnSync(argv[0] as string, argv.slice(1), { input });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed`);
  return r.stdout;
}

const tarred = spawnSync('tar', ['-C', '/etc', '-cf', '-', 'hostname']).stdout;
const v7 = spawnSync('tar', ['-C', '/etc', '--format=v7', '-cf', '-', 'hostname']).stdout;

test('compressors are told apart by magic bytes', () => {
  assert.is(sniffCompression(through(['gzip', '-c'], tarred)), 'gzip');
  assert.is(sniffCompression(through(['bzip2', '-c'], tarred)), 'bzip2');
  assert.is(sniffCompression(through(['xz', '-c'], tarred)), 'xz');
  assert.is(sniffCompression(through(['zstd', '-c', '-q'], tarred)), 'zstd');
  assert.is(sniffCompression(tarred), 'none');
  assert.is(sniffCompression(Buffer.from('')), 'none');
});

test('tar archives, ustar and v7, are recognised; other bytes are not', () => {
  assert.ok(isTar(tarred));
  assert.ok(isTar(v7), 'v7 tar (no magic) by its checksum');
  assert.not.ok(isTar(Buffer.alloc(512)), 'a zero block is the end of an archive, not one');
  assert.not.ok(isTar(Buffer.from('x'.repeat(600))));
  const bad = Buffer.from(v7);
  bad[0] = (bad[0] as number) ^ 1;
  assert.not.ok(isTar(bad), 'a v7 header with a wrong checksum');
  assert.not.ok(isTar(tarred.subarray(0, 100)));
});

test.run();
