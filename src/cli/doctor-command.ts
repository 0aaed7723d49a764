// `zonectl doctor`: the host report, as a table or JSON. Exit 1 when something a zone
// needs is missing, so scripts can gate on it.
import { runDoctor, type DoctorCheck } from '../hosts/linux/doctor.js';
import type { ManagedBackend } from '../backends/tool-backend.js';
import { formatTable, printJson, type OutputMode } from './render.js';

export async function doctorCommand(runtime: string | undefined, stateRoot: string, mode: OutputMode, managed?: ManagedBackend): Promise<number> {
  if (managed !== undefined) return managedDoctor(managed, stateRoot, mode);
  const report = await runDoctor({ stateRoot, ...(runtime === undefined ? {} : { runtime }) });
  if (mode.json) printJson(report);
  else if (!mode.quiet) printChecks(`host: ${report.host.os}, kernel ${report.host.kernel}, ${report.host.arch}`, report.checks);
  return report.ok ? 0 : 1;
}

function printChecks(head: string, checks: DoctorCheck[]): void {
  const mark = { ok: 'ok', warn: 'warn', missing: 'MISSING' } as const;
  process.stdout.write(`${head}\n\n`);
  process.stdout.write(`${formatTable(['CHECK', 'STATUS', 'DETAIL'], checks.map((c) => [c.title, mark[c.status], c.detail]))}\n`);
  const fixes = checks.filter((c) => c.status !== 'ok' && c.fix !== undefined);
  if (fixes.length > 0) {
    process.stdout.write('\nto fix:\n');
    for (const c of fixes) process.stdout.write(`  ${c.title}: ${c.fix}\n`);
  }
}

/** A FreeBSD or illumos host, asked through its executor what it has for zones. */
async function managedDoctor(m: ManagedBackend, stateRoot: string, mode: OutputMode): Promise<number> {
  const checks = await m.doctor(stateRoot);
  const host = { os: m.host.distro ?? m.host.kind, kernel: m.host.release, arch: m.host.machine, target: m.executor.target };
  const ok = checks.every((c) => c.status !== 'missing');
  if (mode.json) printJson({ host, checks, ok });
  else if (!mode.quiet) printChecks(`host: ${host.target}: ${host.os}, release ${host.kernel}, ${host.arch}`, checks);
  return ok ? 0 : 1;
}
