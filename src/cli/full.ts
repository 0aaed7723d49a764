// The whole command line: every command, --host and FreeBSD/illumos hosts, help and
// usage errors (yargs). Built into dist/cli.mjs, which zonectl.ts loads for whatever its
// fast path does not run; errors are rendered here, by this bundle's own classes.
import * as act from './actions.js';
import { parseFast } from './fast-argv.js';
import { renderError } from './render.js';
import { takeHostOption } from './host-option.js';

async function run(all: string[]): Promise<number> {
  const { host, rest: argv } = takeHostOption(all, process.env);
  // The ssh executor and the jail and zone backends load only when a run needs them.
  if (host !== undefined) {
    const route = await (await import('../hosts/connect.js')).routeToHost(host, argv);
    if (route.kind === 'delegated') return route.status;
    act.useToolHost(route.host);
  } else if (process.platform === 'freebsd' || process.platform === 'sunos') {
    const local = await (await import('../hosts/connect.js')).localToolHost(process.platform);
    if (local !== undefined) act.useToolHost(local);
  }
  const fast = parseFast(argv);
  if (fast !== undefined) return act.runFast(fast);
  return (await import('./yargs-cli.js')).runYargs(argv);
}

/** Runs one command line; resolves to the exit status. */
export async function main(all: string[]): Promise<number> {
  try {
    return await run(all);
  } catch (e) {
    return renderError(e, { json: all.includes('--json'), quiet: false });
  }
}
