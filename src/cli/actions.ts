// What each command does once its arguments are parsed: one call into a verb, then the
// rendering. Shared by the yargs command line and the fast path for hot commands. The
// fast path's verbs (exec, list, info, boot, halt, clone) are imported here and bundled
// into dist/zonectl.mjs; the rest load when they run, as their modules would cost every
// hot command start-up time (scripts/build.mjs).
import { Context } from '../verbs/context.js';
import type { HostMaker } from '../hosts/connect.js';
import { LinuxHost } from '../hosts/linux/host.js';
import { ZoneStore } from '../core/store.js';
import type { ZoneHost } from '../hosts/zone-host.js';
// Our own modules are all imported statically, so the bundle keeps them in one file
// (each extra ES module costs Node start-up time); only large third-party libraries
// (yargs, rxjs, yaml, cli-progress) and the generated validators load on demand.
import { configureZone, createZone, deleteZone, listZones, zoneInfo } from '../verbs/config.js';
import { consoleZone, execInZone, loginZone } from '../verbs/enter.js';
import { bootZone, haltZone, readyZone, rebootZone, shutdownZone } from '../verbs/lifecycle.js';
import { cloneZone, rollbackZone, snapshotCreate, snapshotDelete, snapshotList } from '../verbs/storage.js';
import { ZoneError } from '../core/errors.js';
import { formatSize } from '../core/units.js';
import type { ZoneView } from '../core/zone.js';
import type { FastCommand } from './fast-argv.js';
import { packageVersion } from '../core/datafiles.js';
import { formatTable, printJson, renderError, say, type OutputMode } from './render.js';

export interface Global {
  root: string;
  json: boolean;
  quiet: boolean;
  lockTimeout: number;
  runtime?: string;
}

/** The FreeBSD or illumos host this run works on, when --host named one or zonectl
 * runs on such a machine itself; set once, before any command runs. Else this Linux host. */
let toolHost: HostMaker | undefined;

export function useToolHost(host: HostMaker): void {
  toolHost = host;
}

function hostOf(g: Global, warn: (m: string) => void): ZoneHost {
  if (toolHost !== undefined) return toolHost(g.root);
  return new LinuxHost(new ZoneStore(g.root), g.runtime, warn);
}

export function contextOf(g: Global): Context {
  // Warnings go to stderr even with --json (stdout stays one JSON document); -q hides them.
  const warn = (m: string): void => {
    if (!g.quiet) process.stderr.write(`zonectl: warning: ${m}\n`);
  };
  return new Context({ root: g.root, lockTimeoutMs: g.lockTimeout * 1000, warn }, hostOf(g, warn));
}

export function modeOf(g: Global): OutputMode {
  return { json: g.json, quiet: g.quiet };
}

/** Runs a command that the fast path parsed (fast-argv.ts). */
export function runFast(c: FastCommand): Promise<number> {
  switch (c.kind) {
    case 'list':
      return runAction(c.g, () => listAction(c.g));
    case 'info':
      return runAction(c.g, () => infoAction(c.g, c.name));
    case 'lifecycle':
      return runAction(c.g, () => lifecycleAction(c.g, c.name, c.verb));
    case 'exec':
      return runAction(c.g, () => execAction(c.g, c.name, c.exec));
    case 'clone':
      return runAction(c.g, () => cloneAction(c.g, c.source, c.target));
    case 'version':
      // What yargs prints for --version, without loading yargs (~40 ms).
      process.stdout.write(`${packageVersion()}\n`);
      return Promise.resolve(0);
  }
}

/** Runs an action and turns any error into its one rendered line and exit status. */
export async function runAction(g: Global, fn: () => Promise<number | void>): Promise<number> {
  try {
    return (await fn()) ?? 0;
  } catch (e) {
    return renderError(e, modeOf(g));
  }
}

function showZone(g: Global, v: ZoneView, line: string): void {
  if (g.json) printJson(v);
  else say(modeOf(g), line);
}

