// The VM test harness: boots Debian's cloud kernel under QEMU once per matrix row
// (vm-tests/rows.yaml), each with its own kernel command line and cgroup layout, runs
// the row's test files inside as root, and streams their output here.
//
//   npm run test:vm [-- --rows vsyscall-none,vsyscall-emulate] [--rebuild] [--smoke]
//
// KVM is used only when a probe VM prints its line within 20 s (on some hosts
// /dev/kvm exists but a guest hangs); TCG otherwise. A VM that does not finish within
// its bound is killed. Exit status: 0 when every row passed or was skipped with a
// reason, 1 when any failed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const PROJECT = join(HERE, '..');

interface Row {
  name: string;
  what: string;
  cmdline: string;
  vsyscall: string;
  cgroup: 'v1' | 'v2' | 'hybrid';
  needs?: string[];
  tests: string[];
}

interface Outcome {
  row: string;
  status: 'passed' | 'failed' | 'skipped';
  why?: string;
  accel?: string;
  bootSeconds?: number;
  totalSeconds?: number;
}

/** CI's bounded part: the two vsyscall rows with their tests, and the default row's lifecycle test. */
const SMOKE: Record<string, string[]> = {
  'vsyscall-none': ['vm/vsyscall'],
  'vsyscall-emulate': ['vm/vsyscall'],
  default: ['integration/lifecycle-native'],
};

function sh(argv: string[], what: string): string {
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`vm-tests: ${what} failed (${argv.join(' ')})`);
  return r.stdout;
}

function duMb(dir: string): number {
  return Math.ceil(Number(sh(['du', '-sm', dir], 'du').split('\t')[0]));
}

/** An ext4 image holding `dir` (mkfs.ext4 -d: no loop device, no mount). */
function imageOf(dir: string, image: string, spareMb: number): void {
  rmSync(image, { force: true });
  sh(['mkfs.ext4', '-q', '-F', '-d', dir, image, `${duMb(dir) + spareMb}M`], `making ${image}`);
}

/** What the project disk holds: the built tree and what the tests import. */
function projectImage(work: string): string {
  const dir = join(work, 'project');
  sh(['mkdir', '-p', dir], 'mkdir');
  for (const p of ['package.json', 'tsconfig.json', 'dist', 'node_modules', 'src', 'test', 'brands', 'rootfs-recipes', 'schemas', 'native']) {
    if (existsSync(join(PROJECT, p))) sh(['cp', '-a', join(PROJECT, p), dir], `copying ${p}`);
  }
  const image = join(work, 'project.img');
  imageOf(dir, image, 300);
  rmSync(dir, { recursive: true, force: true });
  return image;
}

function kernelConfig(cache: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readFileSync(join(cache, 'kernel', 'config'), 'utf8').split('\n')) {
    const m = /^(CONFIG_\w+)=(.*)$/.exec(line);
    if (m !== null) out.set(m[1] as string, m[2] as string);
  }
  return out;
}

/** The vsyscall mode a kernel built with `config` runs when not told otherwise. */
function defaultVsyscall(config: Map<string, string>): string {
  if (config.get('CONFIG_LEGACY_VSYSCALL_NONE') === 'y') return 'none';
  if (config.get('CONFIG_LEGACY_VSYSCALL_EMULATE') === 'y') return 'emulate';
  return 'xonly';
}

/** TCG's CPU model. Not `max`: with QEMU 7.2's max model, a 6.1 guest booted with
 * vsyscall=emulate soft-locks in the first runc (seen on this project's machines);
 * a named model of the era runs every row. ZONECTL_VM_CPU overrides. */
const TCG_CPU = 'Skylake-Client-v4';

interface Boot {
  accel: string;
  append: string;
  drives: string[];
  timeoutMs: number;
  /** Called with each line of the guest's console. */
  onLine: (line: string) => void;
}

/** Boots one VM; resolves when it powers off, or kills it at the time bound. */
function boot(cache: string, b: Boot): Promise<{ timedOut: boolean }> {
  return new Promise((resolve) => {
    const args = [
      '-accel',
      b.accel,
      '-cpu',
      process.env.ZONECTL_VM_CPU ?? (b.accel === 'kvm' ? 'host' : TCG_CPU),
      '-m',
      '3072',
      '-smp',
      '2',
      '-nographic',
      '-no-reboot',
      '-snapshot',
      '-serial',
      'stdio',
      '-monitor',
      'none',
      '-kernel',
      join(cache, 'kernel', 'vmlinuz'),
      '-initrd',
      join(cache, 'initrd.gz'),
      '-append',
      b.append,
      ...b.drives.flatMap((d) => ['-drive', `file=${d},if=virtio,format=raw`]),
    ];
    const vm = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    const feed = (chunk: Buffer): void => {
      buf += chunk.toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        b.onLine(buf.slice(0, i).replace(/\r$/, ''));
        buf = buf.slice(i + 1);
      }
    };
    vm.stdout.on('data', feed);
    vm.stderr.on('data', feed);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      vm.kill('SIGKILL');
    }, b.timeoutMs);
    vm.on('close', () => {
      clearTimeout(timer);
      resolve({ timedOut });
    });
  });
}

/** KVM if a tiny VM comes up under it in time; TCG otherwise. */
async function chooseAccel(cache: string): Promise<string> {
  if (!existsSync('/dev/kvm')) return 'tcg';
  let ok = false;
  const r = await boot(cache, {
    accel: 'kvm',
    append: 'console=ttyS0 quiet zonectl.probe',
    drives: [],
    timeoutMs: 20_000,
    onLine: (l) => {
      if (l.includes('zonectl-vm: probe ok')) ok = true;
    },
  });
  return ok && !r.timedOut ? 'kvm' : 'tcg';
}

