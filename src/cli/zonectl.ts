#!/usr/bin/env node
// zonectl's command line: parse (yargs), make one call into core, render the result.
// The CLI never touches the disk itself; heavy modules load only on commands that need them.
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { Context } from '../core/context.js';
import { ZoneError } from '../core/errors.js';
import { formatTable, printJson, renderError, say, type OutputMode } from './render.js';
import type { ZoneView } from '../core/zone.js';

interface Global {
  root: string;
  json: boolean;
  quiet: boolean;
  lockTimeout: number;
  runtime?: string;
}

/** Parsed arguments as yargs hands them over; read through the typed accessors below. */
type Raw = Record<string, unknown>;

function str(a: Raw, key: string): string | undefined {
  const v = a[key];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}
function need(a: Raw, key: string): string {
  const v = str(a, key);
  if (v === undefined) throw new ZoneError('usage', `missing ${key}`, { hint: 'zonectl --help' });
  return v;
}
function strs(a: Raw, key: string): string[] {
  const v = a[key];
  return Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [];
}
function bool(a: Raw, key: string): boolean {
  return a[key] === true;
}
function num(a: Raw, key: string, fallback: number): number {
  const v = a[key];
  return typeof v === 'number' ? v : fallback;
}
function globalOf(a: Raw): Global {
  const runtime = str(a, 'runtime');
  return {
    root: str(a, 'root') ?? '/var/lib/zonectl',
    json: bool(a, 'json'),
    quiet: bool(a, 'quiet'),
    lockTimeout: num(a, 'lockTimeout', 10),
    ...(runtime === undefined ? {} : { runtime }),
  };
}

function contextOf(a: Global): Context {
  return new Context({
    root: a.root,
    lockTimeoutMs: a.lockTimeout * 1000,
    ...(a.runtime === undefined ? {} : { runtime: a.runtime }),
  });
}

function modeOf(a: Global): OutputMode {
  return { json: a.json, quiet: a.quiet };
}

function showZone(a: Global, v: ZoneView, line: string): void {
  if (a.json) printJson(v);
  else say(modeOf(a), line);
}

function zoneTable(zones: ZoneView[]): string {
  return formatTable(
    ['NAME', 'BRAND', 'STATE', 'ZONEPATH'],
    zones.map((z) => [z.name, z.brand, z.state, z.zonepath]),
  );
}

function infoText(v: ZoneView): string {
  const lines = [`zonename: ${v.name}`, `brand: ${v.brand}`, `state: ${v.state}`, `zonepath: ${v.zonepath}`];
  for (const [k, val] of Object.entries(v.config).sort()) lines.push(`${k}: ${val}`);
  if (v.userland !== undefined) {
    const u = v.userland;
    lines.push(`userland: ${u.recipe ?? u.source ?? u.method} (${u.arch}, installed ${u.installedAt})`);
  }
  return lines.join('\n');
}

/** Exit status set by handlers; yargs' own parse errors use 2 in .fail(). */
let exitStatus = 0;

/** Wraps a handler: errors become one rendered line and a status, never a stack trace. */
function run(fn: (a: Raw & Global) => Promise<number | void>): (a: Raw) => Promise<void> {
  return async (a) => {
    const g = globalOf(a);
    try {
      exitStatus = (await fn({ ...a, ...g })) ?? 0;
    } catch (e) {
      exitStatus = renderError(e, modeOf(g));
    }
  };
}

