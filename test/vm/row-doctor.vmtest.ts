// Inside a VM row: doctor reports the row's own vsyscall mode and cgroup layout, read
// from inside the VM (the harness passes what the row set as ZONECTL_VM_*).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'zonectl.mjs');

test(`doctor reports this row's vsyscall mode and cgroup layout (${process.env.ZONECTL_VM_ROW ?? '?'})`, () => {
  const want = { vsyscall: process.env.ZONECTL_VM_VSYSCALL, cgroup: process.env.ZONECTL_VM_CGROUP };
  assert.ok(want.vsyscall !== undefined && want.cgroup !== undefined, 'run by vm-tests/run.ts only');
  const r = spawnSync(process.execPath, [CLI, 'doctor', '--json'], { encoding: 'utf8' });
  const report = JSON.parse(r.stdout) as { vsyscall: string; cgroup: string };
  assert.is(report.vsyscall, want.vsyscall);
  assert.is(report.cgroup, want.cgroup);
});

test.run();
