// ZONECTL_TEST_STOP_AT (tests only): a verb stops itself with SIGSTOP at the named
// point ("phase", or "phase#N" for its Nth time), so a test can kill -9 it exactly
// there and check what a crash leaves behind.
const seen = new Map<string, number>();

export function testStopPoint(phase: string): void {
  const want = process.env.ZONECTL_TEST_STOP_AT;
  if (want === undefined) return;
  const n = (seen.get(phase) ?? 0) + 1;
  seen.set(phase, n);
  if (want === phase || want === `${phase}#${n}`) process.kill(process.pid, 'SIGSTOP');
}
