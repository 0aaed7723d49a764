// lx shim cost benchmark (issue 4): a syscall-heavy loop (getpid, then open/close of
// /dev/null) inside a running lx zone (its seccomp filter for three ABIs, its
// personality) against the same static binary in a container of the same rootfs with
// no seccomp profile and no personality, in one run, alternating. The loop times
// itself, so start-up costs are not counted. Target: ratio at most 1.05.
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

function run(argv: string[], env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function main(): void {
  const { values } = parseArgs({ options: { iterations: { type: 'string', default: '9' }, rounds: { type: 'string', default: '200000' } } });
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
    const config = JSON.parse(readFileSync(join(root, 'zones', 'lxb', 'bundle', 'config.json'), 'utf8')) as {
      process: { args: string[] };
      root: { path: string };
      linux: { seccomp?: unknown; cgroupsPath: string };
    };
    delete config.linux.seccomp;
    config.root.path = rawRoot;
    config.linux.cgroupsPath = `${config.linux.cgroupsPath}-raw`;
    config.process.args = ['/abi-probe', 'loop', values.rounds as string];
    const bundle = join(work, 'raw-bundle');
    mkdirSync(bundle);
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));

    const lx: number[] = [];
    const raw: number[] = [];
    const inZone = (): number => Number(z('exec', 'lxb', '--', '/abi-probe', 'loop', values.rounds as string).trim()) / 1e6;
    const inRaw = (): number => Number(run(['runc', '--root', join(work, 'runc'), 'run', '--bundle', bundle, rawId]).trim()) / 1e6;
    for (let i = 0; i < Number(values.iterations); i++) {
      if (i % 2 === 0) {
        lx.push(inZone());
        raw.push(inRaw());
      } else {
        raw.push(inRaw());
        lx.push(inZone());
      }
    }
    const ratio = median(lx) / median(raw);
    process.stdout.write(
      `lx shims: ${values.rounds} rounds of getpid + open/close, ${values.iterations} iterations, medians\n` +
        `no seccomp ${median(raw).toFixed(1)} ms  lx zone (seccomp x86_64/x86/x32, UNAME26) ${median(lx).toFixed(1)} ms  ratio ${ratio.toFixed(3)}x  ${ratio <= 1.05 ? 'PASS' : 'OVER'} (target 1.05x)\n`,
    );
  } finally {
    spawnSync('runc', ['--root', join(work, 'runc'), 'delete', '--force', rawId]);
    spawnSync(process.execPath, [ZONECTL, '--root', root, '-q', 'halt', 'lxb']);
    spawnSync(process.execPath, [ZONECTL, '--root', root, '-q', 'delete', '-F', 'lxb']);
    spawnSync(process.execPath, [ZONECTL, '--root', root, '-q', 'delete', '-F', 'src']);
    rmSync(work, { recursive: true, force: true });
  }
}

main();
