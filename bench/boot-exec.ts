// Start-up benchmark (README, Benchmarks): zonectl boot + exec against raw
// `runc run -d` + `runc exec` on the same bundle, with `node -e 0` as Node's floor.
// Target: zonectl adds at most 40 ms per command over runc + Node start-up, and its
// exec is faster than `podman exec` into a container of the same rootfs (measured too
// when podman is installed: the zone's root imported as an image).
//
//   node scripts/build.mjs && node --import tsx bench/boot-exec.ts [--iterations N] [--json]
//
// Needs root (runc). Everything lives under one mkdtemp dir in /tmp, removed on exit
// and on Ctrl-C; the zone and the raw container are deleted first.
import { spawn, type StdioOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const TARGET_MS = 40;
const DEFAULT_ITERATIONS = 15;
const ZONE = 'bench';
const RAW_ID = 'raw-bench';
const PODMAN_NAME = `zonectl-bench-${process.pid}`;
const PODMAN_IMAGE = `localhost/zonectl-bench-${process.pid}`;
const ZONECTL = fileURLToPath(new URL('../dist/zonectl.mjs', import.meta.url));

// ---------------------------------------------------------------- options

interface Options {
  iterations: number;
  json: boolean;
}

function usage(msg: string): never {
  process.stderr.write(`boot-exec: ${msg}\nusage: node --import tsx bench/boot-exec.ts [--iterations N] [--json]\n`);
  process.exit(2);
}

function parseOptions(): Options {
  let values;
  try {
    ({ values } = parseArgs({
      options: { iterations: { type: 'string' }, json: { type: 'boolean', default: false } },
      strict: true,
    }));
  } catch (e) {
    usage(e instanceof Error ? e.message : String(e));
  }
  const raw = values.iterations ?? process.env.BENCH_ITERATIONS ?? String(DEFAULT_ITERATIONS);
  const iterations = Number(raw);
  if (!Number.isInteger(iterations) || iterations < 1) usage(`--iterations: expected a positive integer, got "${raw}"`);
  return { iterations, json: values.json === true };
}

function preflight(): void {
  if (process.getuid?.() !== 0) {
    process.stderr.write('boot-exec: must run as root (runc needs it); try: sudo node --import tsx bench/boot-exec.ts\n');
    process.exit(1);
  }
  if (!existsSync(ZONECTL)) {
    process.stderr.write(`boot-exec: ${ZONECTL} is missing; build it first: node scripts/build.mjs\n`);
    process.exit(1);
  }
}

// ---------------------------------------------------------------- processes

/** Thrown when SIGINT/SIGTERM/SIGHUP arrived: unwinds to the cleanup in main(). */
class Interrupted extends Error {}

let interrupted: NodeJS.Signals | undefined;

function onSignal(sig: NodeJS.Signals): void {
  if (interrupted === undefined) process.stderr.write(`\nboot-exec: ${sig}: cleaning up...\n`);
  interrupted = sig;
}

function checkInterrupted(): void {
  if (interrupted !== undefined) throw new Interrupted(interrupted);
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Spawns argv and waits for it; `detached` puts it in its own process group so a
 * further Ctrl-C on the terminal cannot kill it (used for cleanup). */
function wait(argv: string[], stdio: StdioOptions, detached = false): Promise<Exit> {
  return new Promise((done, fail) => {
    const child = spawn(argv[0] as string, argv.slice(1), { stdio, detached });
    child.on('error', fail);
    child.on('close', (code, signal) => done({ code, signal }));
  });
}

/** Runs a short command and returns its stdout (for version strings). */
function capture(argv: string[]): Promise<string> {
  return new Promise((done) => {
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.on('error', () => done('unknown'));
    child.on('close', () => done(Buffer.concat(out).toString('utf8').trim()));
  });
}

// ---------------------------------------------------------------- the bench

interface Paths {
  tmp: string;
  /** zonectl --root */
  zroot: string;
  /** runc --root for the raw side */
  rawState: string;
  rawBundle: string;
  logs: string;
}

async function makePaths(): Promise<Paths> {
  const tmp = await mkdtemp('/tmp/zonectl-bench-');
  const p = {
    tmp,
    zroot: join(tmp, 'zroot'),
    rawState: join(tmp, 'runc-raw'),
    rawBundle: join(tmp, 'raw-bundle'),
    logs: join(tmp, 'logs'),
  };
  for (const d of [p.zroot, p.rawState, p.rawBundle, p.logs]) await mkdir(d, { mode: 0o700 });
  return p;
}

const zonectl = (p: Paths, ...args: string[]): string[] => [process.execPath, ZONECTL, '--root', p.zroot, ...args];
const runc = (p: Paths, ...args: string[]): string[] => ['runc', '--root', p.rawState, ...args];
const NODE_FLOOR = [process.execPath, '-e', '0'];

class Bench {
  readonly samples = new Map<string, number[]>();
  /** False during the warm-up round, whose times are dropped. */
  recording = false;
  /** Whether the podman container runs (podman installed and the set-up worked). */
  podman = false;

  constructor(readonly p: Paths) {}

  /** Runs argv, timing it under `label` when recording; throws on a non-zero exit.
   * stdout goes to /dev/null and stderr to a file (never a pipe: `runc run -d`
   * hands its stdio to the container's init, which would hold a pipe open). */
  async run(label: string, argv: string[], timed = true, expectCode = 0): Promise<void> {
    checkInterrupted();
    const errFile = join(this.p.logs, `${label.replace(/[^a-z0-9]+/gi, '_')}.err`);
    const err = await open(errFile, 'w');
    let exit: Exit;
    let ms: number;
    try {
      const start = process.hrtime.bigint();
      exit = await wait(argv, ['ignore', 'ignore', err.fd]);
      ms = Number(process.hrtime.bigint() - start) / 1e6;
    } finally {
      await err.close();
    }
    checkInterrupted();
    if (exit.code !== expectCode) {
      const why = (await readFile(errFile, 'utf8').catch(() => '')).trim().split('\n').slice(-3).join('\n');
      throw new Error(`${argv.join(' ')} failed (${exit.signal ?? `exit ${exit.code}`})${why === '' ? '' : `:\n${why}`}`);
    }
    if (timed && this.recording) {
      const list = this.samples.get(label) ?? [];
      list.push(ms);
      this.samples.set(label, list);
    }
  }

  async zonectlSide(): Promise<void> {
    const { p } = this;
    await this.run('zonectl boot', zonectl(p, 'boot', ZONE));
    await this.run('zonectl exec (first)', zonectl(p, 'exec', ZONE, '--', 'true'));
    await this.run('zonectl exec (warm)', zonectl(p, 'exec', ZONE, '--', 'true'));
    // Measured with the zone running: that is when list/info ask the runtime.
    await this.run('zonectl list', zonectl(p, 'list'));
    await this.run('zonectl info', zonectl(p, 'info', ZONE));
    await this.run('zonectl halt', zonectl(p, 'halt', ZONE), false);
  }

  async rawSide(): Promise<void> {
    const { p } = this;
    await this.run('runc run -d', runc(p, 'run', '-d', '--bundle', p.rawBundle, RAW_ID));
    await this.run('runc exec (first)', runc(p, 'exec', RAW_ID, 'true'));
    await this.run('runc exec (warm)', runc(p, 'exec', RAW_ID, 'true'));
    // What zonectl list / info call underneath.
    await this.run('runc list', runc(p, 'list', '--format', 'json'));
    await this.run('runc state', runc(p, 'state', RAW_ID));
    await this.run('runc delete', runc(p, 'delete', '-f', RAW_ID), false);
  }

  async nodeSide(): Promise<void> {
    await this.run('node -e 0', NODE_FLOOR);
    // Start-up with no zone work. The hot commands take a fast path without yargs: its
    // fixed cost is an info of a zone that does not exist (load, one failed read, one
    // error line). --version takes the fast path too; --help goes through yargs, as
    // every other command does.
    await this.run('zonectl info (missing)', zonectl(this.p, 'info', 'no-such-zone'), true, 1);
    await this.run('zonectl --help', zonectl(this.p, '--help'));
    await this.run('zonectl --version', zonectl(this.p, '--version'));
  }

  async podmanSide(): Promise<void> {
    if (!this.podman) return;
    await this.run('podman exec (first)', ['podman', 'exec', PODMAN_NAME, 'true']);
    await this.run('podman exec (warm)', ['podman', 'exec', PODMAN_NAME, 'true']);
  }

  /** One round; the zonectl and raw sides swap order every round to share machine
   * noise, with the Node floor between them. */
  async iteration(i: number): Promise<void> {
    const sides = [() => this.zonectlSide(), () => this.nodeSide(), () => this.rawSide(), () => this.podmanSide()];
    if (i % 2 === 1) sides.reverse();
    for (const side of sides) await side();
  }
}

// ---------------------------------------------------------------- set-up and clean-up

interface BundleConfig {
  root: { path: string };
  linux: { cgroupsPath?: string };
}

function isBundleConfig(v: unknown): v is BundleConfig {
  const c = v as Partial<BundleConfig> | null;
  return typeof c === 'object' && c !== null && typeof c.root?.path === 'string' && typeof c.linux === 'object';
}

/** Creates and installs the zone, boots it once so zonectl writes its bundle, copies
 * that config.json for the raw side, and halts the zone again. */
async function setUp(b: Bench): Promise<void> {
  const { p } = b;
  await b.run('setup create', zonectl(p, 'create', ZONE, '--brand', 'native'), false);
  await b.run('setup install', zonectl(p, 'install', ZONE, '--recipe', 'busybox'), false);
  await b.run('setup boot', zonectl(p, 'boot', ZONE), false);
  const zoneBundle = join(p.zroot, 'zones', ZONE, 'bundle');
  const config: unknown = JSON.parse(await readFile(join(zoneBundle, 'config.json'), 'utf8'));
  if (!isBundleConfig(config)) throw new Error(`${zoneBundle}/config.json: not an OCI config`);
  // Same rootfs: a relative root.path would otherwise resolve against the copy's dir.
  if (!isAbsolute(config.root.path)) config.root.path = resolve(zoneBundle, config.root.path);
  // The only change: its own cgroup leaf, so a container one side failed to remove
  // can never put the other side's init into a shared cgroup.
  if (config.linux.cgroupsPath !== undefined) config.linux.cgroupsPath = `${config.linux.cgroupsPath}-raw`;
  await writeFile(join(p.rawBundle, 'config.json'), JSON.stringify(config, null, 2), { mode: 0o600 });
  await b.run('setup halt', zonectl(p, 'halt', ZONE), false);
  b.podman = await setUpPodman(b, config.root.path);
}

/** A podman container of the zone's rootfs (its root imported as an image), if podman
 * is installed. Low rlimits: podman's defaults exceed what some hosts allow. */
async function setUpPodman(b: Bench, rootfs: string): Promise<boolean> {
  if ((await capture(['podman', '--version'])) === 'unknown') return false;
  const tarball = join(b.p.tmp, 'rootfs.tar');
  await b.run('setup tar', ['tar', '-C', rootfs, '-cf', tarball, '.'], false);
  await b.run('setup podman import', ['podman', 'import', tarball, PODMAN_IMAGE], false);
  await b.run(
    'setup podman run',
    [
      'podman',
      'run',
      '-d',
      '--name',
      PODMAN_NAME,
      '--network',
      'none',
      '--ulimit',
      'nofile=1024:1024',
      '--ulimit',
      'nproc=4096:4096',
      PODMAN_IMAGE,
      '/bin/sh',
      '-c',
      'while :; do sleep 3600; done',
    ],
    false,
  );
  return true;
}

/** Best effort, in dependency order: the raw container first (it uses the zone's
 * rootfs), then the zone, then zonectl's runtime state if halt never ran, then files. */
async function cleanUp(p: Paths): Promise<void> {
  const quietly = async (argv: string[]): Promise<void> => {
    await wait(argv, 'ignore', true).catch(() => undefined);
  };
  await quietly(runc(p, 'delete', '-f', RAW_ID));
  await quietly(['podman', 'rm', '-f', '-t', '0', PODMAN_NAME]);
  await quietly(['podman', 'rmi', '-f', PODMAN_IMAGE]);
  await quietly(zonectl(p, 'delete', '-F', ZONE));
  await quietly(['runc', '--root', join(p.zroot, 'runtime', 'runc'), 'delete', '-f', ZONE]);
  await rm(p.tmp, { recursive: true, force: true, maxRetries: 3 });
}

// ---------------------------------------------------------------- statistics and report

interface Stat {
  operation: string;
  medianMs: number;
  p90Ms: number;
  samplesMs: number[];
}

interface Comparison {
  command: string;
  /** The raw runc command doing the same runtime work, if any. */
  runcEquivalent: string | null;
  zonectlMs: number;
  runcMs: number;
  nodeMs: number;
  /** median(zonectl) - (median(runc) + median(node)) */
  extraMs: number;
  /** median(zonectl) / (median(runc) + median(node)) */
  ratio: number;
  pass: boolean;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Nearest-rank 90th percentile. */
function p90(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(0.9 * s.length) - 1)] as number;
}

const BASELINES = ['node -e 0', 'runc run -d', 'runc exec (first)', 'runc exec (warm)', 'runc list', 'runc state', 'podman exec (first)', 'podman exec (warm)'];
const PAIRS: Array<[string, string | null]> = [
  ['zonectl boot', 'runc run -d'],
  ['zonectl exec (first)', 'runc exec (first)'],
  ['zonectl exec (warm)', 'runc exec (warm)'],
  ['zonectl list', 'runc list'],
  ['zonectl info', 'runc state'],
  ['zonectl info (missing)', null],
  ['zonectl --help', null],
  ['zonectl --version', null],
];

function statsOf(samples: Map<string, number[]>): Map<string, Stat> {
  const out = new Map<string, Stat>();
  for (const [operation, xs] of samples) {
    out.set(operation, { operation, medianMs: median(xs), p90Ms: p90(xs), samplesMs: xs });
  }
  return out;
}

function compare(stats: Map<string, Stat>): Comparison[] {
  const med = (op: string | null): number => (op === null ? 0 : (stats.get(op)?.medianMs ?? NaN));
  const nodeMs = med('node -e 0');
  return PAIRS.map(([command, runcEquivalent]) => {
    const zonectlMs = med(command);
    const runcMs = med(runcEquivalent);
    const extraMs = zonectlMs - (runcMs + nodeMs);
    return { command, runcEquivalent, zonectlMs, runcMs, nodeMs, extraMs, ratio: zonectlMs / (runcMs + nodeMs), pass: extraMs <= TARGET_MS };
  });
}

/** Aligns columns: the names in `textColumns` left, numbers right. */
function formatRows(rows: string[][], textColumns: number[]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, c) => (textColumns.includes(c) ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const ms = (x: number): string => x.toFixed(1);

interface Report {
  iterations: number;
  node: string;
  runc: string;
  targetExtraMs: number;
  operations: Stat[];
  comparisons: Comparison[];
  /** median(zonectl info of a missing zone) - median(node -e 0): the fast path's own start-up. */
  fastStartMs: number;
  /** median(zonectl --help) - median(node -e 0): start-up through yargs. */
  loadParseMs: number;
  /** median(podman exec (warm)), when podman ran. */
  podmanExecMs: number | null;
}

function printTable(r: Report): void {
  const stat = new Map(r.operations.map((s) => [s.operation, s]));
  const rows: string[][] = [['operation', 'median ms', 'p90 ms', 'floor ms', 'extra ms', 'ratio', `<=${r.targetExtraMs} ms`, 'floor = node -e 0 +']];
  for (const op of BASELINES) {
    const s = stat.get(op);
    if (s !== undefined) rows.push([op, ms(s.medianMs), ms(s.p90Ms), '', '', '', '', '']);
  }
  rows.push(['', '', '', '', '', '', '', '']);
  for (const c of r.comparisons) {
    const s = stat.get(c.command);
    if (s === undefined) continue;
    rows.push([
      c.command,
      ms(s.medianMs),
      ms(s.p90Ms),
      ms(c.runcMs + c.nodeMs),
      `${c.extraMs >= 0 ? '+' : ''}${ms(c.extraMs)}`,
      `${c.ratio.toFixed(2)}x`,
      c.pass ? 'PASS' : 'OVER',
      c.runcEquivalent ?? '(nothing)',
    ]);
  }
  const warm = r.comparisons.find((c) => c.command === 'zonectl exec (warm)');
  const lines = [
    `zonectl start-up benchmark: ${r.iterations} iterations (+1 warm-up round dropped), node ${r.node}, ${r.runc}`,
    'floor = median(raw runc equivalent) + median(node -e 0); extra = median(zonectl) - floor; ratio = zonectl / floor',
    '',
    formatRows(rows, [0, 7]),
    '',
    `fast-path start-up (zonectl info of a missing zone over node -e 0): ${ms(r.fastStartMs)} ms`,
    `yargs-path start-up (zonectl --help over node -e 0): ${ms(r.loadParseMs)} ms`,
  ];
  const zwarm = stat.get('zonectl exec (warm)');
  if (r.podmanExecMs !== null && zwarm !== undefined) {
    lines.push(
      `warm exec against podman exec into a container of the same rootfs: ${ms(zwarm.medianMs)} ms vs ${ms(r.podmanExecMs)} ms (${zwarm.medianMs < r.podmanExecMs ? 'faster' : 'SLOWER'})`,
    );
  }
  if (warm !== undefined) {
    lines.push(`warm exec: ${ms(warm.extraMs)} ms extra = ${ms(r.fastStartMs)} ms start-up + ${ms(warm.extraMs - r.fastStartMs)} ms zone lookup, user and command checks, spawning runc`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function report(b: Bench, iterations: number, json: boolean): Promise<void> {
  const stats = statsOf(b.samples);
  const med = (op: string): number => stats.get(op)?.medianMs ?? NaN;
  const r: Report = {
    iterations,
    node: process.version,
    runc: (await capture(['runc', '--version'])).split('\n')[0] ?? 'runc',
    targetExtraMs: TARGET_MS,
    operations: [...stats.values()],
    comparisons: compare(stats),
    fastStartMs: med('zonectl info (missing)') - med('node -e 0'),
    loadParseMs: med('zonectl --help') - med('node -e 0'),
    podmanExecMs: stats.has('podman exec (warm)') ? med('podman exec (warm)') : null,
  };
  if (json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  else printTable(r);
}

// ---------------------------------------------------------------- main

/** Shell-style status for the signals we catch: 128 + signal number. */
const SIGNAL_STATUS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

async function main(): Promise<number> {
  const opts = parseOptions();
  preflight();
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal);
  const p = await makePaths();
  const b = new Bench(p);
  const progress = (msg: string): boolean => process.stderr.write(`boot-exec: ${msg}\n`);
  let failed = false;
  try {
    progress(`setting up zone "${ZONE}" under ${p.tmp}`);
    await setUp(b);
    progress('warm-up round');
    await b.iteration(0);
    b.recording = true;
    for (let i = 0; i < opts.iterations; i++) {
      progress(`iteration ${i + 1}/${opts.iterations}`);
      await b.iteration(i);
    }
  } catch (e) {
    failed = true;
    if (!(e instanceof Interrupted)) process.stderr.write(`boot-exec: ${e instanceof Error ? e.message : String(e)}\n`);
  } finally {
    await cleanUp(p);
  }
  if (interrupted !== undefined) return SIGNAL_STATUS[interrupted] ?? 130;
  if (failed) return 1;
  await report(b, opts.iterations, opts.json);
  return 0;
}

process.exitCode = await main();
