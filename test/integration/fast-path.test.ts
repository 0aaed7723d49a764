// The fast path (no yargs) and the full command line give the same output, errors
// and exit status for the hot commands. An extra yargs-only option forces the full path.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, makeRoot, ok, requireRootAndRunc, zonectl } from './helpers.js';

const t = suite('fast path');
let root = '';
const FULL = ['--lock-timeout', '10'];

t.before(() => {
  requireRootAndRunc();
  root = makeRoot();
  ok(root, ['install', '--brand', 'native', 'busybox', '--name', 'fz']);
});
t.after(() => cleanup(root));

function same(args: string[], after: string[] = []): void {
  const fast = zonectl(root, [...args, ...after]);
  const full = zonectl(root, [...args, ...FULL, ...after]);
  assert.equal(fast, full, `zonectl ${args.join(' ')} differs between fast and full paths`);
}

t('boot, list, info, exec and halt agree', () => {
  const boot = zonectl(root, ['boot', 'fz']);
  assert.is(boot.code, 0);
  same(['list']);
  same(['list', '--json']);
  same(['info', 'fz', '--json']);
  same(['exec', 'fz', '-e', 'X=1', '-w', '/etc'], ['--', 'sh', '-c', 'echo $X $(pwd); exit 3']);
  same(['exec', 'fz', '--user', 'nobody'], ['--', 'id', '-u']);
  const halt = zonectl(root, ['halt', 'fz']);
  const haltFull = zonectl(root, ['boot', 'fz', ...FULL]);
  assert.equal([halt.code, haltFull.code], [0, 0]);
  assert.is(zonectl(root, ['halt', 'fz', ...FULL]).code, 0);
});

t('errors agree', () => {
  same(['info', 'ghost']);
  same(['info', 'ghost', '--json']);
  same(['exec', 'fz'], ['--', 'true']);
  same(['halt', 'fz']);
  same(['info', '../../etc']);
});

t.run();