async function runRow(cache: string, row: Row, tests: string[], accel: string, base: string, project: string, config: Map<string, string>, timeoutMs: number): Promise<Outcome> {
  const missing = (row.needs ?? []).filter((c) => config.get(c) !== 'y');
  if (missing.length > 0) return { row: row.name, status: 'skipped', why: `this kernel was built without ${missing.join(', ')}` };
  const vsyscall = row.vsyscall === 'kernel-default' ? defaultVsyscall(config) : row.vsyscall;
  const append = [
    'console=ttyS0',
    'panic=-1',
    'quiet',
    'loglevel=3',
    row.cmdline,
    `zonectl.row=${row.name}`,
    `zonectl.cgroup=${row.cgroup}`,
    `zonectl.vsyscall=${vsyscall}`,
    `zonectl.tests=${tests.join(',')}`,
  ]
    .filter((x) => x !== '')
    .join(' ');
  const t0 = Date.now();
  let first: number | undefined;
  let result: number | undefined;
  process.stdout.write(`\n== row ${row.name} (${accel}): ${row.what}\n`);
  const r = await boot(cache, {
    accel,
    append,
    drives: [base, project],
    timeoutMs,
    onLine: (line) => {
      // (The firmware's screen-clearing escapes may share the line.)
      if (line.includes('zonectl-vm: tests start')) first ??= Date.now();
      const m = /zonectl-vm: result (\d+)/.exec(line);
      if (m !== null) result = Number(m[1]);
      process.stdout.write(`[${row.name}] ${line}\n`);
    },
  });
  const out: Outcome = { row: row.name, status: result === 0 ? 'passed' : 'failed', accel, totalSeconds: (Date.now() - t0) / 1000 };
  if (first !== undefined) out.bootSeconds = (first - t0) / 1000;
  if (r.timedOut) out.why = `killed after ${timeoutMs / 60000} minutes`;
  else if (result === undefined) out.why = 'the VM stopped without a result line';
  return out;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { rows: { type: 'string' }, rebuild: { type: 'boolean', default: false }, smoke: { type: 'boolean', default: false }, 'timeout-min': { type: 'string' } },
  });
  const all = (parse(readFileSync(join(HERE, 'rows.yaml'), 'utf8')) as { rows: Row[] }).rows;
  const wanted = values.smoke ? Object.keys(SMOKE) : (values.rows?.split(',') ?? all.map((r) => r.name));
  const unknown = wanted.filter((w) => !all.some((r) => r.name === w));
  if (unknown.length > 0) {
    process.stderr.write(`vm-tests: unknown rows ${unknown.join(', ')} (rows: ${all.map((r) => r.name).join(', ')})\n`);
    return 2;
  }
  const cache = sh(['sh', join(HERE, 'build-image.sh'), ...(values.rebuild ? ['--rebuild'] : [])], 'building the image')
    .trim()
    .split('\n')
    .pop() as string;
  const base = join(cache, 'base.img');
  if (!existsSync(base) || statSync(base).mtimeMs < statSync(join(cache, 'base.stamp')).mtimeMs) imageOf(join(cache, 'base'), base, 1500);
  const work = mkdtempSync('/var/tmp/zonectl-vm-run-');
  const outcomes: Outcome[] = [];
  try {
    const project = projectImage(work);
    const accel = await chooseAccel(cache);
    process.stdout.write(`vm-tests: accelerator ${accel}${accel === 'tcg' ? ' (KVM absent or its probe VM did not come up in 20 s)' : ''}\n`);
    const config = kernelConfig(cache);
    // TCG is slow: a row gets 20 minutes, KVM 5, unless told otherwise.
    const timeoutMs = Number(values['timeout-min'] ?? (accel === 'kvm' ? 5 : 20)) * 60_000;
    for (const row of all.filter((r) => wanted.includes(r.name))) {
      outcomes.push(await runRow(cache, row, values.smoke ? (SMOKE[row.name] as string[]) : row.tests, accel, base, project, config, timeoutMs));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  // The FreeBSD and illumos backends, driven for real over ssh when an image is given
  // (vm-tests/managed-host.ts); without one the row says so and is skipped.
  for (const [os, img] of [
    ['freebsd', 'FREEBSD_IMAGE'],
    ['omnios', 'OMNIOS_IMAGE'],
  ] as const) {
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(HERE, 'managed-host.ts'), os], { stdio: 'inherit' });
    const status = r.status === 0 ? 'passed' : r.status === 77 ? 'skipped' : 'failed';
    outcomes.push({ row: os, status, ...(status === 'skipped' ? { why: `${img} not set` } : { totalSeconds: (Date.now() - t0) / 1000 }) });
  }
  process.stdout.write('\nrow               status   accel  boot-to-first-test  total\n');
  for (const o of outcomes) {
    const secs = (s: number | undefined): string => (s === undefined ? '-' : `${s.toFixed(1)} s`);
    process.stdout.write(
      `${o.row.padEnd(18)}${o.status.padEnd(9)}${(o.accel ?? '-').padEnd(7)}${secs(o.bootSeconds).padEnd(20)}${secs(o.totalSeconds)}${o.why === undefined ? '' : `  (${o.why})`}\n`,
    );
  }
  return outcomes.some((o) => o.status === 'failed') ? 1 : 0;
}

process.exitCode = await main();