function infoText(v: ZoneView): string {
  const lines = [`zonename: ${v.name}`, `brand: ${v.brand}`, `state: ${v.state}`, `zonepath: ${v.zonepath}`];
  for (const [k, val] of Object.entries(v.config).sort()) lines.push(`${k}: ${val}`);
  if (v.userland !== undefined) {
    const u = v.userland;
    lines.push(`userland: ${u.recipe ?? u.source ?? u.method} (${u.arch}, installed ${u.installedAt})`);
    // What the userland asked for; a config key of the same name overrides it.
    for (const [k, val] of Object.entries(u.attributes ?? {}).sort()) {
      if (v.config[k] === undefined) lines.push(`${k}: ${val} (from the userland)`);
    }
  }
  if (v.emulation !== undefined) {
    const e = v.emulation;
    lines.push(`running: ${e.mode === 'native' ? 'native (the kernel runs its programs)' : `qemu (${e.emulator ?? 'QEMU'} via binfmt_misc handler ${e.handler ?? '?'})`}`);
  }
  for (const h of v.helpers ?? []) lines.push(`helper: ${h.name} (pid ${h.pid}, ${h.rssKb} kB resident)`);
  for (const a of v.addresses ?? []) lines.push(`address: ${a.address} on ${a.bridge}`);
  if (v.usage !== undefined) lines.push(...usageLines(v));
  return lines.join('\n');
}

/** Current use against each cap, as `info` prints it. */
function usageLines(v: ZoneView): string[] {
  const u = v.usage ?? {};
  const of = (cap: string | undefined, what: string): string => (cap === undefined ? `${what} (no cap)` : `${what} of ${cap}`);
  const out: string[] = [];
  if (u.memoryBytes !== undefined) out.push(`memory in use: ${of(v.config['capped-memory'], formatSize(u.memoryBytes))}`);
  if (u.processes !== undefined) out.push(`processes: ${of(v.config['max-processes'], String(u.processes))}`);
  if (u.cpuSeconds !== undefined) {
    const cap = v.config['capped-cpu'];
    out.push(`cpu time used: ${u.cpuSeconds.toFixed(2)} s${cap === undefined ? ' (no cap)' : ` (capped at ${cap} CPU)`}`);
  }
  return out;
}

async function confirmDestroy(g: Global, force: boolean, what: string): Promise<void> {
  if (force) return;
  if (process.stdin.isTTY !== true || g.json) {
    throw new ZoneError('refused', `${what} removes data: refusing without -F when not on a terminal`, {
      hint: 'add -F to confirm',
    });
  }
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(`Are you sure you want to ${what} (y/[n])? `);
  rl.close();
  if (!/^y(es)?$/i.test(answer.trim())) throw new ZoneError('refused', `${what}: not confirmed`);
}

export async function createAction(g: Global, name: string, brand: string, sets: string[]): Promise<void> {
  const v = await createZone(contextOf(g), { name, brand, config: {} }, sets);
  showZone(g, v, `zone ${v.name} configured (brand ${v.brand}, zonepath ${v.zonepath})`);
}

export async function configureAction(g: Global, name: string, sets: string[], unsets: string[]): Promise<void> {
  const v = await configureZone(contextOf(g), name, sets, unsets);
  showZone(g, v, infoText(v));
}

/** A file the user names (a zonecfg or jail.conf file), read here; one line if it cannot be. */
async function readUserFile(file: string, zone?: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return readFile(file, 'utf8').catch((e: unknown) => {
    throw new ZoneError('not-found', `cannot read ${file}: ${(e as Error).message}`, zone === undefined ? {} : { zone });
  });
}

export async function configureFileAction(g: Global, name: string, file: string): Promise<void> {
  const text = await readUserFile(file, name);
  const { configureFromZonecfg } = await import('../verbs/interchange.js');
  const v = await configureFromZonecfg(contextOf(g), name, text, file);
  showZone(g, v, infoText(v));
}

export async function consoleAction(g: Global, name: string): Promise<number> {
  return consoleZone(contextOf(g), name);
}

