// The execution domain a zone runs under: LINUX32 for 32-bit userlands on 64-bit
// hosts, UNAME26 for brands that honour a kernel-version below 3.0; both through setarch.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { personalityPrefix, personalityValue } from '../../src/backends/linux/personality.js';
import { buildBootPlan, personalityFor } from '../../src/brands/plan.js';
import { loadLinuxBrand as loadBrand } from '../../src/brands/brand.js';
import type { ZoneRecord, ZoneStatus } from '../../src/core/zone.js';

test('32-bit userlands on 64-bit hosts get LINUX32; others nothing', async () => {
  const native = await loadBrand('native');
  assert.equal(personalityFor(native, 'ia32', undefined, 'x64'), { linux32: true, uname26: false });
  assert.equal(personalityFor(native, 'arm', undefined, 'arm64'), { linux32: true, uname26: false });
  assert.equal(personalityFor(native, 'x64', undefined, 'x64'), { linux32: false, uname26: false });
  assert.equal(personalityFor(native, 'ia32', undefined, 'ia32'), { linux32: false, uname26: false });
});

test('UNAME26 only where the brand honours kernel-version and it is below 3.0', async () => {
  const [lx, native] = [await loadBrand('lx'), await loadBrand('native')];
  assert.equal(personalityFor(lx, 'ia32', '2.4', 'x64'), { linux32: true, uname26: true });
  assert.equal(personalityFor(lx, 'x64', '2.6.32', 'x64'), { linux32: false, uname26: true });
  assert.equal(personalityFor(lx, 'x64', '3.10.0', 'x64'), { linux32: false, uname26: false });
  assert.equal(personalityFor(native, 'x64', '2.6', 'x64'), { linux32: false, uname26: false }, 'native runs as it is');
});

test('setarch gets the flags; personality(2) sees their values', () => {
  assert.equal(personalityPrefix({ linux32: true, uname26: false }), ['setarch', 'linux32']);
  assert.equal(personalityPrefix({ linux32: true, uname26: true }), ['setarch', 'linux32', '--uname-2.6']);
  assert.equal(personalityPrefix({ linux32: false, uname26: true }), ['setarch', '--uname-2.6']);
  assert.equal(personalityPrefix({ linux32: false, uname26: false }), []);
  assert.equal(personalityPrefix(undefined), []);
  assert.is(personalityValue({ linux32: true, uname26: true }), 0x20008);
});

test('the plan takes kernel-version from the config before the userland, and says what uname shows', async () => {
  const lx = await loadBrand('lx');
  const record: ZoneRecord = { name: 'c3', brand: 'lx', zonepath: '/zones/c3', config: {}, createdAt: '' };
  const status: ZoneStatus = {
    state: 'installed',
    since: '',
    userland: { method: 'recipe', arch: 'ia32', installedAt: '', attributes: { 'kernel-version': '2.4' } },
  };
  const p = buildBootPlan(record, status, lx, [], {}, 'x64');
  assert.equal(p.personality, { linux32: true, uname26: true });
  assert.equal([p.kernel.requested, p.kernel.machine, p.kernel.exact], ['2.4.21', 'i686', false]);
  assert.match(p.kernel.release, /^2\.6\.\d+/);
  const own = buildBootPlan({ ...record, config: { 'kernel-version': '3.10.0' } }, status, lx, [], {}, 'x64');
  assert.equal([own.kernel.requested, own.personality.uname26], ['3.10.0', false]);
});

test('vsyscall: needed by an x86_64 glibc older than the brand says, never by i386', async () => {
  const lx = await loadBrand('lx');
  const record: ZoneRecord = { name: 'c6', brand: 'lx', zonepath: '/zones/c6', config: {}, createdAt: '' };
  const st = (arch: string, attributes: Record<string, string> = {}): ZoneStatus => ({ state: 'installed', since: '', userland: { method: 'source', arch, installedAt: '', attributes } });
  assert.ok(buildBootPlan(record, st('x64'), lx, [], { glibc: '2.12' }, 'x64').vsyscall.needed);
  assert.not.ok(buildBootPlan(record, st('x64'), lx, [], { glibc: '2.17' }, 'x64').vsyscall.needed);
  assert.not.ok(buildBootPlan(record, st('x64'), lx, [], { glibc: '>=2.34' }, 'x64').vsyscall.needed);
  assert.not.ok(buildBootPlan(record, st('ia32', { vsyscall: 'required' }), lx, [], { glibc: '2.3' }, 'x64').vsyscall.needed);
  assert.ok(buildBootPlan(record, st('x64', { vsyscall: 'required' }), lx, [], {}, 'x64').vsyscall.needed);
  assert.not.ok(buildBootPlan(record, st('x64'), await loadBrand('native'), [], { glibc: '2.12' }, 'x64').vsyscall.needed);
});

test.run();
