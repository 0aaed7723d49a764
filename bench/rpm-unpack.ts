// RPM unpack benchmark (issue 3): zonectl's own RPM reader and confined writer against
// `rpm2cpio FILE | cpio -idm` over the same packages into empty directories, in one
// run, alternating order. Target: zonectl at most 1.2 x the rpm2cpio | cpio time.
//
//   node --import tsx bench/rpm-unpack.ts [--iterations N] [DIR_OF_RPMS]
//
// Default packages: the real RHEL 5 / CentOS 6 ones in shared/testdata/rpm/real.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { extractRpmPayload, readRpm } from '../src/install/rpm/package.js';
import { ConfinedWriter, DEFAULT_LIMITS } from '../src/install/writer.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

async function zonectlUnpack(files: string[], out: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  const writer = new ConfinedWriter(out, { zone: 'bench', limits: DEFAULT_LIMITS, asRoot: process.getuid?.() === 0, source: 'bench' });
  for (const f of files) {
    const pkg = await readRpm(f, { verify: true });
    await extractRpmPayload(pkg, (e, c) => writer.write(e, c), 'bench');
  }
  await writer.finish();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function cpioUnpack(files: string[], out: string): number {
  const t0 = process.hrtime.bigint();
  const script = files.map((f) => `rpm2cpio '${f}' | cpio -idm --quiet`).join(' && ');
  const r = spawnSync('sh', ['-c', script], { cwd: out, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`rpm2cpio | cpio failed: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ options: { iterations: { type: 'string', default: '7' } }, allowPositionals: true });
  const dir = resolve(positionals[0] ?? new URL('../../shared/testdata/rpm/real', import.meta.url).pathname);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.rpm'))
    .map((f) => join(dir, f));
  const work = mkdtempSync('/var/tmp/zonectl-rpm-bench-');
  const ours: number[] = [];
  const theirs: number[] = [];
  try {
    for (let i = 0; i < Number(values.iterations); i++) {
      const a = join(work, `z${i}`);
      const b = join(work, `c${i}`);
      mkdirSync(a);
      mkdirSync(b);
      if (i % 2 === 0) {
        ours.push(await zonectlUnpack(files, a));
        theirs.push(cpioUnpack(files, b));
      } else {
        theirs.push(cpioUnpack(files, b));
        ours.push(await zonectlUnpack(files, a));
      }
      rmSync(a, { recursive: true, force: true });
      rmSync(b, { recursive: true, force: true });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const ratio = median(ours) / median(theirs);
  process.stdout.write(
    `RPM unpack: ${files.length} packages from ${dir}, ${values.iterations} iterations, medians\n` +
      `rpm2cpio | cpio ${median(theirs).toFixed(0)} ms  zonectl (read, verify, unpack) ${median(ours).toFixed(0)} ms  ratio ${ratio.toFixed(2)}x  ${ratio <= 1.2 ? 'PASS' : 'OVER'} (target 1.2x)\n`,
  );
}

await main();
