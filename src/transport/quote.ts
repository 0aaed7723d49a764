// One argument vector as one command line for a remote login shell, quoted once.
// sshd hands the line to the user's login shell (`shell -c LINE`), and we do not know
// which: sh, bash, ksh (illumos), or csh/tcsh (root on FreeBSD before 14). So the line
// is written in the subset those shells read alike:
//   - every argument in single quotes, where sh and csh take $ ` " * ? ~ { } [ ] ; & |
//     spaces and tabs literally;
//   - the three characters that are not literal there everywhere go outside the quotes,
//     backslash-escaped: ' (it ends the quote), ! (csh expands history even inside
//     single quotes, also under -c) and \ (csh with `backslash_quote` set, and fish,
//     read \ inside single quotes);
//   - `exec` first, so csh runs the program argv[0] and not a builtin of that name
//     (csh's nice, time, kill, printf differ from the programs), as execvp would.
// A newline cannot be quoted for csh at all (an unmatched quote there, and \-newline
// is not portable), so a vector holding one is handed to /bin/sh instead: the line
// becomes `exec /bin/sh -c SCRIPT`, where SCRIPT has no newline either: it makes one
// with printf into $N and writes each newline as "$N". This needs no probe of the
// remote shell and costs one sh only for such commands.
import { ZoneError } from '../core/errors.js';

/** The command line that runs `argv` on a host whose login shell is any of sh, bash,
 * ksh, zsh, csh, tcsh or fish, each argument arriving unchanged. */
export function remoteCommand(argv: string[]): string {
  checkArgv(argv);
  if (!argv.some((a) => a.includes('\n'))) return `exec ${argv.map(quoteArg).join(' ')}`;
  const script = `N=$(printf '\\n.'); N=\${N%.}; exec ${argv.map(quoteForShWithNewlines).join(' ')}`;
  return `exec /bin/sh -c ${quoteArg(script)}`;
}

/** One argument (without newline) quoted so sh and csh alike read it back unchanged. */
export function quoteArg(arg: string): string {
  if (arg.includes('\n')) throw new Error('quoteArg: a newline cannot be quoted for csh; use remoteCommand');
  // Runs of plain characters in single quotes; each special one escaped outside them.
  const parts = arg.split(/(['!\\])/).filter((p) => p !== '');
  if (parts.length === 0) return "''";
  return parts.map((p) => (p === "'" || p === '!' || p === '\\' ? `\\${p}` : `'${p}'`)).join('');
}

/** For the /bin/sh script only: POSIX single quoting, each newline written as "$N". */
function quoteForShWithNewlines(arg: string): string {
  return arg
    .split('\n')
    .map((piece) => `'${piece.replaceAll("'", "'\\''")}'`)
    .join('"$N"');
}

function checkArgv(argv: string[]): void {
  if (argv.length === 0) throw new ZoneError('usage', 'no command to run on the remote host');
  argv.forEach((a, i) => {
    if (a.includes('\0')) {
      throw new ZoneError('usage', `argument ${i} of remote command ${JSON.stringify(argv[0])} holds a NUL byte, which no command line can carry`);
    }
  });
}
