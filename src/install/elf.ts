// Just enough ELF to answer two install-time questions: which architecture a
// userland's binaries are for, and whether a binary is static (needs no ld.so).
import { open } from 'node:fs/promises';

export interface ElfInfo {
  arch: string; // Node.js arch names: x64, ia32, arm64, arm, ... or "em-N"
  static: boolean; // no PT_INTERP program header
}

const PT_INTERP = 3;
const MACHINES: Record<number, string> = { 3: 'ia32', 8: 'mips', 20: 'ppc', 21: 'ppc64', 22: 's390x', 40: 'arm', 62: 'x64', 183: 'arm64', 243: 'riscv64' };

export async function readElf(path: string): Promise<ElfInfo | undefined> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const head = Buffer.alloc(64);
    // A directory opens fine and fails on read (EISDIR): not an ELF file either.
    const bytesRead = await fh.read(head, 0, 64, 0).then(
      (r) => r.bytesRead,
      () => 0,
    );
    if (bytesRead < 52 || head.readUInt32BE(0) !== 0x7f454c46) return undefined;
    const is64 = head[4] === 2;
    const le = head[5] === 1;
    const u16 = (b: Buffer, o: number): number => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b: Buffer, o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const machine = u16(head, 18);
    const phoff = is64 ? Number(le ? head.readBigUInt64LE(32) : head.readBigUInt64BE(32)) : u32(head, 28);
    const phentsize = u16(head, is64 ? 54 : 42);
    const phnum = u16(head, is64 ? 56 : 44);
    let isStatic = true;
    if (phentsize > 0 && phnum > 0 && phnum <= 256) {
      const ph = Buffer.alloc(phentsize * phnum);
      await fh.read(ph, 0, ph.length, phoff);
      for (let i = 0; i < phnum; i++) if (u32(ph, i * phentsize) === PT_INTERP) isStatic = false;
    }
    return { arch: MACHINES[machine] ?? `em-${machine}`, static: isStatic };
  } finally {
    await fh.close();
  }
}
