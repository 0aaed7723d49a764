// Which host `--host` names: [ssh://][user@]host[:port], a bracketed IPv6
// address ([::1]:2222), a bare IPv6 address (no port: its colons leave none), or an
// alias from ~/.ssh/config. The parts end up on ssh's command line, so anything that
// ssh could read as an option or a shell could read as syntax is refused here.
import { ZoneError } from '../core/errors.js';

export interface HostSpec {
  user?: string;
  /** Name, alias or address as ssh takes it (IPv6 without brackets). */
  host: string;
  port?: number;
}

const HINT = 'give [ssh://][user@]host[:port], e.g. root@10.0.0.5, ssh://admin@[fe80::1]:2222 or an alias from ~/.ssh/config';

// Names and aliases: what DNS and ssh_config Host lines use. Allowing no more keeps
// shell and ssh syntax ($, ', `, ;, %) out of every command line the host reaches.
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const IPV6 = /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%[A-Za-z0-9_.-]+)?$/;
// User names as useradd and directory services make them; '@' for realm users
// (the host is after the last '@', as ssh reads it), '$' only last (machine accounts).
const USER = /^[A-Za-z0-9_.][A-Za-z0-9_.@+-]*\$?$/;
const MAX_HOST = 255;

/** Parses a --host value; a ZoneError('usage') names the value and what is wrong. */
export function parseHostSpec(value: string): HostSpec {
  const fail = (why: string): never => {
    throw new ZoneError('usage', `--host ${shown(value)}: ${why}`, { hint: HINT });
  };
  checkWhole(value, fail);
  const rest = value.startsWith('ssh://') ? value.slice('ssh://'.length) : value;
  if (rest.includes('/')) fail("holds '/': a host takes no path");
  const at = rest.lastIndexOf('@');
  const user = at < 0 ? undefined : rest.slice(0, at);
  const { host, port } = splitPort(rest.slice(at + 1), fail);
  if (user !== undefined) checkUser(user, fail);
  checkHost(host, fail);
  return { ...(user === undefined ? {} : { user }), host, ...(port === undefined ? {} : { port }) };
}

/** The spec written back as [user@]host[:port] (IPv6 bracketed when a port follows). */
export function formatHostSpec(spec: HostSpec): string {
  const host = spec.port !== undefined && spec.host.includes(':') ? `[${spec.host}]` : spec.host;
  return `${spec.user === undefined ? '' : `${spec.user}@`}${host}${spec.port === undefined ? '' : `:${spec.port}`}`;
}

type Fail = (why: string) => never;

function checkWhole(value: string, fail: Fail): void {
  if (value === '') fail('is empty');
  if (/[\u0000-\u001f\u007f-\u009f]/.test(value)) fail('holds a control character');
  if (/\s/.test(value)) fail('holds white space');
  if (value.startsWith('-')) fail("starts with '-', which ssh would read as an option");
}

function splitPort(hostPort: string, fail: Fail): { host: string; port?: number } {
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    if (close < 0) fail("has '[' without ']'");
    const after = hostPort.slice(close + 1);
    const host = hostPort.slice(1, close);
    if (!IPV6.test(host)) fail(`[${host}] is not an IPv6 address`);
    if (after === '') return { host };
    if (!after.startsWith(':')) fail(`unexpected "${after}" after ']'`);
    return { host, port: parsePort(after.slice(1), fail) };
  }
  const colons = hostPort.split(':').length - 1;
  // Two or more colons: a bare IPv6 address, which cannot carry a port.
  if (colons !== 1) return { host: hostPort };
  const colon = hostPort.indexOf(':');
  return { host: hostPort.slice(0, colon), port: parsePort(hostPort.slice(colon + 1), fail) };
}

function parsePort(text: string, fail: Fail): number {
  if (text === '') fail("has ':' but no port after it");
  if (!/^[0-9]{1,5}$/.test(text)) fail(`port "${text}" is not a number`);
  const port = Number(text);
  if (port < 1 || port > 65535) fail(`port ${text} is not in 1..65535`);
  return port;
}

function checkUser(user: string, fail: Fail): void {
  if (user === '') fail("has '@' but no user name before it");
  if (user.startsWith('-')) fail(`user "${user}" starts with '-', which ssh would read as an option`);
  if (!USER.test(user)) fail(`user "${user}" holds characters a user name does not have`);
}

function checkHost(host: string, fail: Fail): void {
  if (host === '') fail('names no host');
  if (host.startsWith('-')) fail(`host "${host}" starts with '-', which ssh would read as an option`);
  if (host.length > MAX_HOST) fail(`host name is longer than ${MAX_HOST} characters`);
  if (host.includes(':')) {
    if (!IPV6.test(host)) fail(`"${host}" is neither a host name nor an IPv6 address`);
    return;
  }
  if (!NAME.test(host)) fail(`host "${host}" holds characters a host name or ssh alias does not have`);
}

/** The value quoted for a one-line message, control characters escaped. */
function shown(value: string): string {
  const escaped = value.replace(/[\u0000-\u001f\u007f-\u009f"\\]/g, (c) => (c === '"' || c === '\\' ? `\\${c}` : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
  return `"${escaped}"`;
}
