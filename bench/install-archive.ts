// Install benchmark (issue 3): unpacking a real root filesystem tarball of 100+ MB
// with `zonectl install --source` against GNU tar into an empty directory, gzip and
// xz, side by side in one run. Target: zonectl at most 1.2 x GNU tar's wall time.
//
//   node scripts/build.mjs && node --import tsx bench/install-archive.ts [--iterations N] [--rootfs DIR]
//
// The rootfs is a Debian bookworm i386 minbase made by debootstrap (cached under
// /var/cache/zonectl-bench, made once; needs the Debian mirror), or --rootfs DIR.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ZONECTL = fileURLToPath(new URL('../dist/zonectl.mjs', import.meta.url));
const CACHE = '/var/cache/zonectl-bench';
const TARGET = 1.2;

function sh(argv: string[], what: string): void {
  const r = spawnSync(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${what} failed: ${r.stderr.trim().split('\n').pop() ?? ''}`);
}

function timed(argv: string[], what: string): number {
  const t0 = process.hrtime.bigint();
  sh(argv, what);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function rootfs(given: string | undefined): string {
  if (given !== undefined) return given;
  const dir = join(CACHE, 'bookworm-i386');
  if (!existsSync(join(dir, 'etc', 'debian_version'))) {
    process.stderr.write('install-archive: making the rootfs once with debootstrap (bookworm i386 minbase)...\n');
    mkdirSync(CACHE, { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    sh(['debootstrap', '--variant=minbase', '--arch=i386', 'bookworm', dir, 'http://deb.debian.org/debian'], 'debootstrap');
  }
  return dir;
}

function tarball(dir: string, kind: 'gzip' | 'xz'): string {
  const file = join(CACHE, `bookworm-i386.tar.${kind === 'gzip' ? 'gz' : 'xz'}`);
  if (!existsSync(file)) sh(['sh', '-c', `tar -C '${dir}' -cf - . | ${kind === 'gzip' ? 'gzip -6' : 'xz -T0 -6'} > '${file}.tmp' && mv '${file}.tmp' '${file}'`], `making ${file}`);
  return file;
}

function main(): void {
  const { values } = parseArgs({ options: { iterations: { type: 'string', default: '5' }, rootfs: { type: 'string' } } });
  if (process.getuid?.() !== 0) throw new Error('run as root: owners and device nodes are part of the work');
  const n = Number(values.iterations);
  const src = rootfs(values.rootfs);
  const du = spawnSync('du', ['-sb', src], { encoding: 'utf8' }).stdout.split('\t')[0];
  const work = mkdtempSync('/var/tmp/zonectl-bench-');
  const state = join(work, 'state');
  const rows: string[] = [];
  try {
    for (const kind of ['gzip', 'xz'] as const) {
      const file = tarball(src, kind);
      const tar: number[] = [];
      const zc: number[] = [];
      for (let i = 0; i < n; i++) {
        // Alternate which goes first, so both see the same machine noise.
        const runTar = (): void => {
          const out = join(work, `tar-${i}`);
          mkdirSync(out);
          sh(['sync'], 'sync');
          tar.push(timed(['tar', '-xf', file, '-C', out], 'GNU tar'));
          rmSync(out, { recursive: true, force: true });
        };
        const runZonectl = (): void => {
          sh([process.execPath, ZONECTL, '--root', state, 'create', `b${i}`, '--brand', 'native', '-q'], 'create');
          sh(['sync'], 'sync');
          zc.push(timed([process.execPath, ZONECTL, '--root', state, 'install', `b${i}`, '--source', file, '-q'], 'zonectl install'));
          sh([process.execPath, ZONECTL, '--root', state, 'delete', '-F', `b${i}`, '-q'], 'delete');
        };
        if (i % 2 === 0) {
          runTar();
          runZonectl();
        } else {
          runZonectl();
          runTar();
        }
      }
      const ratio = median(zc) / median(tar);
      rows.push(
        `${kind.padEnd(5)} ${(statSync(file).size / 2 ** 20).toFixed(0).padStart(5)} MB  GNU tar ${median(tar).toFixed(0).padStart(6)} ms  zonectl ${median(zc).toFixed(0).padStart(6)} ms  ratio ${ratio.toFixed(2)}x  ${ratio <= TARGET ? 'PASS' : 'OVER'} (target ${TARGET}x)`,
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  process.stdout.write(`install from a rootfs tarball: ${src}, ${(Number(du) / 2 ** 20).toFixed(0)} MB unpacked, ${n} iterations, medians\n${rows.join('\n')}\n`);
}

main();
