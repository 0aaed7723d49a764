// Whether this host runs a userland's ABI, found by doing it: a tiny static program for
// that ABI (made here, a hundred-odd bytes: exit(42) and nothing else) is executed, and
// what happened is the answer. A kernel's config can say it has 32-bit support while
// the hypervisor or a boot parameter refuses it; only an exec tells. A program that ran
// is native, or emulated where a binfmt_misc handler claimed it (its interpreter named).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeToDebian } from '../core/arch.js';

/** A userland ABI by its Debian architecture name. */
export type AbiName = 'amd64' | 'i386' | 'arm64' | 'armhf' | 'ppc64el' | 's390x' | 'riscv64';

interface AbiSpec {
  elf64: boolean;
  littleEndian: boolean;
  machine: number;
  flags: number;
  /** exit(42) in the ABI's own instructions and system call convention. */
  code: number[];
}

const le32 = (...words: number[]): number[] => words.flatMap((w) => [w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, (w >>> 24) & 0xff]);

const ABIS: Record<AbiName, AbiSpec> = {
  // mov $60,%eax; mov $42,%edi; syscall
  amd64: { elf64: true, littleEndian: true, machine: 62, flags: 0, code: [0xb8, 60, 0, 0, 0, 0xbf, 42, 0, 0, 0, 0x0f, 0x05] },
  // mov $1,%eax; mov $42,%ebx; int $0x80
  i386: { elf64: false, littleEndian: true, machine: 3, flags: 0, code: [0xb8, 1, 0, 0, 0, 0xbb, 42, 0, 0, 0, 0xcd, 0x80] },
  // mov x0,#42; mov x8,#93 (exit); svc #0
  arm64: { elf64: true, littleEndian: true, machine: 183, flags: 0, code: le32(0xd2800540, 0xd2800ba8, 0xd4000001) },
  // mov r0,#42; mov r7,#1 (exit); svc #0 (EABI 5, hard float)
  armhf: { elf64: false, littleEndian: true, machine: 40, flags: 0x05000400, code: le32(0xe3a0002a, 0xe3a07001, 0xef000000) },
  // li r0,1 (exit); li r3,42; sc (ELFv2)
  ppc64el: { elf64: true, littleEndian: true, machine: 21, flags: 2, code: le32(0x38000001, 0x3860002a, 0x44000002) },
  // lghi %r2,42; svc 1 (exit)
  s390x: { elf64: true, littleEndian: false, machine: 22, flags: 0, code: [0xa7, 0x29, 0x00, 0x2a, 0x0a, 0x01] },
  // li a0,42; li a7,93 (exit); ecall
  riscv64: { elf64: true, littleEndian: true, machine: 243, flags: 5, code: le32(0x02a00513, 0x05d00893, 0x00000073) },
};

export const ABI_NAMES = Object.keys(ABIS) as AbiName[];

/** The ABI of a userland whose architecture is recorded in Node's names (x64, ia32...),
 * by core/arch.ts's one table of names. */
export function abiOfArch(nodeArch: string): AbiName | undefined {
  const debian = nodeToDebian(nodeArch);
  return (ABI_NAMES as string[]).includes(debian) ? (debian as AbiName) : undefined;
}

/** The ABI Node itself runs as: the host's own (zonectl's node is the host's). */
export function hostAbi(): AbiName | undefined {
  return abiOfArch(process.arch);
}

const BASE = 0x400000;

/** A complete static ELF executable for the ABI that exits with status 42. */
export function tinyElf(abi: AbiName): Buffer {
  return elfProgram(abi, ABIS[abi].code);
}

/** A static ELF executable of the ABI whose one loaded segment is `code` (machine code,
 * entered at its first byte; the rest of the segment is readable and writable data
 * only if the code makes it so: use the stack). */
export function elfProgram(abi: AbiName, code: number[]): Buffer {
  const a = { ...ABIS[abi], code };
  const ehsize = a.elf64 ? 64 : 52;
  const phentsize = a.elf64 ? 56 : 32;
  const codeAt = ehsize + phentsize;
  const size = codeAt + a.code.length;
  const b = Buffer.alloc(size);
  const u16 = (o: number, v: number): number => (a.littleEndian ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o));
  const u32 = (o: number, v: number): number => (a.littleEndian ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o));
  const u64 = (o: number, v: number): number => (a.littleEndian ? b.writeBigUInt64LE(BigInt(v), o) : b.writeBigUInt64BE(BigInt(v), o));
  const addr = a.elf64 ? u64 : u32;
  const word = a.elf64 ? 8 : 4;
  b.set([0x7f, 0x45, 0x4c, 0x46, a.elf64 ? 2 : 1, a.littleEndian ? 1 : 2, 1], 0); // magic, class, data, version
  u16(16, 2); // ET_EXEC
  u16(18, a.machine);
  u32(20, 1);
  addr(24, BASE + codeAt); // e_entry
  addr(24 + word, ehsize); // e_phoff
  addr(24 + 2 * word, 0); // e_shoff
  const o = 24 + 3 * word;
  u32(o, a.flags);
  u16(o + 4, ehsize);
  u16(o + 6, phentsize);
  u16(o + 8, 1); // e_phnum
  // One PT_LOAD of the whole file, readable and executable, at BASE.
  const p = ehsize;
  u32(p, 1);
  if (a.elf64) {
    u32(p + 4, 5); // p_flags R|X
    u64(p + 8, 0);
    u64(p + 16, BASE);
    u64(p + 24, BASE);
    u64(p + 32, size);
    u64(p + 40, size);
    u64(p + 48, 0x1000);
  } else {
    u32(p + 4, 0);
    u32(p + 8, BASE);
    u32(p + 12, BASE);
    u32(p + 16, size);
    u32(p + 20, size);
    u32(p + 24, 5);
    u32(p + 28, 0x1000);
  }
  b.set(a.code, codeAt);
  return b;
}

