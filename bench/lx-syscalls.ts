// lx shim cost benchmark, one run, alternating; the loops time themselves, so
// start-up costs are not counted. A syscall-heavy loop (getpid, open/close of
// /dev/null) in containers of the same rootfs:
//   - no seccomp profile vs the lx policy (three ABIs): issue 4's target, 1.05x;
//   - the lx policy vs the running lx zone, whose filter also sends the uname family
//     to its supervisor: issue 8's target, 1.02x (the loop calls no uname);
// and uname(2) latency, natively vs answered by the supervisor (10,000-call loops).
//
//   node scripts/build.mjs && node --import tsx bench/lx-syscalls.ts [--iterations N] [--rounds N]
//
// Needs root, runc, gcc (static). Everything lives under one mkdtemp dir, removed at the end.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ZONECTL = fileURLToPath(new URL('../dist/zonectl.mjs', import.meta.url));
const PROBE_SRC = fileURLToPath(new URL('../test/fixtures/abi-probe.c', import.meta.url));
const SHIM = fileURLToPath(new URL('../dist/zonectl-uname-shim', import.meta.url));

function run(argv: string[], env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

interface BundleConfig {
  process: { args: string[] };
  root: { path: string };
  linux: { seccomp?: { syscalls: Array<{ action: string }>; listenerPath?: string }; cgroupsPath: string };
}

function main(): void {
  const { values } = parseArgs({ options: { iterations: { type: 'string', default: '21' }, rounds: { type: 'string', default: '200000' } } });
  const work = mkdtempSync('/var/tmp/zonectl-lx-bench-');
  const root = join(work, 'state');
  const z = (...args: string[]): string => run([process.execPath, ZONECTL, '--root', root, '-q', ...args]);
  const rawId = `lx-bench-raw-${process.pid}`;
  try {
    z('install', '--brand', 'native', 'busybox', '--name', 'src');
    z('create', 'lxb', '--brand', 'lx');
    z('install', 'lxb', '--source', join(root, 'zones', 'src', 'root'));
    const rootfs = join(root, 'zones', 'lxb', 'root');
    run(['gcc', '-static', '-O2', '-o', join(rootfs, 'abi-probe'), PROBE_SRC]);
    // The same rootfs for the raw container: a copy, so the two never share a mount.
    const rawRoot = join(work, 'raw-root');
    run(['cp', '-a', rootfs, rawRoot]);
    z('configure', 'lxb', '--set', 'kernel-version=2.6');
    z('boot', 'lxb');
    const info = JSON.parse(run([process.execPath, ZONECTL, '--root', root, '--json', 'info', 'lxb'])) as { helpers?: Array<{ rssKb: number }> };
    const supervisorKb = info.helpers?.[0]?.rssKb;
    const config = readFileSync(join(root, 'zones', 'lxb', 'bundle', 'config.json'), 'utf8');
    const runcRoot = join(work, 'runc');
    /** A bundle over the copied rootfs: the zone's config, changed by `edit`. */
    const bundleFor = (name: string, edit: (c: BundleConfig) => void): string => {
      const c = JSON.parse(config) as BundleConfig;
      c.root.path = rawRoot;
      c.linux.cgroupsPath = `${c.linux.cgroupsPath}-${name}`;
      edit(c);
      const dir = join(work, `bundle-${name}`);
      mkdirSync(dir);
      writeFileSync(join(dir, 'config.json'), JSON.stringify(c));
      return dir;
    };
    // No seccomp at all (issue 4's baseline), and the lx policy without the uname
    // rule (issue 8's: what the shim's filter adds is the only difference).
    const raw = bundleFor('raw', (c) => delete c.linux.seccomp);
    const noShim = bundleFor('noshim', (c) => {
      if (c.linux.seccomp === undefined) return;
      c.linux.seccomp.syscalls = c.linux.seccomp.syscalls.filter((r) => r.action !== 'SCMP_ACT_NOTIFY');
      delete c.linux.seccomp.listenerPath;
    });
    // The zone's own policy, uname family to a supervisor this bench starts per run.
    const sock = join(work, 'uname.sock');
    const answer = JSON.parse(readFileSync(join(root, 'zones', 'lxb', 'uname-shim.json'), 'utf8')) as Record<string, string>;
    const shim = bundleFor('shim', (c) => {
      if (c.linux.seccomp !== undefined) c.linux.seccomp.listenerPath = sock;
    });
    let n = 0;
    const inBundle = (bundle: string, args: string[]): string => {
      const c = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as BundleConfig;
      c.process.args = ['/abi-probe', ...args];
      writeFileSync(join(bundle, 'config.json'), JSON.stringify(c));
      if (bundle === shim) {
        run([
          SHIM,
          'serve',
          '--socket',
          sock,
          '--pidfile',
          `${sock}.pid`,
          '--release',
          answer.release as string,
          '--version',
          answer.version as string,
          '--machine',
          answer.machine as string,
          '--first-timeout',
          '30',
        ]);
      }
      // Pinned to one CPU: on a shared 2-core VM, where the loop lands is most of the noise.
      return run(['taskset', '-c', '1', 'runc', '--root', runcRoot, 'run', '--bundle', bundle, `${rawId}-${n++}`]).trim();
    };
    const inZone = (args: string[]): string => inBundle(shim, args);
    const loop = ['loop', values.rounds as string];
    const unameLoop = ['uname-loop', '10000'];
    const nsOfUname = (out: string): number => Number(/ns (\d+)/.exec(out)?.[1]) / 10000;

    const t = { raw: [] as number[], noShim: [] as number[], shim: [] as number[], unameNative: [] as number[], unameShim: [] as number[] };
    for (let i = 0; i < Number(values.iterations); i++) {
      const order = i % 2 === 0 ? ['raw', 'noShim', 'shim'] : ['shim', 'noShim', 'raw'];
      for (const which of order) {
        if (which === 'raw') t.raw.push(Number(inBundle(raw, loop)) / 1e6);
        if (which === 'noShim') t.noShim.push(Number(inBundle(noShim, loop)) / 1e6);
        if (which === 'shim') t.shim.push(Number(inZone(loop)) / 1e6);
      }
      t.unameNative.push(nsOfUname(inBundle(raw, unameLoop)));
      t.unameShim.push(nsOfUname(inZone(unameLoop)));
    }
    if (process.env.BENCH_DEBUG !== undefined) process.stderr.write(`${JSON.stringify(t)}\n`);
    // Ratios of the samples taken side by side in one iteration, then their median:
    // a slow spell of this shared VM then hits both sides of a ratio alike.
    const paired = (a: number[], b: number[]): number => median(a.map((x, i) => x / (b[i] as number)));
    const lxRatio = paired(t.noShim, t.raw);
    const shimRatio = paired(t.shim, t.noShim);
    const verdict = (r: number, target: number): string => `${r <= target ? 'PASS' : 'OVER'} (target ${target}x)`;
    process.stdout.write(
      `lx shims: ${values.rounds} rounds of getpid + open/close, ${values.iterations} iterations, medians\n` +
        `no seccomp ${median(t.raw).toFixed(1)} ms  lx policy ${median(t.noShim).toFixed(1)} ms  paired ratio ${lxRatio.toFixed(3)}x  ${verdict(lxRatio, 1.05)}\n` +
        `lx policy ${median(t.noShim).toFixed(1)} ms  + uname to the supervisor ${median(t.shim).toFixed(1)} ms  paired ratio ${shimRatio.toFixed(3)}x  ${verdict(shimRatio, 1.02)}\n` +
        `uname(2), 10,000-call loop: native ${(median(t.unameNative) / 1000).toFixed(2)} us/call, ` +
        `through the shim ${(median(t.unameShim) / 1000).toFixed(2)} us/call\n` +
        `uname supervisor resident memory per zone: ${supervisorKb ?? '?'} kB\n`,
    );
  } finally {
    spawnSync(process.execPath, [ZONECTL, '--root', root, '-q', 'halt', 'lxb']);
    spawnSync(process.execPath, [ZONECTL, '--root', root, '-q', 'delete', '-F', 'lxb']);
    spawnSync(process.execPath, [ZONECTL, '--root', root, '-q', 'delete', '-F', 'src']);
    rmSync(work, { recursive: true, force: true });
  }
}

main();
