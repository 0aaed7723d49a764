// Users as the zone knows them (its own /etc/passwd and /etc/group): what
// `zonectl exec -u` and `login` run as.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findUser, parseGroupsOf, parsePasswd } from '../../src/install/passwd.js';

const PASSWD = `root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
# a comment line:x:5:5::/:/bin/sh
alice:x:1000:1000:Alice,,,:/home/alice:/bin/zsh

bob:x:1001:100:Bob:/home/bob:/bin/sh
broken line without fields
carol:x:notanumber:1002::/home/carol:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
`;

const GROUP = `root:x:0:
daemon:x:1:
adm:x:4:alice
wheel:x:10:root,alice
users:x:100:bob, alice
docker:x:999:bob
alice:x:1000:
nogroup:x:65534:
junk line
`;

test('by name: uid, gid, home and shell from /etc/passwd', () => {
  const u = findUser('alice', PASSWD, GROUP);
  assert.ok(u !== undefined);
  assert.is(u.name, 'alice');
  assert.is(u.uid, 1000);
  assert.is(u.gid, 1000);
  assert.is(u.home, '/home/alice');
  assert.is(u.shell, '/bin/zsh');
});

test('by uid: the entry with that number', () => {
  const u = findUser('1001', PASSWD, GROUP);
  assert.is(u?.name, 'bob');
  assert.is(u?.gid, 100);
  assert.is(u?.home, '/home/bob');
  assert.is(findUser('0', PASSWD, GROUP)?.name, 'root');
  assert.is(findUser('65534', PASSWD, GROUP)?.name, 'nobody');
});

test('supplementary groups come from the member lists in /etc/group', () => {
  assert.equal(
    findUser('alice', PASSWD, GROUP)?.groups.sort((a, b) => a - b),
    [4, 10, 100],
  );
  assert.equal(
    findUser('bob', PASSWD, GROUP)?.groups.sort((a, b) => a - b),
    [100, 999],
  );
  assert.equal(findUser('root', PASSWD, GROUP)?.groups, [10]);
  assert.equal(findUser('daemon', PASSWD, GROUP)?.groups, [], 'a primary group alone is not listed as a member');
  // Looked up by uid, the groups are still the user's (by name).
  assert.equal(
    findUser('1000', PASSWD, GROUP)?.groups.sort((a, b) => a - b),
    [4, 10, 100],
  );
});

test('a group member must match the whole name', () => {
  const group = 'g1:x:2000:alicia\ng2:x:2001:malice,ali\ng3:x:2002:alice\n';
  assert.equal(parseGroupsOf(group, 'alice'), [2002]);
});

test('a numeric uid without an entry still works, as docker exec allows', () => {
  const u = findUser('4242', PASSWD, GROUP);
  assert.equal(u, { name: '4242', uid: 4242, gid: 4242, home: '/', shell: '/bin/sh', groups: [] });
});

test('an unknown name is undefined', () => {
  assert.is(findUser('mallory', PASSWD, GROUP), undefined);
  assert.is(findUser('', PASSWD, GROUP), undefined);
  assert.is(findUser('alice ', PASSWD, GROUP), undefined);
});

test('comments, blank, short and non-numeric lines are not users', () => {
  const names = parsePasswd(PASSWD).map((r) => r.name);
  assert.equal(names, ['root', 'daemon', 'alice', 'bob', 'nobody']);
  assert.is(findUser('# a comment line', PASSWD, GROUP), undefined);
  assert.is(findUser('carol', PASSWD, GROUP), undefined);
});

test('an empty /etc/passwd and /etc/group (a zone without them)', () => {
  assert.is(findUser('root', '', ''), undefined);
  assert.equal(findUser('0', '', '')?.uid, 0);
  assert.equal(findUser('root', 'root:x:0:0::/root:/bin/sh\n', '')?.groups, []);
});

test('the first of two entries with the same uid wins (as getpwuid)', () => {
  const passwd = 'root:x:0:0::/root:/bin/sh\ntoor:x:0:0::/root:/bin/csh\n';
  assert.is(findUser('0', passwd, '')?.name, 'root');
  assert.is(findUser('toor', passwd, '')?.shell, '/bin/csh');
});

test('an empty uid, gid or group id field is not read as 0 (root)', () => {
  const passwd = 'mallory:x:::Mallory:/home/mallory:/bin/sh\n';
  assert.is(findUser('mallory', passwd, ''), undefined);
  assert.equal(parseGroupsOf('wheel:x::mallory\n', 'mallory'), []);
});

test.run();
