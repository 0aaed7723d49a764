// What a running zone uses now, read from the cgroups its init is in: memory, process
// count and CPU time, on cgroup v1 controllers (this project's hybrid hosts) or the
// unified v2 hierarchy alike. The runtime made the cgroups; we only read them.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseMountInfo } from '../../probes/linux.js';

import type { ZoneUsage } from './types.js';

/** /proc/PID/cgroup: controller -> path for v1 lines, and '' -> path for the v2 line. */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (m === null) continue;
    const controllers = m[1] as string;
    if (controllers === '') out.set('', m[2] as string);
    else for (const c of controllers.split(',')) out.set(c, m[2] as string);
  }
  return out;
}

/** The directory of `controller`'s cgroup for a process: its v1 hierarchy when it has
 * one, else the v2 hierarchy. */
export function cgroupDir(controller: string, procCgroup: Map<string, string>, mountinfo: string): string | undefined {
  const mounts = parseMountInfo(mountinfo);
  const v1Path = procCgroup.get(controller);
  if (v1Path !== undefined) {
    const m = mounts.find((e) => e.fsType === 'cgroup' && e.superOptions.includes(controller));
    if (m !== undefined) return join(m.mountPoint, v1Path);
  }
  const v2Path = procCgroup.get('');
  const unified = mounts.find((e) => e.fsType === 'cgroup2');
  return v2Path === undefined || unified === undefined ? undefined : join(unified.mountPoint, v2Path);
}

async function readNumber(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  const n = text === undefined ? NaN : Number(text.trim());
  return Number.isFinite(n) ? n : undefined;
}

/** CPU seconds from v1's cpuacct.usage (ns) or v2's cpu.stat usage_usec. */
async function cpuSeconds(dir: string | undefined): Promise<number | undefined> {
  if (dir === undefined) return undefined;
  const ns = await readNumber(join(dir, 'cpuacct.usage'));
  if (ns !== undefined) return ns / 1e9;
  const stat = await readFile(join(dir, 'cpu.stat'), 'utf8').catch(() => '');
  const m = /^usage_usec (\d+)$/m.exec(stat);
  return m === null ? undefined : Number(m[1]) / 1e6;
}

export async function zoneUsage(initPid: number): Promise<ZoneUsage | undefined> {
  const [procCgroup, mountinfo] = await Promise.all([readFile(`/proc/${initPid}/cgroup`, 'utf8').catch(() => undefined), readFile('/proc/self/mountinfo', 'utf8')]);
  if (procCgroup === undefined) return undefined;
  const cg = parseProcCgroup(procCgroup);
  const dir = (c: string): string | undefined => cgroupDir(c, cg, mountinfo);
  const memDir = dir('memory');
  const pidsDir = dir('pids');
  const [memV1, memV2, processes, cpu] = await Promise.all([
    memDir === undefined ? undefined : readNumber(join(memDir, 'memory.usage_in_bytes')),
    memDir === undefined ? undefined : readNumber(join(memDir, 'memory.current')),
    pidsDir === undefined ? undefined : readNumber(join(pidsDir, 'pids.current')),
    cpuSeconds(dir('cpuacct') ?? dir('cpu')),
  ]);
  const usage: ZoneUsage = {};
  const memoryBytes = memV1 ?? memV2;
  if (memoryBytes !== undefined) usage.memoryBytes = memoryBytes;
  if (processes !== undefined) usage.processes = processes;
  if (cpu !== undefined) usage.cpuSeconds = cpu;
  return usage;
}
