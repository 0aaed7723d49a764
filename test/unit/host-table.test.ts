// The README's table of where hosts differ is the code's: made from each host's
// HostDifferences, never edited by hand.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { hostTable, withTable } from '../../scripts/host-table.js';

test("the README's host differences table is what src/hosts says", () => {
  const readme = readFileSync('README.md', 'utf8');
  assert.is(withTable(readme), readme, 'run: node --import tsx scripts/host-table.ts');
});

test('the table has a row for every difference and a column for every host', () => {
  const rows = hostTable()
    .split('\n')
    .filter((l) => l.startsWith('| '));
  assert.is(rows[0], '| | Linux | FreeBSD | illumos, Solaris |');
  assert.ok(rows.length >= 11, `${rows.length} rows`);
  for (const r of rows) assert.is(r.split(' | ').length, 4, r);
});

test.run();
