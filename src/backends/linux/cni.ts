// A zone's network (ip-type exclusive with net-address set), made by the standard CNI
// plugins (Debian's containernetworking-plugins: bridge with host-local IPAM, portmap,
// firewall) run by zonectl around the runtime, as the CNI spec says a runtime runs a
// network configuration list: ADD in order with each result passed on, DEL in
// reverse. host-local's allocations are files under /var/lib/cni/networks, keyed by
// container ID, so an address stays taken until DEL, even across a crash.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../../core/atomic.js';
import { runCapture } from '../../transport/local.js';
import { ZoneError } from '../../core/errors.js';
import type { NetPlan } from '../../brands/plan.js';

export const CNI_PATHS = ['/usr/lib/cni', '/opt/cni/bin'];
const CNI_VERSION = '1.0.0';
const RESULT_FILE = 'cni.json';

export function cniPath(): string | undefined {
  return CNI_PATHS.find((p) => existsSync(join(p, 'bridge')) && existsSync(join(p, 'host-local')));
}

type PluginConf = Record<string, unknown> & { type: string };

export interface ConfList {
  cniVersion: string;
  name: string;
  plugins: PluginConf[];
}

/** The configuration list for a zone's network: one network per bridge. */
export function confList(net: NetPlan): ConfList {
  const plugins: PluginConf[] = [
    {
      type: 'bridge',
      bridge: net.bridge,
      isGateway: true,
      ipMasq: true,
      hairpinMode: true,
      ipam: { type: 'host-local', ranges: [[{ subnet: net.subnet }]], routes: [{ dst: '0.0.0.0/0' }] },
    },
    { type: 'firewall', backend: 'iptables' },
  ];
  if (net.forwards.length > 0) plugins.push({ type: 'portmap', capabilities: { portMappings: true }, snat: true });
  return { cniVersion: CNI_VERSION, name: `zonectl-${net.bridge}`, plugins };
}

interface CniCall {
  command: 'ADD' | 'DEL';
  containerId: string;
  netns: string;
  args?: string;
  path: string;
}

/** Runs one plugin: its configuration on stdin, the call in its environment. */
function runPlugin(conf: object, type: string, call: CniCall, zone: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(call.path, type), [], {
      env: {
        PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
        CNI_COMMAND: call.command,
        CNI_CONTAINERID: call.containerId,
        CNI_NETNS: call.netns,
        CNI_IFNAME: 'eth0',
        CNI_PATH: call.path,
        ...(call.args === undefined ? {} : { CNI_ARGS: call.args }),
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) =>
      reject(new ZoneError('host-missing', `zone "${zone}": CNI plugin ${type}: ${e.message}`, { zone, hint: 'apt-get install containernetworking-plugins iptables' })),
    );
    child.stdin.on('error', () => undefined); // a plugin that exits early: its status says why
    child.on('close', (code) => {
      const text = Buffer.concat(out).toString('utf8');
      if (code === 0) {
        try {
          resolve(text.trim() === '' ? undefined : (JSON.parse(text) as unknown));
        } catch {
          reject(new ZoneError('runtime', `zone "${zone}": CNI ${call.command} of ${type} printed no JSON result`, { zone }));
        }
        return;
      }
      // CNI errors are JSON on stdout: {"code": N, "msg": "...", "details": "..."}
      let why = Buffer.concat(err).toString('utf8').trim();
      try {
        const e = JSON.parse(text) as { msg?: string; details?: string };
        why = [e.msg, e.details].filter((x) => x !== undefined && x !== '').join(': ') || why;
      } catch {
        // not JSON: stderr says it
      }
      reject(new ZoneError('runtime', `zone "${zone}": CNI ${call.command} of ${type} failed: ${why || `exit ${code}`}`, { zone }));
    });
    child.stdin.end(JSON.stringify(conf));
  });
}

export interface CniState {
  containerId: string;
  confList: ConfList;
  runtimeConfig: Record<string, unknown>;
  args?: string;
  /** The final result of ADD, once it completed. */
  result?: { ips?: Array<{ address: string; gateway?: string }> };
}

function pluginConf(list: ConfList, p: PluginConf, runtimeConfig: Record<string, unknown>, prevResult: unknown): object {
  const caps = (p.capabilities ?? {}) as Record<string, boolean>;
  const rc = Object.fromEntries(Object.entries(runtimeConfig).filter(([k]) => caps[k] === true));
  const { capabilities: _caps, ...rest } = p;
  return {
    cniVersion: list.cniVersion,
    name: list.name,
    ...rest,
    ...(Object.keys(rc).length === 0 ? {} : { runtimeConfig: rc }),
    ...(prevResult === undefined ? {} : { prevResult }),
  };
}

/** ADD: every plugin in order, each given the previous result. The state is written
 * before the first plugin runs, so that a crash at any point leaves enough for DEL. */
export async function cniAdd(zoneDir: string, zone: string, net: NetPlan, containerId: string, netns: string): Promise<CniState> {
  // What an earlier boot left (a crash, a failed DEL) is released first, or its lease
  // would stay taken under this zone's ID for good.
  if ((await readCniState(zoneDir)) !== undefined) await cniDel(zoneDir, zone, netns);
  if (net.address !== undefined) return addOnce(zoneDir, zone, net, containerId, netns);
  // The lowest free address, so that a halted zone's address is the next one handed
  // out (host-local alone goes round-robin). host-local still decides under its lock:
  // if another boot took it meanwhile, try the next.
  for (let attempt = 0; ; attempt++) {
    const address = await lowestFree(net);
    try {
      return await addOnce(zoneDir, zone, { ...net, ...(address === undefined ? {} : { address }) }, containerId, netns);
    } catch (e) {
      if (attempt >= 4 || !(e instanceof ZoneError) || !/not available|already (been )?allocated|reserved/i.test(e.message)) throw e;
      // With the live netns: bridge then removes the eth0 it made, or the next ADD fails.
      await cniDel(zoneDir, zone, netns).catch(() => undefined);
    }
  }
}

