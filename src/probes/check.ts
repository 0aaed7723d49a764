// What a doctor reports: one line per thing a host has or lacks for zones, each lack
// with the command that fixes it. Every host's doctor fills the same shape.
export type CheckStatus = 'ok' | 'warn' | 'missing';

export interface DoctorCheck {
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
}

export interface DoctorReport {
  host: { os: string; kernel: string; arch: string; target?: string };
  /** The report's first line, as the CLI prints it. */
  summary: string;
  checks: DoctorCheck[];
  /** No check is 'missing'. */
  ok: boolean;
}
