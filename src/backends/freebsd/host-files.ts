// Files zonectl keeps on a FreeBSD host (a jail's conf and fstab): written whole
// through one fixed command, the path a positional parameter and the text on stdin,
// so no part of either is ever read by a shell. A reader sees the old file or the new.
import { mustRun, type Executor } from '../../transport/executor.js';

// $1 is the path; the text arrives on stdin.
export const WRITE_FILE_SCRIPT = 'umask 022; mkdir -p "${1%/*}" && cat > "$1.tmp" && mv -f "$1.tmp" "$1"';

export function writeFileArgv(path: string): string[] {
  return ['sh', '-c', WRITE_FILE_SCRIPT, 'sh', path];
}

export async function writeHostFile(ex: Executor, path: string, text: string, zone: string): Promise<void> {
  await mustRun(ex, writeFileArgv(path), { zone, input: text });
}
