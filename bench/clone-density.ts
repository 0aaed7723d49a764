// Issue 6's benchmarks, in one run on this machine:
//   clone: `zonectl clone` of an installed zone holding 100 MB and 1 GB of files,
//          next to `cp -a` of the same tree (target: clone under 200 ms at both sizes);
//   density: 100 busybox zones (clones of one) booted one after another and 4 at a
//          time; host memory used per running zone beyond the zones' own processes
//          (target under 2 MB: nothing of ours stays resident per zone).
//
//   node scripts/build.mjs && node --import tsx bench/clone-density.ts [--zones N] [--iterations N]
//
// Needs root and runc. Works in a state root under /var/tmp, removed at the end.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ZONECTL = fileURLToPath(new URL('../dist/zonectl.mjs', import.meta.url));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function timed(argv: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function zonectlAsync(root: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [ZONECTL, '--root', root, '-q', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (b: Buffer) => (err += b.toString()));
    c.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`zonectl ${args.join(' ')}: ${err}`))));
  });
}

function memAvailableKb(): number {
  return Number(/^MemAvailable:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]);
}

/** Proportional memory of the zones' own processes, from their smaps_rollup. */
function zonesPssKb(root: string, zones: string[]): number {
  let kb = 0;
  for (const z of zones) {
    const pid = readFileSync(join(root, 'zones', z, 'bundle', 'init.pid'), 'utf8').trim();
    const children = spawnSync('sh', ['-c', `echo ${pid}; pgrep -P ${pid} || true`], { encoding: 'utf8' })
      .stdout.trim()
      .split('\n');
    for (const p of children) {
      const m = /^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'));
      kb += Number(m?.[1] ?? 0);
    }
  }
  return kb;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { zones: { type: 'string', default: '100' }, iterations: { type: 'string', default: '5' } } });
  const n = Number(values.zones);
  const iterations = Number(values.iterations);
  const work = mkdtempSync('/var/tmp/zonectl-clone-bench-');
  const root = join(work, 'state');
  const z = (...args: string[]): number => timed([process.execPath, ZONECTL, '--root', root, '-q', ...args]);
  const lines: string[] = [];
  try {
    // ---- clone time against the size of the source
    for (const mb of [100, 1024]) {
      const src = `src${mb}`;
      z('install', '--brand', 'native', 'busybox', '--name', src);
      const rootfs = join(root, 'zones', src, 'root');
      timed(['sh', '-c', `mkdir -p ${rootfs}/data && for i in $(seq 1 ${mb / 4}); do head -c 4194304 /dev/urandom > ${rootfs}/data/f$i; done`]);
      const clones: number[] = [];
      const copies: number[] = [];
      for (let i = 0; i < iterations; i++) {
        clones.push(z('clone', src, `c${mb}-${i}`));
        const dest = join(work, `copy-${mb}-${i}`);
        copies.push(timed(['cp', '-a', rootfs, dest]));
        rmSync(dest, { recursive: true, force: true });
      }
      for (let i = 0; i < iterations; i++) z('delete', '-F', `c${mb}-${i}`);
      z('delete', '-F', src);
      const c = median(clones);
      lines.push(`clone of a ${mb} MB zone: zonectl clone ${c.toFixed(0)} ms (the whole command), cp -a ${median(copies).toFixed(0)} ms  ${c < 200 ? 'PASS' : 'OVER'} (target 200 ms)`);
    }

    // ---- density: N busybox zones
    z('install', '--brand', 'native', 'busybox', '--name', 'base');
    const zones = Array.from({ length: n }, (_, i) => `d${i}`);
    for (const name of zones) z('clone', 'base', name);
    const idle = memAvailableKb();
    const t0 = Date.now();
    for (const name of zones) z('boot', name);
    const sequential = Date.now() - t0;
    const used = idle - memAvailableKb();
    const own = zonesPssKb(root, zones);
    const perZone = (used - own) / n;
    for (const name of zones) z('halt', name);
    const t1 = Date.now();
    for (let i = 0; i < zones.length; i += 4) await Promise.all(zones.slice(i, i + 4).map((name) => zonectlAsync(root, ['boot', name])));
    const parallel = Date.now() - t1;
    for (const name of zones) z('halt', name);
    lines.push(
      `density: ${n} busybox zones booted one after another in ${(sequential / 1000).toFixed(1)} s, 4 at a time in ${(parallel / 1000).toFixed(1)} s`,
      `host memory per running zone beyond its own processes: ${(perZone / 1024).toFixed(2)} MB (MemAvailable fell ${(used / 1024).toFixed(0)} MB, the zones' processes' PSS is ${(own / 1024).toFixed(0)} MB)  ${perZone < 2048 ? 'PASS' : 'OVER'} (target 2 MB)`,
    );
    for (const name of zones) z('delete', '-F', name);
    z('delete', '-F', 'base');
  } finally {
    spawnSync('sh', ['-c', `for m in $(grep -o "${work}[^ ]*" /proc/self/mounts | sort -r); do umount -l $m; done`]);
    rmSync(work, { recursive: true, force: true });
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
