// What --host costs, measured side by side in one run against a real sshd on loopback:
//   - one short remote command: a fresh ssh connection each time (ControlPath=none)
//     against zonectl's SshExecutor over its one multiplexed master, as root and as a
//     user whose login shell is /bin/sh (a login shell's rc files are paid on every
//     command: Debian's bash reads ~/.bashrc for ssh commands, and root's here runs
//     pyenv init, about 90 ms);
//   - a managed host's store operation (read a zone: the POSIX-tools store) locally
//     through sh, and over the master;
//   - `zonectl list` on this machine against `zonectl --host` (the command handed to
//     the host's own zonectl over ssh).
// Prints medians and ratios. No pass/fail: the numbers are for the notes.
//
//   npm run build && node --import tsx bench/remote-host.ts [--iterations N]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SshExecutor } from '../src/transport/ssh.js';
import { LocalExecutor } from '../src/transport/local.js';
import { RemoteStoreFs } from '../src/transport/store-over-executor.js';
import { ZoneStore } from '../src/core/store.js';
import { addTestUser, SSHD_ALIAS, startSshd } from '../test/integration/sshd.js';

const CLI = fileURLToPath(new URL('../dist/zonectl.mjs', import.meta.url));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function must(argv: string[], env?: NodeJS.ProcessEnv): void {
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${String(r.status)}: ${r.stderr}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { iterations: { type: 'string', default: '21' } } });
  const n = Number(values.iterations);
  const sshd = await startSshd();
  const work = mkdtempSync(join(tmpdir(), 'zonectl-bench-remote-'));
  const control = join(work, 'control');
  const ex = new SshExecutor({ host: SSHD_ALIAS }, { sshOptions: sshd.sshOptions, controlDir: control });
  const removeUser = addTestUser(sshd, 'zonectl-bench', '/bin/sh');
  const shEx = new SshExecutor({ user: 'zonectl-bench', host: SSHD_ALIAS }, { sshOptions: sshd.sshOptions, controlDir: join(work, 'control-sh') });
  const root = join(work, 'root');
  const env = { ZONECTL_SSH_OPTIONS: sshd.sshOptions.join(' '), ZONECTL_REMOTE_COMMAND: `${process.execPath} ${CLI}` };
  const samples = new Map<string, number[]>();
  const add = (k: string, ms: number): void => void samples.set(k, [...(samples.get(k) ?? []), ms]);
  try {
    const localStore = new ZoneStore(root, new RemoteStoreFs(new LocalExecutor()));
    const remoteStore = new ZoneStore(root, new RemoteStoreFs(ex));
    await localStore.create({ name: 'z', brand: 'native', zonepath: '/zones/z', config: {}, createdAt: '' }, { state: 'configured', since: '' });
    must([process.execPath, CLI, '--root', root, 'list']);
    await ex.run(['true']); // the masters come up outside the timings
    await shEx.run(['true']);
    for (let i = 0; i <= n; i++) {
      const round: Array<[string, () => Promise<unknown> | unknown]> = [
        ['ssh true, new connection each time', () => must(['ssh', ...sshd.sshOptions, '-o', 'ControlPath=none', '-o', 'BatchMode=yes', SSHD_ALIAS, 'true'])],
        ['ssh true, over the master', () => ex.run(['true'])],
        ['ssh true, over the master, sh user', () => shEx.run(['true'])],
        ['ssh true, new connection, sh user', () => must(['ssh', ...sshd.sshOptions, '-l', 'zonectl-bench', '-o', 'ControlPath=none', '-o', 'BatchMode=yes', SSHD_ALIAS, 'true'])],
        ['store read, local sh', () => localStore.read('z')],
        ['store read, over the master', () => remoteStore.read('z')],
        ['zonectl list, here', () => must([process.execPath, CLI, '--root', root, 'list'])],
        ['zonectl --host list', () => must([process.execPath, CLI, '--host', SSHD_ALIAS, '--root', root, 'list'], env)],
      ];
      // Alternate the order every round so drift in machine load falls on both sides.
      for (const [k, fn] of i % 2 === 0 ? round : [...round].reverse()) {
        const ms = await time(fn);
        if (i > 0) add(k, ms); // round 0 warms caches
      }
    }
    const m = (k: string): number => median(samples.get(k) ?? []);
    process.stdout.write(`remote-host bench, ${n} rounds (medians, ms)\n`);
    for (const k of samples.keys()) process.stdout.write(`  ${k.padEnd(40)} ${m(k).toFixed(1)}\n`);
    process.stdout.write(
      `  multiplexing: a remote command costs ${(m('ssh true, over the master') / m('ssh true, new connection each time')).toFixed(2)}x a new connection's as root, ${(m('ssh true, over the master, sh user') / m('ssh true, new connection, sh user')).toFixed(2)}x for the sh user\n`,
    );
    process.stdout.write(
      `  --host list costs ${(m('zonectl --host list') - m('zonectl list, here')).toFixed(1)} ms more than a local list (${(m('zonectl --host list') / m('zonectl list, here')).toFixed(2)}x)\n`,
    );
  } finally {
    await ex.close().catch(() => undefined);
    await shEx.close().catch(() => undefined);
    removeUser();
    rmSync(work, { recursive: true, force: true });
    await sshd.stop();
  }
}

await main();
