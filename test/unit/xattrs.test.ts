// What an archive's pax xattr records become, and what setfattr is asked to do.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { paxXattrs, restoreScript } from '../../src/install/xattrs.js';

test('only SCHILY.xattr records are attributes; UTF-8 values come back byte for byte', () => {
  const { xattrs, lossy } = paxXattrs({ path: 'x', 'SCHILY.xattr.user.note': 'héllo', 'SCHILY.xattr.security.capability': '\u0001\u0000\u0000\u0002 ' });
  assert.equal([...xattrs.keys()], ['user.note', 'security.capability']);
  assert.equal(xattrs.get('user.note'), Buffer.from('héllo'));
  assert.equal([...(xattrs.get('security.capability') ?? [])], [1, 0, 0, 2, 32]);
  assert.equal(lossy, []);
});

test('a value that was not valid UTF-8 is named as unreadable, never set garbled', () => {
  const { xattrs, lossy } = paxXattrs({ 'SCHILY.xattr.security.capability': '\u0001\uFFFD\u0000' });
  assert.is(xattrs.size, 0);
  assert.equal(lossy, ['security.capability']);
  assert.is(paxXattrs(null).xattrs.size, 0);
});

test('setfattr gets one block per descriptor, from fd 3 on, values in base64', () => {
  const script = restoreScript([{ xattrs: new Map([['user.a', Buffer.from('x=y\n')]]) }, { xattrs: new Map([['user.b', Buffer.from([0, 255])]]) }]);
  assert.is(script, '# file: /proc/self/fd/3\nuser.a=0seD15Cg==\n\n# file: /proc/self/fd/4\nuser.b=0sAP8=\n');
});

test.run();