/** One registered binfmt_misc handler (a file under /proc/sys/fs/binfmt_misc). */
export interface BinfmtHandler {
  name: string;
  enabled: boolean;
  interpreter: string;
  flags: string;
  offset: number;
  magic: Buffer;
  mask: Buffer;
}

/** A handler's file, as the kernel prints it ("enabled", "interpreter ...", "flags: F",
 * "offset 0", "magic 7f45...", "mask ff..."); undefined for an extension (E) handler. */
export function parseBinfmtHandler(name: string, text: string): BinfmtHandler | undefined {
  const lines = text.split('\n');
  const value = (key: string): string | undefined =>
    lines
      .find((l) => l.startsWith(`${key} `) || l.startsWith(`${key}:`))
      ?.slice(key.length + 1)
      .trim();
  const magic = value('magic');
  if (magic === undefined) return undefined;
  const m = Buffer.from(magic, 'hex');
  const mask = value('mask');
  return {
    name,
    enabled: lines[0]?.trim() === 'enabled',
    interpreter: value('interpreter') ?? '',
    flags: value('flags') ?? '',
    offset: Number(value('offset') ?? '0'),
    magic: m,
    mask: mask === undefined ? Buffer.alloc(m.length, 0xff) : Buffer.from(mask, 'hex'),
  };
}

export const BINFMT_DIR = '/proc/sys/fs/binfmt_misc';

export function readBinfmtHandlers(dir = BINFMT_DIR): BinfmtHandler[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n !== 'register' && n !== 'status');
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    try {
      const h = parseBinfmtHandler(n, readFileSync(join(dir, n), 'utf8'));
      return h === undefined ? [] : [h];
    } catch {
      return [];
    }
  });
}

/** The enabled handler that would claim a file starting with `head`, as the kernel
 * matches them (magic under mask, at offset). */
export function handlerFor(handlers: BinfmtHandler[], head: Buffer): BinfmtHandler | undefined {
  return handlers.find((h) => {
    if (!h.enabled || h.offset + h.magic.length > head.length) return false;
    for (let i = 0; i < h.magic.length; i++) {
      const mask = h.mask[i] ?? 0xff;
      if (((head[h.offset + i] ?? 0) & mask) !== ((h.magic[i] ?? 0) & mask)) return false;
    }
    return true;
  });
}

export type AbiMode = 'native' | 'emulated' | 'cannot run';

export interface AbiProbe {
  abi: AbiName;
  mode: AbiMode;
  /** What ran it ("the kernel", "qemu-i386 7.2.13 via binfmt_misc handler qemu-i386"),
   * or what happened instead ("Exec format error"). */
  detail: string;
  handler?: BinfmtHandler;
}

/** The interpreter's own name and version ("qemu-i386 7.2.13"), from its --version. */
export function interpreterVersion(path: string): string {
  // Debian's .../qemu-binfmt/ARCH-binfmt-P names read their arguments as a program's:
  // the emulator itself answers --version.
  const preserving = /\/qemu-binfmt\/([\w-]+)-binfmt-P$/.exec(path);
  const program = preserving === null ? path : `/usr/bin/qemu-${preserving[1]}-static`;
  const r = spawnSync(program, ['--version'], { encoding: 'utf8', timeout: 5000 });
  const m = /^(\S+) version (\S+)/m.exec(r.stdout ?? '');
  return m === null ? path : `${m[1]?.replace(/^.*\//, '')} ${m[2]}`;
}

/** Executes the ABI's tiny program from `dir` (a directory that allows exec) and says
 * what happened. */
export function probeAbi(abi: AbiName, dir = tmpdir(), handlers: BinfmtHandler[] = readBinfmtHandlers()): AbiProbe {
  const elf = tinyElf(abi);
  const file = join(dir, `zonectl-abi-probe-${abi}-${process.pid}`);
  try {
    writeFileSync(file, elf);
    chmodSync(file, 0o755);
    // Through bash's exec, which is a plain execve(2): libuv's execvp would hand a file
    // the kernel refuses (ENOEXEC) to /bin/sh as a script and hide the kernel's answer.
    const r = spawnSync('bash', ['-c', 'exec "$0"', file], { timeout: 10_000, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.error !== undefined) return { abi, mode: 'cannot run', detail: `bash: ${r.error.message}` };
    if (r.status !== 42) {
      // FILE: line 1: FILE: cannot execute binary file: Exec format error (then a "Success" line)
      const lines = (r.stderr ?? '').trim().split('\n');
      const said = (lines.find((l) => l.includes('cannot execute')) ?? lines[0])?.split(': ').pop() || undefined;
      return { abi, mode: 'cannot run', detail: r.signal !== null ? `killed by ${r.signal}` : (said ?? `exited ${r.status} instead of 42`) };
    }
    const handler = handlerFor(handlers, elf);
    if (handler === undefined) return { abi, mode: 'native', detail: 'the kernel' };
    return { abi, mode: 'emulated', detail: `${interpreterVersion(handler.interpreter)} via binfmt_misc handler ${handler.name}`, handler };
  } finally {
    rmSync(file, { force: true });
  }
}

/** Whether binfmt_misc is mounted here (where zonectl would register its handlers). */
export function binfmtMounted(dir = BINFMT_DIR): boolean {
  return existsSync(join(dir, 'register'));
}
