// ZONECTL_TEST_STOP_AT (tests only): a verb stops itself with SIGSTOP at the named
// point, so a test can kill -9 it exactly there and check what a crash leaves behind.
export function testStopPoint(phase: string): void {
  if (process.env.ZONECTL_TEST_STOP_AT === phase) process.kill(process.pid, 'SIGSTOP');
}