export async function exportAction(g: Global, name: string, format: string): Promise<void> {
  const { record } = await contextOf(g).store.read(name);
  const { exportJailConf, exportZonecfg } = await import('../verbs/interchange.js');
  const text = format === 'jail.conf' ? await exportJailConf(record) : exportZonecfg(record);
  if (g.json) printJson({ name, format, text });
  else process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export async function importAction(g: Global, file: string, name: string | undefined, dryRun: boolean): Promise<void> {
  const text = await readUserFile(file);
  const { importJailConf } = await import('../verbs/interchange.js');
  const zones = await importJailConf(contextOf(g), text, file, name, dryRun);
  if (g.json) printJson(zones);
  else for (const z of zones) say(modeOf(g), `${dryRun ? 'would import' : 'imported'} jail ${z.name} as zone ${z.name} (brand ${z.brand}, zonepath ${z.zonepath}, ${z.state})`);
}

export async function infoAction(g: Global, name: string): Promise<void> {
  const v = await zoneInfo(contextOf(g), name);
  if (g.json) printJson(v);
  else process.stdout.write(`${infoText(v)}\n`);
}

/** Says on stderr which zone could not be read, without stopping the listing. */
function reportBroken(broken: string[]): (name: string, e: unknown) => void {
  return (name, e) => {
    broken.push(name);
    process.stderr.write(`zonectl: zone "${name}" cannot be read: ${e instanceof Error ? e.message : String(e)}\n`);
  };
}

export async function listAction(g: Global): Promise<number> {
  const broken: string[] = [];
  const zones = await listZones(contextOf(g), reportBroken(broken));
  if (g.json) printJson(zones);
  else
    process.stdout.write(
      `${formatTable(
        ['NAME', 'BRAND', 'STATE', 'ZONEPATH'],
        zones.map((z) => [z.name, z.brand, z.state, z.zonepath]),
      )}\n`,
    );
  return broken.length === 0 ? 0 : 1;
}

export interface InstallArgs {
  zone: string | undefined;
  recipe: string | undefined;
  source: string | undefined;
  brand: string | undefined;
  name: string | undefined;
  arch: string | undefined;
  inPlace: boolean;
  mirrors: string[];
  maxSize: string | undefined;
  maxEntries: string | undefined;
  release?: string | undefined;
  identity?: 'unconfigure' | 'preserve' | undefined;
}

export async function installAction(g: Global, args: InstallArgs): Promise<void> {
  const { installCommand } = await import('./install-command.js');
  const v = await installCommand(contextOf(g), args, modeOf(g));
  showZone(g, v, `zone ${v.name} installed`);
}

export async function uninstallAction(g: Global, name: string, force: boolean, promoteClones = false): Promise<void> {
  const ctx = contextOf(g);
  await ctx.store.read(name);
  await confirmDestroy(g, force, `uninstall zone ${name}`);
  await (await import('../verbs/install.js')).uninstallZone(ctx, name, promoteClones);
  showZone(g, await zoneInfo(ctx, name), `zone ${name} uninstalled`);
}

export async function deleteAction(g: Global, name: string, force: boolean, promoteClones = false): Promise<void> {
  await deleteZone(contextOf(g), name, force, promoteClones);
  if (g.json) printJson({ name, deleted: true });
  else say(modeOf(g), `zone ${name} deleted`);
}

export async function cloneAction(g: Global, source: string, target: string): Promise<void> {
  const ctx = contextOf(g);
  const t0 = Date.now();
  await cloneZone(ctx, source, target);
  showZone(g, await zoneInfo(ctx, target), `zone ${target} cloned from ${source} in ${Date.now() - t0} ms`);
}

export async function snapshotAction(g: Global, zone: string, action: string, snap: string | undefined): Promise<void> {
  const ctx = contextOf(g);
  if (action === 'list') {
    const list = await snapshotList(ctx, zone);
    if (g.json) printJson(list);
    else
      say(
        modeOf(g),
        formatTable(
          ['SNAPSHOT', 'CREATED', 'HOLDS'],
          list.map((s) => [s.name, s.createdAt, formatSize(s.bytes)]),
        ),
      );
    return;
  }
  if (snap === undefined) throw new ZoneError('usage', `snapshot ${action} needs a snapshot name`, { zone, hint: `zonectl snapshot ${zone} ${action} NAME` });
  if (action === 'create') {
    const s = await snapshotCreate(ctx, zone, snap);
    if (g.json) printJson(s);
    else say(modeOf(g), `snapshot ${zone}@${snap} created (${formatSize(s.bytes)} of changes)`);
    return;
  }
  const freed = await snapshotDelete(ctx, zone, snap);
  if (g.json) printJson({ name: snap, deleted: true, layersFreed: freed });
  else say(modeOf(g), `snapshot ${zone}@${snap} deleted${freed > 0 ? ` (${freed} layers freed)` : ''}`);
}

export async function rollbackAction(g: Global, zone: string, snap: string): Promise<void> {
  const ctx = contextOf(g);
  await rollbackZone(ctx, zone, snap);
  showZone(g, await zoneInfo(ctx, zone), `zone ${zone} rolled back to ${snap}`);
}

export type LifecycleVerb = 'ready' | 'boot' | 'halt' | 'reboot';

export async function lifecycleAction(g: Global, name: string, verb: LifecycleVerb): Promise<void> {
  const ctx = contextOf(g);
  const fn = { ready: readyZone, boot: bootZone, halt: haltZone, reboot: rebootZone }[verb];
  await fn(ctx, name);
  const done = { ready: 'is ready', boot: 'booted', halt: 'halted', reboot: 'rebooted' }[verb];
  if (g.json) {
    printJson(await zoneInfo(ctx, name));
  } else say(modeOf(g), `zone ${name} ${done}`);
}

export async function shutdownAction(g: Global, name: string, timeout: number): Promise<void> {
  const ctx = contextOf(g);
  const r = await shutdownZone(ctx, name, timeout);
  const v = await zoneInfo(ctx, name);
  if (g.json) printJson({ ...v, shutdown: r });
  else say(modeOf(g), r.clean ? `zone ${name} shut down (${r.signal}, ${r.seconds.toFixed(1)} s)` : `zone ${name} did not stop within ${timeout} s of ${r.signal}: killed`);
}

export interface ExecArgs {
  argv: string[];
  user: string | undefined;
  cwd: string | undefined;
  env: string[];
  tty: boolean;
}

export async function execAction(g: Global, name: string, a: ExecArgs): Promise<number> {
  for (const e of a.env) if (!/^[^=]+=/.test(e)) throw new ZoneError('usage', `--env "${e}": expected KEY=VALUE`);
  return execInZone(contextOf(g), name, a.argv, {
    env: a.env,
    tty: a.tty,
    ...(a.user === undefined ? {} : { user: a.user }),
    ...(a.cwd === undefined ? {} : { cwd: a.cwd }),
  });
}

export async function loginAction(g: Global, name: string, user: string | undefined): Promise<number> {
  return loginZone(contextOf(g), name, user);
}

export async function brandsAction(g: Global, action: string, brand: string | undefined, zone: string | undefined): Promise<number> {
  return (await import('./data-commands.js')).brandsCommand(contextOf(g), action, brand, zone, modeOf(g));
}

export async function recipesAction(g: Global, action: string, recipe: string | undefined): Promise<number> {
  return (await import('./data-commands.js')).recipesCommand(action, recipe, modeOf(g));
}

export async function doctorAction(g: Global): Promise<number> {
  return (await import('./doctor-command.js')).doctorCommand(contextOf(g), modeOf(g));
}

/** Boots every installed zone whose autoboot is true: what a host's boot-time unit
 * runs (as illumos's svc:/system/zones does). One zone failing does not stop the rest. */
export async function autobootAction(g: Global): Promise<number> {
  const broken: string[] = [];
  const { autobootZones } = await import('../verbs/autoboot.js');
  const results = await autobootZones(
    contextOf(g),
    (r) => {
      if (r.booted) say(modeOf(g), `zone ${r.name} booted`);
      else renderError(r.cause, { json: false, quiet: g.quiet });
    },
    reportBroken(broken),
  );
  if (g.json) printJson(results.map(({ cause: _cause, ...r }) => r));
  return broken.length === 0 && results.every((r) => r.booted) ? 0 : 1;
}
