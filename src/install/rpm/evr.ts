// RPM version comparison, as rpm itself does it (pure logic, no rpm on the host):
// rpmvercmp() is a line-by-line port of rpm's rpmio/rpmvercmp.c (rpm >= 4.15, which
// added the caret; tilde sorting dates from 4.10), compareEVR() compares
// epoch:version-release the way rpmdsCompare does for dependency ranges, and
// satisfies() is rpmdsCompare's range overlap test between a provide and a require.
import type { Dependency } from './package.js';
import { Sense } from './tags.js';

export type Order = -1 | 0 | 1;

/** An epoch:version-release. A missing or empty epoch is 0; a missing or empty release
 * is "any release" (compared only when both sides have one). */
export interface EVR {
  epoch?: string | undefined;
  version: string;
  release?: string | undefined;
}

/** One side of a dependency: a Dependency, or a provide written by hand. The sense comes
 * from `op` when it is set, else from the RPMSENSE_LESS/GREATER/EQUAL bits of `flags`. */
export interface Capability {
  name: string;
  /** [epoch:]version[-release]; '' or absent for any version. */
  version?: string | undefined;
  /** '<', '<=', '=', '==', '>=', '>' or '' (none). */
  op?: string | undefined;
  flags?: number | undefined;
}

// ASCII only, like rpm's risdigit/risalpha: anything else (including every non-ASCII
// character) is a separator.
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isAlpha = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const TILDE = 0x7e;
const CARET = 0x5e;

/** rpm's segmented version compare: 1 if `a` is newer, -1 if `b` is, 0 if the same.
 * Runs of digits compare numerically (leading zeros ignored) and beat runs of letters;
 * letters compare as ASCII; other characters only separate; `~` sorts before anything,
 * even the end of the string; `^` sorts after the end of the string but before anything
 * else. */
export function rpmvercmp(a: string, b: string): Order {
  if (a === b) return 0;
  // -1 stands for the C string's terminating NUL.
  const at = (s: string, i: number): number => (i < s.length ? s.charCodeAt(i) : -1);
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && !isDigit(at(a, i)) && !isAlpha(at(a, i)) && at(a, i) !== TILDE && at(a, i) !== CARET) i++;
    while (j < b.length && !isDigit(at(b, j)) && !isAlpha(at(b, j)) && at(b, j) !== TILDE && at(b, j) !== CARET) j++;
    const ca = at(a, i);
    const cb = at(b, j);

    // The tilde sorts before everything else, the end of the string included.
    if (ca === TILDE || cb === TILDE) {
      if (ca !== TILDE) return 1;
      if (cb !== TILDE) return -1;
      i++;
      j++;
      continue;
    }
    // The caret is like the tilde, except that a string that ends (the base version)
    // sorts before it.
    if (ca === CARET || cb === CARET) {
      if (ca === -1) return -1;
      if (cb === -1) return 1;
      if (ca !== CARET) return 1;
      if (cb !== CARET) return -1;
      i++;
      j++;
      continue;
    }
    if (ca === -1 || cb === -1) break;

    // One all-digit or all-letter segment of each, by the type of a's.
    let ei = i;
    let ej = j;
    const isNum = isDigit(ca);
    const inSegment = isNum ? isDigit : isAlpha;
    while (ei < a.length && inSegment(at(a, ei))) ei++;
    while (ej < b.length && inSegment(at(b, ej))) ej++;
    // Different types (b's segment is empty): numbers are newer than letters.
    if (ej === j) return isNum ? 1 : -1;

    let sa = a.slice(i, ei);
    let sb = b.slice(j, ej);
    if (isNum) {
      sa = sa.replace(/^0+/, '');
      sb = sb.replace(/^0+/, '');
      // The number with more digits wins.
      if (sa.length !== sb.length) return sa.length > sb.length ? 1 : -1;
    }
    // strcmp: ASCII digits or letters only, so code unit order is byte order.
    if (sa !== sb) return sa < sb ? -1 : 1;
    i = ei;
    j = ej;
  }
  // Every segment compared equal (the separators may still differ).
  if (i >= a.length && j >= b.length) return 0;
  // Whichever still has characters left wins.
  return i >= a.length ? -1 : 1;
}

/** Splits "[epoch:]version[-release]" as rpm's parseEVR does: the epoch is leading digits
 * ended by ':' (":1.0" has epoch 0), the release is what follows the last '-'. */
