// Zone names follow illumos zonecfg: letters, digits, '-', '_', '.', starting with a
// letter or digit, at most 64 characters; "global" and the SUNW prefix are reserved.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validateZoneName } from '../../src/core/zone.js';
import { assertNoControlChars, assertOneLine, throwsZoneError } from './fixtures/expect-error.js';

const GOOD = [
  'a',
  'Z',
  '0',
  '9zone',
  'web',
  'web-01',
  'web_01',
  'web.example',
  'A.b-c_d.9',
  'zone-',
  'zone.',
  'Global', // only the exact name "global" is reserved
  'sunw-zone', // the reserved prefix is upper-case SUNW
  'globalzone',
  'x'.repeat(64),
];

for (const name of GOOD) {
  test(`accepts ${JSON.stringify(name)}`, () => {
    validateZoneName(name);
  });
}

/** Refused names, with a word the reason must contain. */
const BAD: Array<[string, RegExp]> = [
  ['', /empty/],
  ['x'.repeat(65), /65 characters.*64/],
  ['-zone', /start with a letter or digit/],
  ['_zone', /start with a letter or digit/],
  ['.zone', /start with a letter or digit/],
  ['.', /start with a letter or digit/],
  ['..', /start with a letter or digit/],
  ['web/01', /only letters, digits/],
  ['../etc', /start with a letter or digit/],
  ['a/../b', /only letters, digits/],
  ['web 01', /only letters, digits/],
  ['web:01', /only letters, digits/],
  ['wéb', /only letters, digits/],
  ['web$', /only letters, digits/],
  ['global', /reserved/],
  ['SUNW', /reserved/],
  ['SUNWdefault', /reserved/],
  ['SUNW-lx', /reserved/],
];

for (const [name, why] of BAD) {
  test(`refuses ${JSON.stringify(name)} with invalid-name, naming it on one line`, () => {
    const e = throwsZoneError(() => validateZoneName(name), 'invalid-name');
    assert.match(e.message, why);
    assertOneLine(e.message);
    // The message quotes the input (long names are cut with "...").
    const shown = name.length > 80 ? name.slice(0, 77) : name;
    assert.ok(e.message.includes(`"${shown}`), `message should name the input: ${e.message}`);
    assert.ok(e.hint !== undefined && /letters, digits/.test(e.hint), 'hint says what a name may hold');
  });
}

test('a name of 65 characters is refused while 64 is accepted', () => {
  validateZoneName('a'.repeat(64));
  throwsZoneError(() => validateZoneName('a'.repeat(65)), 'invalid-name');
});

test('a long name is shown cut, the message stays short', () => {
  const e = throwsZoneError(() => validateZoneName('b'.repeat(500)), 'invalid-name');
  assert.ok(e.message.includes('...'), e.message);
  assert.ok(e.message.length < 200, `message is ${e.message.length} characters long`);
});

const CONTROL = [
  'web\n01',
  'web\r\n01',
  'web\n',
  '\nweb',
  'web\t01',
  'web\u001b[2Jx', // ESC: a terminal escape sequence
  'web\u0000',
  'web\b\b\bok',
  'web\u0007',
];

for (const name of CONTROL) {
  test(`refuses ${JSON.stringify(name)} and keeps the message on one line, escaped`, () => {
    const e = throwsZoneError(() => validateZoneName(name), 'invalid-name');
    assertOneLine(e.message);
    assert.not.ok(e.message.includes('\n'), 'no newline in the message');
    // The input is still recognisable, in escaped form.
    assert.ok(e.message.includes(JSON.stringify(name).slice(1, -1)), `message shows the escaped input: ${e.message}`);
  });
}

test('the JSON form of a refusal is one line too', () => {
  const e = throwsZoneError(() => validateZoneName('evil\nzonectl: everything is fine'), 'invalid-name');
  const json = JSON.stringify(e);
  assert.not.ok(json.includes('\n'));
  assert.is(JSON.parse(json).code, 'invalid-name');
});

test('refusals escape DEL and C1 control characters as well', () => {
  for (const name of ['web\u007f', 'web\u009b2J', 'web\u0085next']) {
    const e = throwsZoneError(() => validateZoneName(name), 'invalid-name');
    assertNoControlChars(e.message);
  }
});

test.run();
