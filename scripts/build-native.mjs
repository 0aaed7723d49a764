// Builds dist/zonectl-uname-shim from native/uname-shim.c with the host's C compiler:
// Node cannot receive a seccomp notify fd or issue its ioctls. Run by the build and by
// the package's install step (an installed package compiles it for its own host).
// Without a compiler zonectl still works: lx zones fall back to UNAME26 and
// `zonectl doctor` and `brands show` say so.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../native/uname-shim.c', import.meta.url));
const out = fileURLToPath(new URL('../dist/zonectl-uname-shim', import.meta.url));
mkdirSync(fileURLToPath(new URL('../dist', import.meta.url)), { recursive: true });
const cc = process.env.CC ?? 'cc';
const r = spawnSync(cc, ['-O2', '-Wall', '-Wextra', '-o', out, src], { encoding: 'utf8' });
if (r.error !== undefined || r.status !== 0) {
  process.stderr.write(`zonectl: zonectl-uname-shim not built (${r.error?.message ?? r.stderr.trim()}); lx zones will report UNAME26 kernels\n`);
}