async function confirmDestroy(a: Raw & Global, what: string): Promise<void> {
  if (bool(a, 'force')) return;
  if (process.stdin.isTTY !== true || a.json) {
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

const zoneArg = <T>(y: Argv<T>) =>
  y.positional('name', { type: 'string', demandOption: true, describe: 'zone name' }) as Argv<T & { name: string }>;

export function buildCli(argv: string[]): Argv<Global> {
  return yargs(argv)
    .scriptName('zonectl')
    .usage('$0 <command> [options]\n\nOS-level zones with one set of commands: create, install, boot, enter, halt, delete.')
    .parserConfiguration({ 'populate--': true })
    .option('root', {
      type: 'string',
      default: process.env.ZONECTL_ROOT ?? '/var/lib/zonectl',
      defaultDescription: '$ZONECTL_ROOT or /var/lib/zonectl',
      describe: 'state root holding the zones',
      global: true,
    })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON document on stdout', global: true })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'print nothing but errors', global: true })
    .option('lock-timeout', {
      type: 'number',
      default: Number(process.env.ZONECTL_LOCK_TIMEOUT ?? 10),
      describe: 'seconds to wait for a zone another zonectl is working on',
      global: true,
    })
    .option('runtime', { type: 'string', choices: ['runc', 'crun'], describe: 'OCI runtime for boots in this run (default: the zone\'s runtime, runc)', global: true })
    .command(
      'create <name>',
      'configure a new zone',
      (y) =>
        zoneArg(y)
          .option('brand', { alias: 'b', type: 'string', demandOption: true, describe: 'brand (zonectl brands)' })
          .option('set', { type: 'string', array: true, default: [], describe: 'KEY=VALUE config setting' }),
      run(async (a) => {
        const { createZone } = await import('../core/zones.js');
        const v = await createZone(contextOf(a), need(a, 'name'), need(a, 'brand'), strs(a, 'set'));
        showZone(a, v, `zone ${v.name} configured (brand ${v.brand}, zonepath ${v.zonepath})`);
      }),
    )
    .command(
      'configure <name>',
      'change a zone\'s configuration',
      (y) =>
        zoneArg(y)
          .option('set', { type: 'string', array: true, default: [], describe: 'KEY=VALUE config setting' })
          .option('unset', { type: 'string', array: true, default: [], describe: 'KEY to reset to its default' }),
      run(async (a) => {
        const { configureZone } = await import('../core/zones.js');
        const v = await configureZone(contextOf(a), need(a, 'name'), strs(a, 'set'), strs(a, 'unset'));
        showZone(a, v, infoText(v));
      }),
    )
    .command(
      'info <name>',
      'show a zone\'s configuration and state',
      (y) => zoneArg(y),
      run(async (a) => {
        const { zoneInfo } = await import('../core/zones.js');
        const v = await zoneInfo(contextOf(a), need(a, 'name'));
        if (a.json) printJson(v);
        else process.stdout.write(`${infoText(v)}\n`);
      }),
    )
    .command(
      ['list', 'ls'],
      'list zones',
      (y) => y,
      run(async (a) => {
        const { listZones } = await import('../core/zones.js');
        const zones = await listZones(contextOf(a));
        if (a.json) printJson(zones);
        else process.stdout.write(`${zoneTable(zones)}\n`);
      }),
    )
    .command(
      'install [zone]',
      'install a zone\'s userland; or with --brand, create and install a zone from a recipe',
      (y) =>
        y
          .positional('zone', { type: 'string', describe: 'zone name (or, with --brand, a recipe)' })
          .option('recipe', { alias: 'r', type: 'string', describe: 'recipe (zonectl recipes)' })
          .option('source', { alias: 's', type: 'string', describe: 'directory to install from' })
          .option('brand', { alias: 'b', type: 'string', describe: 'create the zone with this brand if it does not exist' })
          .option('name', { type: 'string', describe: 'with --brand: the new zone\'s name (default: the recipe\'s)' })
          .conflicts('recipe', 'source'),
      run(async (a) => {
        const { installCommand } = await import('./install-command.js');
        const args = { zone: str(a, 'zone'), recipe: str(a, 'recipe'), source: str(a, 'source'), brand: str(a, 'brand'), name: str(a, 'name') };
        const v = await installCommand(contextOf(a), args, modeOf(a));
        showZone(a, v, `zone ${v.name} installed`);
      }),
    )
    .command(
      'uninstall <name>',
      'remove a zone\'s userland (installed -> configured)',
      (y) => zoneArg(y).option('force', { alias: 'F', type: 'boolean', default: false, describe: 'do not ask' }),
      run(async (a) => {
        const ctx = contextOf(a);
        await ctx.store.read(need(a, 'name'));
        await confirmDestroy(a, `uninstall zone ${need(a, 'name')}`);
        const { uninstallZone } = await import('../core/install.js');
        await uninstallZone(ctx, need(a, 'name'));
        const { zoneInfo } = await import('../core/zones.js');
        showZone(a, await zoneInfo(ctx, need(a, 'name')), `zone ${need(a, 'name')} uninstalled`);
      }),
    )
    .command(
      'delete <name>',
      'remove a zone\'s configuration (-F: halt and uninstall it first)',
      (y) => zoneArg(y).option('force', { alias: 'F', type: 'boolean', default: false, describe: 'also halt and uninstall' }),
      run(async (a) => {
        const { deleteZone } = await import('../core/zones.js');
        await deleteZone(contextOf(a), need(a, 'name'), bool(a, 'force'));
        if (a.json) printJson({ name: need(a, 'name'), deleted: true });
        else say(modeOf(a), `zone ${need(a, 'name')} deleted`);
      }),
    )
    .command(
      'ready <name>',
      'set up the zone\'s namespaces without starting init',
      (y) => zoneArg(y),
      run(async (a) => lifecycle(a, 'ready')),
    )
    .command(
      'boot <name>',
      'start the zone (its init runs on after zonectl returns)',
      (y) => zoneArg(y),
      run(async (a) => lifecycle(a, 'boot')),
    )
    .command(
      'halt <name>',
      'stop the zone at once (kill everything in it)',
      (y) => zoneArg(y),
      run(async (a) => lifecycle(a, 'halt')),
    )
    .command(
      'reboot <name>',
      'halt and boot the zone',
      (y) => zoneArg(y),
      run(async (a) => lifecycle(a, 'reboot')),
    )
    .command(
      'shutdown <name>',
      'send the brand\'s halt signal to init, kill what is left after the timeout',
      (y) => zoneArg(y).option('timeout', { alias: 't', type: 'number', default: 30, describe: 'seconds to wait for init' }),
      run(async (a) => {
        const ctx = contextOf(a);
        const { shutdownZone } = await import('../core/lifecycle.js');
        const r = await shutdownZone(ctx, need(a, 'name'), num(a, 'timeout', 30));
        const { zoneInfo } = await import('../core/zones.js');
        const v = await zoneInfo(ctx, need(a, 'name'));
        if (a.json) printJson({ ...v, shutdown: r });
        else
          say(
            modeOf(a),
            r.clean
              ? `zone ${need(a, 'name')} shut down (${r.signal}, ${r.seconds.toFixed(1)} s)`
              : `zone ${need(a, 'name')} did not stop within ${num(a, 'timeout', 30)} s of ${r.signal}: killed`,
          );
      }),
    )
    .command(
      'exec <name> [command..]',
      'run a command in a running zone (put it after --)',
      (y) =>
        zoneArg(y)
          .positional('command', { type: 'string', array: true, describe: 'command and arguments' })
          .option('user', { alias: 'u', type: 'string', describe: 'user name or uid in the zone' })
          .option('cwd', { alias: 'w', type: 'string', describe: 'working directory in the zone' })
          .option('env', { alias: 'e', type: 'string', array: true, default: [], describe: 'KEY=VALUE environment' })
          .option('tty', { alias: 't', type: 'boolean', default: false, describe: 'allocate a terminal' }),
      run(async (a) => {
        const argv = [...strs(a, 'command'), ...strs(a, '--')];
        const env = strs(a, 'env');
        const user = str(a, 'user');
        const cwd = str(a, 'cwd');
        for (const e of env) if (!/^[^=]+=/.test(e)) throw new ZoneError('usage', `--env "${e}": expected KEY=VALUE`);
        const { execInZone } = await import('../core/enter.js');
        return execInZone(contextOf(a), need(a, 'name'), argv, {
          env,
          tty: bool(a, 'tty'),
          ...(user === undefined ? {} : { user }),
          ...(cwd === undefined ? {} : { cwd }),
        });
      }),
    )
    .command(
      'login <name>',
      'an interactive shell in a running zone',
      (y) => zoneArg(y).option('user', { alias: 'u', type: 'string', describe: 'user name or uid in the zone' }),
      run(async (a) => {
        const { loginZone } = await import('../core/enter.js');
        return loginZone(contextOf(a), need(a, 'name'), str(a, 'user'));
      }),
    )
    .command(
      'brands [action] [brand]',
      'list brands, or `brands show BRAND [--zone Z]`: what a brand will do on this host',
      (y) =>
        y
          .positional('action', { type: 'string', choices: ['list', 'show'], default: 'list' })
          .positional('brand', { type: 'string' })
          .option('zone', { type: 'string', describe: 'with show: the plan for this zone' }),
      run(async (a) => {
        const { brandsCommand } = await import('./data-commands.js');
        await brandsCommand(contextOf(a), str(a, 'action') ?? 'list', str(a, 'brand'), str(a, 'zone'), modeOf(a));
      }),
    )
    .command(
      'recipes [action] [recipe]',
      'list rootfs recipes, or `recipes show RECIPE`',
      (y) =>
        y
          .positional('action', { type: 'string', choices: ['list', 'show'], default: 'list' })
          .positional('recipe', { type: 'string' }),
      run(async (a) => {
        const { recipesCommand } = await import('./data-commands.js');
        await recipesCommand(str(a, 'action') ?? 'list', str(a, 'recipe'), modeOf(a));
      }),
    )
    .command(
      'doctor',
      'what this host can do, what it lacks, and how to fix it',
      (y) => y,
      run(async (a) => {
        const { doctorCommand } = await import('./doctor-command.js');
        return doctorCommand(a.runtime, modeOf(a));
      }),
    )
    .completion('completion', 'print a shell completion script (bash, zsh)')
    .demandCommand(1, 'name a command (zonectl --help lists them)')
    .strict()
    .recommendCommands()
    .help()
    .alias('help', 'h')
    .version()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      // Thrown, not printed: yargs would otherwise go on and report every later problem too.
      throw err ?? new ZoneError('usage', msg ?? 'bad command line', { hint: 'zonectl --help' });
    }) as unknown as Argv<Global>;
}

async function lifecycle(a: Raw & Global, verb: 'ready' | 'boot' | 'halt' | 'reboot'): Promise<void> {
  const ctx = contextOf(a);
  const lc = await import('../core/lifecycle.js');
  const fn = { ready: lc.readyZone, boot: lc.bootZone, halt: lc.haltZone, reboot: lc.rebootZone }[verb];
  await fn(ctx, need(a, 'name'));
  const done = { ready: 'is ready', boot: 'booted', halt: 'halted', reboot: 'rebooted' }[verb];
  if (a.json) {
    const { zoneInfo } = await import('../core/zones.js');
    printJson(await zoneInfo(ctx, need(a, 'name')));
  } else say(modeOf(a), `zone ${need(a, 'name')} ${done}`);
}

export async function main(argv: string[]): Promise<number> {
  exitStatus = 0;
  await buildCli(argv).parseAsync();
  return exitStatus;
}

main(hideBin(process.argv)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.exitCode = renderError(e, { json: process.argv.includes('--json'), quiet: false });
  },
);
