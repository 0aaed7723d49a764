// rctl(8) for a jail: the rules that make the zone's caps (memoryuse, maxproc, pcpu
// per jail name, deny over the amount), and what `rctl -u jail:NAME` reports it uses.
import type { ZoneUsage } from '../../core/zone.js';
import { sizeBytes } from '../../core/units.js';
import type { ZoneRecord } from '../../core/zone.js';

/** The config keys rctl enforces. */
export const CAP_KEYS = ['capped-memory', 'max-processes', 'capped-cpu'] as const;

export function hasCaps(record: ZoneRecord): boolean {
  return CAP_KEYS.some((k) => record.config[k] !== undefined);
}

/** `jail:NAME:resource:deny=AMOUNT` for each cap the zone has. */
export function rctlRules(record: ZoneRecord): string[] {
  const subject = `jail:${record.name}`;
  const rules: string[] = [];
  const mem = record.config['capped-memory'];
  const bytes = mem === undefined ? undefined : sizeBytes(mem);
  if (bytes !== undefined) rules.push(`${subject}:memoryuse:deny=${bytes}`);
  const procs = record.config['max-processes'];
  if (procs !== undefined) rules.push(`${subject}:maxproc:deny=${procs}`);
  const cpu = record.config['capped-cpu'];
  // pcpu is a percentage of one CPU: 1.5 CPUs = 150.
  if (cpu !== undefined) rules.push(`${subject}:pcpu:deny=${Math.round(Number(cpu) * 100)}`);
  return rules;
}

// humanize_number(3) without HN_B or HN_DIVISOR_1000, as rctl -h prints: powers of 1024.
const UNITS: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40, P: 2 ** 50, E: 2 ** 60 };

function amount(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([KMGTPE]?)B?$/.exec(text.trim());
  return m === null ? undefined : Math.round(Number(m[1]) * (UNITS[m[2] as string] as number));
}

/** `rctl -u` or `rctl -hu` output (`resource=amount`, one a line or blank-separated). */
export function parseRctlUsage(text: string): ZoneUsage {
  const values = new Map<string, number>();
  for (const pair of text.split(/\s+/)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const n = amount(pair.slice(eq + 1));
    if (n !== undefined) values.set(pair.slice(0, eq), n);
  }
  const usage: ZoneUsage = {};
  const memory = values.get('memoryuse');
  const processes = values.get('maxproc');
  const cpu = values.get('cputime');
  if (memory !== undefined) usage.memoryBytes = memory;
  if (processes !== undefined) usage.processes = processes;
  if (cpu !== undefined) usage.cpuSeconds = cpu;
  return usage;
}