export function parseEVR(evr: string): EVR {
  let s = 0;
  while (s < evr.length && isDigit(evr.charCodeAt(s))) s++;
  let epoch: string | undefined;
  let rest = evr;
  if (evr[s] === ':') {
    epoch = s === 0 ? '0' : evr.slice(0, s);
    rest = evr.slice(s + 1);
  }
  const dash = rest.lastIndexOf('-');
  if (dash === -1) return { epoch, version: rest, release: undefined };
  return { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) };
}

/** "[epoch:]version-release", the form rpm gives a package's own "name = EVR" provide. */
export function formatEVR(e: EVR): string {
  const epoch = e.epoch === undefined || e.epoch === '' ? '' : `${e.epoch}:`;
  const release = e.release === undefined || e.release === '' ? '' : `-${e.release}`;
  return `${epoch}${e.version}${release}`;
}

/** Compares epochs (missing = 0), then versions, then releases only if both have one:
 * so "1.0" is equal to "1.0-3", as a dependency on "foo >= 1.0" needs (rpm's
 * rpmverOverlap). rpm's plain ordering (rpmverCmp, rpm.vercmp in Lua) differs only
 * there: it puts "1.0" before "1.0-3". Packages always have a release, so ranking
 * candidates by this is the same. */
export function compareEVR(a: EVR, b: EVR): Order {
  const ea = a.epoch === undefined || a.epoch === '' ? '0' : a.epoch;
  const eb = b.epoch === undefined || b.epoch === '' ? '0' : b.epoch;
  const byEpoch = rpmvercmp(ea, eb);
  if (byEpoch !== 0) return byEpoch;
  const byVersion = rpmvercmp(a.version, b.version);
  if (byVersion !== 0) return byVersion;
  if (a.release === undefined || a.release === '' || b.release === undefined || b.release === '') return 0;
  return rpmvercmp(a.release, b.release);
}

const hasRelease = (e: EVR): boolean => e.release !== undefined && e.release !== '';

const SENSE_MASK = Sense.LESS | Sense.GREATER | Sense.EQUAL;
const OP_SENSE: Record<string, number> = {
  '<': Sense.LESS,
  '<=': Sense.LESS | Sense.EQUAL,
  '=': Sense.EQUAL,
  '==': Sense.EQUAL,
  '>=': Sense.GREATER | Sense.EQUAL,
  '>': Sense.GREATER,
  '<>': Sense.LESS | Sense.GREATER,
};

/** The RPMSENSE_LESS/GREATER/EQUAL bits a capability compares with (0 for none). */
export function senseOf(c: Capability): number {
  if (c.op !== undefined && c.op !== '') return OP_SENSE[c.op] ?? 0;
  return (c.flags ?? 0) & SENSE_MASK;
}

/** Whether `provided` meets `required`: the same name and overlapping version ranges,
 * exactly as rpmdsCompare. A side without a comparison or a version is an existence
 * test and overlaps anything: an unversioned provide satisfies "foo >= 2", and
 * "foo = 1.0-1" satisfies an unversioned require. Both versioned: the ranges
 * (provide "foo >= 2" and require "foo < 3" overlap) are compared by compareEVR, so
 * a release matters only when both sides give one. */
export function satisfies(provided: Capability, required: Capability | Dependency): boolean {
  if (provided.name !== required.name) return false;
  const ps = senseOf(provided);
  const rs = senseOf(required);
  if (ps === 0 || rs === 0) return true;
  const pv = provided.version ?? '';
  const rv = required.version ?? '';
  if (pv === '' || rv === '') return true;
  const a = parseEVR(pv);
  const b = parseEVR(rv);
  const sense = compareEVR(a, b);
  // Current rpm (rpmverOverlap, rpmio/rpmver.c): when the versions are equal and only one side has a
  // release, "= 1.0" on the other side means any release of 1.0, so they overlap.
  if (sense === 0 && hasRelease(a) !== hasRelease(b) && ((hasRelease(a) && (rs & Sense.EQUAL) !== 0) || (hasRelease(b) && (ps & Sense.EQUAL) !== 0))) {
    return true;
  }
  if (sense < 0) return (ps & Sense.GREATER) !== 0 || (rs & Sense.LESS) !== 0;
  if (sense > 0) return (ps & Sense.LESS) !== 0 || (rs & Sense.GREATER) !== 0;
  return ((ps & Sense.EQUAL) !== 0 && (rs & Sense.EQUAL) !== 0) || ((ps & Sense.LESS) !== 0 && (rs & Sense.LESS) !== 0) || ((ps & Sense.GREATER) !== 0 && (rs & Sense.GREATER) !== 0);
}
