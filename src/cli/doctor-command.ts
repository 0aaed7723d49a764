// `zonectl doctor`: the host report, as a table or JSON. Exit 1 when something a zone
// needs is missing, so scripts can gate on it.
import { runDoctor } from '../doctor/doctor.js';
import { formatTable, printJson, type OutputMode } from './render.js';

export async function doctorCommand(runtime: string | undefined, stateRoot: string, mode: OutputMode): Promise<number> {
  const report = await runDoctor({ stateRoot, ...(runtime === undefined ? {} : { runtime }) });
  if (mode.json) {
    printJson(report);
  } else if (!mode.quiet) {
    const mark = { ok: 'ok', warn: 'warn', missing: 'MISSING' } as const;
    process.stdout.write(`host: ${report.host.os}, kernel ${report.host.kernel}, ${report.host.arch}\n\n`);
    process.stdout.write(`${formatTable(['CHECK', 'STATUS', 'DETAIL'], report.checks.map((c) => [c.title, mark[c.status], c.detail]))}\n`);
    const fixes = report.checks.filter((c) => c.status !== 'ok' && c.fix !== undefined);
    if (fixes.length > 0) {
      process.stdout.write('\nto fix:\n');
      for (const c of fixes) process.stdout.write(`  ${c.title}: ${c.fix}\n`);
    }
  }
  return report.ok ? 0 : 1;
}