/** host-local's leases: one file per address under /var/lib/cni/networks/NAME. */
export const IPAM_DIR = '/var/lib/cni/networks';

function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, p) => n * 256 + Number(p), 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** The first address of the subnet after the gateway (its first) that no lease holds. */
export function firstFree(subnet: string, leased: Set<string>): string | undefined {
  const [base, len] = subnet.split('/') as [string, string];
  const size = 2 ** (32 - Number(len));
  const start = ipToInt(base) - (ipToInt(base) % size);
  for (let i = 2; i < size - 1; i++) {
    const ip = intToIp(start + i);
    if (!leased.has(ip)) return ip;
  }
  return undefined;
}

async function lowestFree(net: NetPlan): Promise<string | undefined> {
  const files = await readdir(join(IPAM_DIR, confList(net).name)).catch(() => [] as string[]);
  return firstFree(net.subnet, new Set(files.filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f))));
}

async function addOnce(zoneDir: string, zone: string, net: NetPlan, containerId: string, netns: string): Promise<CniState> {
  const path = cniPath();
  if (path === undefined) {
    throw new ZoneError('host-missing', `zone "${zone}" has a network (net-address), but no CNI plugins were found in ${CNI_PATHS.join(' or ')}`, {
      zone,
      hint: 'apt-get install containernetworking-plugins iptables',
    });
  }
  const state: CniState = {
    containerId,
    confList: confList(net),
    runtimeConfig: { portMappings: net.forwards.map((f) => ({ hostPort: f.host, containerPort: f.zone, protocol: f.protocol })) },
    // IgnoreUnknown: CNI_ARGS reach every plugin, and only host-local knows IP.
    ...(net.address === undefined ? {} : { args: `IgnoreUnknown=1;IP=${net.address}` }),
  };
  await writeJsonAtomic(join(zoneDir, RESULT_FILE), state);
  let prev: unknown;
  for (const p of state.confList.plugins) {
    prev =
      (await runPlugin(
        pluginConf(state.confList, p, state.runtimeConfig, prev),
        p.type,
        { command: 'ADD', containerId, netns, path, ...(state.args === undefined ? {} : { args: state.args }) },
        zone,
      )) ?? prev;
  }
  state.result = prev as CniState['result'];
  await writeJsonAtomic(join(zoneDir, RESULT_FILE), state);
  return state;
}

export async function readCniState(zoneDir: string): Promise<CniState | undefined> {
  const text = await readFile(join(zoneDir, RESULT_FILE), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as CniState);
}

/** DEL: every plugin in reverse, with the ADD result. Given the zone's live network
 * namespace, bridge removes its interface and its masquerade rule (it finds them
 * there); without it (the zone is gone), the plugins release what they hold on the
 * host and the masquerade rule is removed here by its comment. Idempotent. */
export async function cniDel(zoneDir: string, zone: string, netns = ''): Promise<void> {
  const state = await readCniState(zoneDir);
  const path = cniPath();
  if (state === undefined || path === undefined) return;
  const errors: string[] = [];
  for (const p of [...state.confList.plugins].reverse()) {
    try {
      await runPlugin(
        pluginConf(state.confList, p, state.runtimeConfig, state.result),
        p.type,
        { command: 'DEL', containerId: state.containerId, netns, path, ...(state.args === undefined ? {} : { args: state.args }) },
        zone,
      );
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  if (netns === '') await removeMasquerade(state.containerId);
  if (errors.length > 0) throw new ZoneError('runtime', errors[0] as string, { zone, hint: `the state is kept in ${join(zoneDir, RESULT_FILE)}; halt again to retry` });
  await rm(join(zoneDir, RESULT_FILE), { force: true });
}

/** The bridge plugin's nat rules for a container (POSTROUTING -> CNI-xxx, commented
 * with its id), which its DEL cannot find once the namespace is gone. */
async function removeMasquerade(containerId: string): Promise<void> {
  const rules = await runCapture(['iptables', '-t', 'nat', '-S', 'POSTROUTING']).catch(() => undefined);
  for (const line of (rules?.stdout ?? '').split('\n')) {
    if (!line.startsWith('-A POSTROUTING') || !line.includes(`id: \\"${containerId}\\"`)) continue;
    const chain = / -j (CNI-[0-9a-f]+)/.exec(line)?.[1];
    // The rule as iptables printed it, deleted through a shell-free argv.
    const argv = line.replace(/^-A /, '-D ').match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
    await runCapture(['iptables', '-t', 'nat', ...argv.map((a) => (a.startsWith('"') ? a.slice(1, -1).replace(/\\"/g, '"') : a))]).catch(() => undefined);
    if (chain !== undefined) {
      await runCapture(['iptables', '-t', 'nat', '-F', chain]).catch(() => undefined);
      await runCapture(['iptables', '-t', 'nat', '-X', chain]).catch(() => undefined);
    }
  }
}
