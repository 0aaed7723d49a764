// Which userlands run under setarch linux32: 32-bit ones on their 64-bit hosts only.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { personalityPrefix } from '../../src/backends/linux/personality.js';

test('32-bit userlands on 64-bit hosts get LINUX32; others nothing', () => {
  assert.equal(personalityPrefix('ia32', 'x64'), ['setarch', 'linux32']);
  assert.equal(personalityPrefix('arm', 'arm64'), ['setarch', 'linux32']);
  assert.equal(personalityPrefix('x64', 'x64'), []);
  assert.equal(personalityPrefix('ia32', 'ia32'), []);
  assert.equal(personalityPrefix(undefined, 'x64'), []);
});

test.run();
