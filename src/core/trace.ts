// Named steps of long work, published on a diagnostics channel ("zonectl:step"). Nothing
// listens in normal runs (publishing then costs one check); the crash-safety tests
// subscribe from a preloaded module (test/fixtures/stop-at.mjs) and stop the process at
// the step they name, so no test code lives on the production path.
import { channel } from 'node:diagnostics_channel';

const steps = channel('zonectl:step');

export function traceStep(step: string): void {
  if (steps.hasSubscribers) steps.publish(step);
}
