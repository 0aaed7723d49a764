// Which OS a host runs, found once per zonectl run from `uname` (and, on SunOS, the
// release file): it picks the backend, and on illumos the distribution's native brand.
import { ZoneError } from '../core/errors.js';
import { lastLine, type Executor } from './executor.js';

export type HostKind = 'linux' | 'freebsd' | 'illumos' | 'solaris';

export interface HostOs {
  kind: HostKind;
  /** uname -r: 14.1-RELEASE, 5.11, 5.10, 6.1.0-... */
  release: string;
  /** uname -m: amd64, i86pc, sun4v, x86_64 ... */
  machine: string;
  /** illumos distribution or Solaris line: omnios, smartos, openindiana, illumos (other),
   * solaris10, solaris11; undefined elsewhere. */
  distro?: string;
}

/** Classifies `uname -s -r -m -v` output (one line) and the first line of /etc/release. */
export function classifyHost(uname: string, release: string): HostOs {
  const [sys = '', rel = '', machine = '', ...ver] = uname.trim().split(/\s+/);
  const version = ver.join(' ');
  switch (sys) {
    case 'Linux':
      return { kind: 'linux', release: rel, machine };
    case 'FreeBSD':
      return { kind: 'freebsd', release: rel, machine };
    case 'SunOS': {
      const text = `${version} ${release}`.toLowerCase();
      if (rel === '5.10') return { kind: 'solaris', release: rel, machine, distro: 'solaris10' };
      if (/oracle solaris|^11\.|solaris 11/.test(text) && !/omnios|joyent|smartos|openindiana|illumos/.test(text)) {
        return { kind: 'solaris', release: rel, machine, distro: 'solaris11' };
      }
      const distro = /omnios/.test(text) ? 'omnios' : /joyent|smartos/.test(text) ? 'smartos' : /openindiana/.test(text) ? 'openindiana' : 'illumos';
      return { kind: 'illumos', release: rel, machine, distro };
    }
    default:
      throw new ZoneError('host-missing', `unsupported host OS "${sys}" (uname -s)`, {
        hint: 'zonectl manages Linux, FreeBSD, illumos and Solaris hosts',
      });
  }
}

/** Asks the host what it is, and whether it has `program` on its PATH (the zonectl a
 * Linux host runs itself): one round trip. */
export async function detectHost(ex: Executor, program = 'true'): Promise<HostOs & { hasProgram: boolean }> {
  const r = await ex.run(['sh', '-c', 'uname -s -r -m -v; echo ---; head -n 1 /etc/release 2>/dev/null; echo ---; command -v "$1" >/dev/null 2>&1 && echo yes; exit 0', 'sh', program]);
  if (r.code !== 0) throw new ZoneError('runtime', `cannot tell which OS ${ex.target} runs: uname failed: ${lastLine(r)}`);
  const [uname = '', rel = '', has = ''] = r.stdout.split('---\n');
  return { ...classifyHost(uname, rel.trim()), hasProgram: has.trim() === 'yes' };
}
