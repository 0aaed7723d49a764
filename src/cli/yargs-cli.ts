// The full command line (yargs): every command, its options, help, completion and
// usage errors. Handlers only map parsed arguments onto actions.ts.
import type { Argv } from 'yargs';
import { ZoneError } from '../core/errors.js';
import * as act from './actions.js';
import type { Global } from './actions.js';
import { packageVersion } from '../core/datafiles.js';

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

/** Exit status of the command yargs ran. */
let exitStatus = 0;

function run(fn: (a: Raw, g: Global) => Promise<number | void>): (a: Raw) => Promise<void> {
  return async (a) => {
    const g = globalOf(a);
    exitStatus = await act.runAction(g, () => fn(a, g));
  };
}

const zoneArg = <T>(y: Argv<T>) => y.positional('name', { type: 'string', demandOption: true, describe: 'zone name' }) as Argv<T & { name: string }>;

/** uninstall and delete: -F, and --promote-clones for zones that others were cloned from. */
const removalOptions = <T>(y: Argv<T>, force: string) =>
  y
    .option('force', { alias: 'F', type: 'boolean', default: false, describe: force })
    .option('promote-clones', { type: 'boolean', default: false, describe: 'make zones cloned from this one independent first' });

const lifecycle = (verb: act.LifecycleVerb) => run((a, g) => act.lifecycleAction(g, need(a, 'name'), verb));

