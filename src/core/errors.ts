// One error type for everything a user can get wrong or the host can refuse.
// The CLI renders it once: "zonectl: <message>; <hint>" (or JSON with --json).

export type ErrorCode =
  | 'usage' // bad command line
  | 'invalid-name'
  | 'invalid-config'
  | 'invalid-file' // a brand, recipe or state file that does not parse or validate
  | 'exists'
  | 'not-found'
  | 'wrong-state'
  | 'locked'
  | 'host-missing' // the host lacks a program, package or kernel feature
  | 'runtime' // the OCI runtime (or another host tool) failed
  | 'install-failed'
  | 'refused'; // a destructive step that needs -F

export interface ErrorDetails {
  zone?: string;
  hint?: string;
  cause?: unknown;
  /** The process exit status the CLI should use (default 1), e.g. 127 for "command not found". */
  exit?: number;
}

export class ZoneError extends Error {
  readonly code: ErrorCode;
  readonly zone: string | undefined;
  readonly hint: string | undefined;
  readonly exit: number;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ZoneError';
    this.code = code;
    this.zone = details.zone;
    this.hint = details.hint;
    this.exit = details.exit ?? (code === 'usage' ? 2 : 1);
  }

  toJSON(): { code: ErrorCode; message: string; zone?: string; hint?: string } {
    const out: { code: ErrorCode; message: string; zone?: string; hint?: string } = {
      code: this.code,
      message: this.message,
    };
    if (this.zone !== undefined) out.zone = this.zone;
    if (this.hint !== undefined) out.hint = this.hint;
    return out;
  }
}

export function isZoneError(e: unknown): e is ZoneError {
  return e instanceof ZoneError;
}

/** The errno code of a Node.js system error, or undefined. */
export function errnoCode(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e) {
    const code = (e as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
