// `zonectl doctor`: the host report, as a table or JSON. Exit 1 when something a zone
// needs is missing, so scripts can gate on it.
import type { DoctorCheck } from '../probes/check.js';
import type { Context } from '../verbs/context.js';
import { formatTable, printJson, type OutputMode } from './render.js';

export async function doctorCommand(ctx: Context, mode: OutputMode): Promise<number> {
  const report = await ctx.host.doctor();
  if (mode.json) printJson(report);
  else if (!mode.quiet) printChecks(report.summary, report.checks);
  return report.ok ? 0 : 1;
}

function printChecks(head: string, checks: DoctorCheck[]): void {
  const mark = { ok: 'ok', warn: 'warn', missing: 'MISSING' } as const;
  process.stdout.write(`${head}\n\n`);
  process.stdout.write(
    `${formatTable(
      ['CHECK', 'STATUS', 'DETAIL'],
      checks.map((c) => [c.title, mark[c.status], c.detail]),
    )}\n`,
  );
  const fixes = checks.filter((c) => c.status !== 'ok' && c.fix !== undefined);
  if (fixes.length > 0) {
    process.stdout.write('\nto fix:\n');
    for (const c of fixes) process.stdout.write(`  ${c.title}: ${c.fix}\n`);
  }
}