export function buildCli(yargs: (argv: string[]) => Argv, argv: string[]): Argv<Global> {
  // exitProcess(false): --help, --version and completion return to us rather than exiting
  // the process; zonectl's exit guard treats an exit before the command settles as a bug.
  return (
    yargs(argv)
      .scriptName('zonectl')
      .exitProcess(false)
      .usage('$0 <command> [options]\n\nOS-level zones with one set of commands: create, install, boot, enter, halt, delete.')
      .parserConfiguration({ 'populate--': true })
      .option('root', {
        type: 'string',
        default: process.env.ZONECTL_ROOT ?? '/var/lib/zonectl',
        defaultDescription: '$ZONECTL_ROOT or /var/lib/zonectl',
        describe: 'state root holding the zones',
        global: true,
      })
      .option('host', {
        type: 'string',
        defaultDescription: '$ZONECTL_HOST, else this machine',
        describe: 'run on [ssh://][user@]host[:port] over ssh: a Linux host through its own zonectl, a FreeBSD or illumos host directly (nothing installed there)',
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
      .option('runtime', {
        type: 'string',
        choices: ['runc', 'crun'],
        describe: "OCI runtime for boots in this run (default: the zone's runtime, runc)",
        global: true,
      })
      .command(
        'create <name>',
        'configure a new zone',
        (y) =>
          zoneArg(y)
            .option('brand', { alias: 'b', type: 'string', demandOption: true, describe: 'brand (zonectl brands)' })
            .option('set', { type: 'string', array: true, default: [], describe: 'KEY=VALUE config setting' }),
        run((a, g) => act.createAction(g, need(a, 'name'), need(a, 'brand'), strs(a, 'set'))),
      )
      .command(
        'configure <name>',
        "change a zone's configuration",
        (y) =>
          zoneArg(y)
            .option('set', { type: 'string', array: true, default: [], describe: 'KEY=VALUE config setting' })
            .option('unset', { type: 'string', array: true, default: [], describe: 'KEY to reset to its default' })
            .option('file', { alias: 'f', type: 'string', describe: 'an illumos zonecfg command file (zonecfg -z Z export); makes the zone if it does not exist' }),
        run((a, g) => {
          const file = str(a, 'file');
          if (file !== undefined && strs(a, 'set').length + strs(a, 'unset').length > 0) {
            throw new ZoneError('usage', '-f FILE and --set/--unset do not go together', { hint: 'put the settings in the file, or configure twice' });
          }
          return file === undefined ? act.configureAction(g, need(a, 'name'), strs(a, 'set'), strs(a, 'unset')) : act.configureFileAction(g, need(a, 'name'), file);
        }),
      )
      .command(
        'info <name>',
        "show a zone's configuration and state",
        (y) => zoneArg(y),
        run((a, g) => act.infoAction(g, need(a, 'name'))),
      )
      .command(
        ['list', 'ls'],
        'list zones',
        (y) => y,
        run((_a, g) => act.listAction(g)),
      )
      .command(
        'install [zone]',
        "install a zone's userland; or with --brand, create and install a zone from a recipe",
        (y) =>
          y
            .positional('zone', { type: 'string', describe: 'zone name (or, with --brand, a recipe)' })
            .option('recipe', { alias: 'r', type: 'string', describe: 'recipe name (zonectl recipes) or path to a recipe file' })
            .option('source', { alias: 's', type: 'string', describe: 'directory to install from' })
            .option('brand', { alias: 'b', type: 'string', describe: 'create the zone with this brand if it does not exist' })
            .option('name', { type: 'string', describe: "with --brand: the new zone's name (default: the recipe's)" })
            .option('in-place', { type: 'boolean', default: false, describe: 'with --source DIR: use the directory as the zone root where it is' })
            .option('arch', { type: 'string', describe: 'architecture to install, for recipes that offer several (amd64, i386, ...)' })
            .option('mirror', { type: 'string', array: true, describe: "replaces the recipe's mirror base URL (repeatable: tried in order)" })
            .option('max-size', { type: 'string', describe: 'most an archive may unpack to (default 64G)' })
            .option('max-entries', { type: 'string', describe: 'most entries an archive may hold (default 4000000)' })
            .option('release', { type: 'string', describe: 'FreeBSD hosts: the release whose base.txz to fetch (e.g. 14.1-RELEASE), checked against its MANIFEST' })
            .option('unconfigure', { alias: 'u', type: 'boolean', describe: 'Solaris 8/9/10 brands: sys-unconfig the installed system (zoneadm install -u)' })
            .option('preserve', { alias: 'p', type: 'boolean', describe: "Solaris 8/9/10 brands: keep the archived system's identity (zoneadm install -p)" })
            .conflicts('recipe', 'source')
            .conflicts('unconfigure', 'preserve'),
        run((a, g) =>
          act.installAction(g, {
            zone: str(a, 'zone'),
            recipe: str(a, 'recipe'),
            source: str(a, 'source'),
            brand: str(a, 'brand'),
            name: str(a, 'name'),
            arch: str(a, 'arch'),
            inPlace: bool(a, 'inPlace'),
            mirrors: strs(a, 'mirror'),
            maxSize: str(a, 'maxSize'),
            maxEntries: str(a, 'maxEntries'),
            release: str(a, 'release'),
            identity: bool(a, 'unconfigure') ? 'unconfigure' : bool(a, 'preserve') ? 'preserve' : undefined,
          }),
        ),
      )
      .command(
        'uninstall <name>',
        "remove a zone's userland (installed -> configured)",
        (y) => removalOptions(zoneArg(y), 'do not ask'),
        run((a, g) => act.uninstallAction(g, need(a, 'name'), bool(a, 'force'), bool(a, 'promoteClones'))),
      )
      .command(
        'delete <name>',
        "remove a zone's configuration (-F: halt and uninstall it first)",
        (y) => removalOptions(zoneArg(y), 'also halt and uninstall'),
        run((a, g) => act.deleteAction(g, need(a, 'name'), bool(a, 'force'), bool(a, 'promoteClones'))),
      )
      .command(
        'clone <source> <target>',
        'make zone TARGET from installed zone SOURCE (copy-on-write: constant time), with its own identity',
        (y) => y.positional('source', { type: 'string', demandOption: true }).positional('target', { type: 'string', demandOption: true }),
        run((a, g) => act.cloneAction(g, need(a, 'source'), need(a, 'target'))),
      )
      .command(
        'snapshot <name> <action> [snap]',
        'snapshots of a halted zone: create SNAP, list, delete SNAP (read-only, copy-on-write)',
        (y) =>
          zoneArg(y)
            .positional('action', { type: 'string', choices: ['create', 'list', 'delete'], demandOption: true })
            .positional('snap', { type: 'string', describe: 'snapshot name' }),
        run((a, g) => act.snapshotAction(g, need(a, 'name'), need(a, 'action'), str(a, 'snap'))),
      )
      .command(
        'rollback <name> <snap>',
        "put a halted zone's root back exactly as it was at snapshot SNAP",
        (y) => zoneArg(y).positional('snap', { type: 'string', demandOption: true }),
        run((a, g) => act.rollbackAction(g, need(a, 'name'), need(a, 'snap'))),
      )
      .command('ready <name>', "set up the zone's namespaces without starting init", (y) => zoneArg(y), lifecycle('ready'))
      .command('boot <name>', 'start the zone (its init runs on after zonectl returns)', (y) => zoneArg(y), lifecycle('boot'))
      .command('halt <name>', 'stop the zone at once (kill everything in it)', (y) => zoneArg(y), lifecycle('halt'))
      .command('reboot <name>', 'halt and boot the zone', (y) => zoneArg(y), lifecycle('reboot'))
      .command(
        'shutdown <name>',
        "send the brand's halt signal to init, kill what is left after the timeout",
        (y) => zoneArg(y).option('timeout', { alias: 't', type: 'number', default: 30, describe: 'seconds to wait for init' }),
        run((a, g) => act.shutdownAction(g, need(a, 'name'), num(a, 'timeout', 30))),
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
        run((a, g) =>
          act.execAction(g, need(a, 'name'), {
            argv: [...strs(a, 'command'), ...strs(a, '--')],
            user: str(a, 'user'),
            cwd: str(a, 'cwd'),
            env: strs(a, 'env'),
            tty: bool(a, 'tty'),
          }),
        ),
      )
      .command(
        'login <name>',
        'an interactive shell in a running zone',
        (y) => zoneArg(y).option('user', { alias: 'u', type: 'string', describe: 'user name or uid in the zone' }),
        run((a, g) => act.loginAction(g, need(a, 'name'), str(a, 'user'))),
      )
      .command(
        'console <name>',
        "the zone's console (illumos and Solaris zones: zlogin -C; ~. leaves)",
        (y) => zoneArg(y),
        run((a, g) => act.consoleAction(g, need(a, 'name'))),
      )
      .command(
        'export <name>',
        "print a zone's configuration as a zonecfg command file or a jail.conf block",
        (y) => zoneArg(y).option('format', { type: 'string', choices: ['zonecfg', 'jail.conf'], default: 'zonecfg', describe: 'output format' }),
        run((a, g) => act.exportAction(g, need(a, 'name'), need(a, 'format'))),
      )
      .command(
        'import [name]',
        'make zones of the jails in a jail.conf (all of them, or the one named)',
        (y) =>
          y
            .positional('name', { type: 'string', describe: 'the jail to import (default: every jail in the file)' })
            .option('jail-conf', { type: 'string', demandOption: true, describe: 'jail.conf(5) file to read (on this machine)' })
            .option('dry-run', { type: 'boolean', default: false, describe: 'print the zones the file describes; create nothing' }),
        run((a, g) => act.importAction(g, need(a, 'jailConf'), str(a, 'name'), bool(a, 'dryRun'))),
      )
      .command(
        'brands [action] [brand]',
        'list brands, or `brands show BRAND [--zone Z]`: what a brand will do on this host',
        (y) =>
          y
            .positional('action', { type: 'string', choices: ['list', 'show'], default: 'list' })
            .positional('brand', { type: 'string' })
            .option('zone', { type: 'string', describe: 'with show: the plan for this zone' }),
        run((a, g) => act.brandsAction(g, str(a, 'action') ?? 'list', str(a, 'brand'), str(a, 'zone'))),
      )
      .command(
        'recipes [action] [recipe]',
        'list rootfs recipes, or `recipes show RECIPE`',
        (y) => y.positional('action', { type: 'string', choices: ['list', 'show'], default: 'list' }).positional('recipe', { type: 'string' }),
        run((a, g) => act.recipesAction(g, str(a, 'action') ?? 'list', str(a, 'recipe'))),
      )
      .command(
        'autoboot',
        "boot every installed zone configured with autoboot=true (for the host's boot-time unit)",
        (y) => y,
        run((_a, g) => act.autobootAction(g)),
      )
      .command(
        'doctor',
        'what this host can do, what it lacks, and how to fix it',
        (y) => y,
        run((_a, g) => act.doctorAction(g)),
      )
      .completion('completion', 'print a shell completion script (bash, zsh)')
      .demandCommand(1, 'name a command (zonectl --help lists them)')
      .strict()
      .recommendCommands()
      .help()
      .alias('help', 'h')
      // zonectl's own package.json: yargs alone would look for one from the working
      // directory up, and print "unknown" or another package's version.
      .version(packageVersion())
      .wrap(Math.min(110, process.stdout.columns ?? 100))
      .fail((msg, err) => {
        // Thrown, not printed: yargs would otherwise go on and report every later problem too.
        throw err ?? new ZoneError('usage', msg ?? 'bad command line', { hint: 'zonectl --help' });
      }) as unknown as Argv<Global>
  );
}

export async function runYargs(argv: string[]): Promise<number> {
  exitStatus = 0;
  // yargs is most of zonectl's size: loaded only when the fast path did not apply.
  const { default: yargs } = await import('yargs');
  await buildCli(yargs, argv).parseAsync();
  return exitStatus;
}
