// The integrity checks an RPM's signature header carries: SIZE (header + payload
// bytes), MD5 (over header + payload), SHA-1 and SHA-256 (hex, over the main header's
// immutable region) and, from rpm 4.14, the main header's PAYLOADDIGEST. They catch
// damage and truncation, not forgery: that needs the OpenPGP signatures checked
// against a trusted key, which zonectl does not do here; it only reports whose key
// signed (the key ID), for the caller to judge.
import { createReadStream } from 'node:fs';
import type { Hash } from 'node:crypto';
import { crypto } from '../../core/builtins.js';
import type { RpmHeader } from './header.js';
import { HASH_ALGOS, SigTag, Tag } from './tags.js';

export interface VerifyResult {
  /** Every digest present matched, and the header and the payload were each covered
   * by at least one. */
  ok: boolean;
  /** One line per check, e.g. "md5: ok", "sha1: MISMATCH (…)", "sha256: absent". */
  checks: string[];
  /** The names of the checks that failed ("size", "md5", "sha1", …). */
  failed: string[];
}

/** What verification needs of a package. */
export interface VerifyInput {
  path: string;
  signature: RpmHeader;
  header: RpmHeader;
  /** File offsets of the main header and of the payload. */
  headerOffset: number;
  payloadOffset: number;
}

export interface RpmSignature {
  /** The signature header tag it came from. */
  kind: 'DSA' | 'RSA' | 'PGP' | 'GPG';
  covers: 'header' | 'header+payload';
  /** The signing key's 64-bit ID in hex (as `rpm -qi` shows it), if readable. */
  keyId: string | undefined;
}

const SIGNATURE_TAGS = [
  { tag: SigTag.DSA, kind: 'DSA', covers: 'header' },
  { tag: SigTag.RSA, kind: 'RSA', covers: 'header' },
  { tag: SigTag.PGP, kind: 'PGP', covers: 'header+payload' },
  { tag: SigTag.GPG, kind: 'GPG', covers: 'header+payload' },
] as const;

/** The OpenPGP signatures in a signature header, with their key IDs. */
export function signatures(sig: RpmHeader): RpmSignature[] {
  const out: RpmSignature[] = [];
  for (const { tag, kind, covers } of SIGNATURE_TAGS) {
    if (sig.type(tag) !== 7) continue; // not BIN: nothing rpm could check either
    out.push({ kind, covers, keyId: pgpKeyId(sig.bin(tag) as Buffer) });
  }
  return out;
}

/** The issuer key ID of an OpenPGP signature packet (RFC 4880 5.2), v3 or v4; every
 * length is checked, and anything unexpected gives undefined. */
export function pgpKeyId(p: Buffer): string | undefined {
  const body = packetBody(p);
  if (body === undefined || body.length < 1) return undefined;
  if (body[0] === 3) return body.length >= 15 && body[1] === 5 ? body.toString('hex', 7, 15) : undefined;
  if (body[0] !== 4 || body.length < 6) return undefined;
  const hashedLen = body.readUInt16BE(4);
  const hashedEnd = 6 + hashedLen;
  if (hashedEnd + 2 > body.length) return undefined;
  const unhashedEnd = hashedEnd + 2 + body.readUInt16BE(hashedEnd);
  if (unhashedEnd > body.length) return undefined;
  return issuer(body.subarray(6, hashedEnd)) ?? issuer(body.subarray(hashedEnd + 2, unhashedEnd));
}

/** The body of the first packet if it is a signature (tag 2), old or new format. */
function packetBody(p: Buffer): Buffer | undefined {
  const h = p[0];
  if (h === undefined || (h & 0x80) === 0) return undefined;
  if ((h & 0x40) === 0) {
    if (((h >> 2) & 0x0f) !== 2) return undefined;
    const n = [1, 2, 4][h & 3];
    if (n === undefined || p.length < 1 + n) return undefined;
    const len = n === 1 ? p.readUInt8(1) : n === 2 ? p.readUInt16BE(1) : p.readUInt32BE(1);
    return p.subarray(1 + n, 1 + n + len);
  }
  if ((h & 0x3f) !== 2) return undefined;
  const l = subpacketLength(p, 1);
  return l === undefined ? undefined : p.subarray(l.start, l.start + l.length);
}

/** An OpenPGP new-format length at `at`: where the data starts and its length. */
function subpacketLength(b: Buffer, at: number): { start: number; length: number } | undefined {
  const o = b[at];
  if (o === undefined) return undefined;
  if (o < 192) return { start: at + 1, length: o };
  if (o < 255) return at + 2 <= b.length ? { start: at + 2, length: ((o - 192) << 8) + (b[at + 1] as number) + 192 } : undefined;
  return at + 5 <= b.length ? { start: at + 5, length: b.readUInt32BE(at + 1) } : undefined;
}

/** The issuer (type 16) or issuer fingerprint (type 33) subpacket's key ID. */
function issuer(area: Buffer): string | undefined {
  for (let at = 0; at < area.length; ) {
    const l = subpacketLength(area, at);
    if (l === undefined || l.length < 1 || l.start + l.length > area.length) return undefined;
    const type = (area[l.start] as number) & 0x7f;
    const data = area.subarray(l.start + 1, l.start + l.length);
    if (type === 16 && data.length === 8) return data.toString('hex');
    if (type === 33 && data.length === 21) return data.toString('hex', 13, 21);
    at = l.start + l.length;
  }
  return undefined;
}

/** Hashes the file from the header on: `whole` over all of it, `payload` from the
 * payload offset. Returns the bytes read. */
async function hashFile(v: VerifyInput, whole: Hash, payload: Hash | undefined): Promise<number> {
  let at = v.headerOffset;
  for await (const chunk of createReadStream(v.path, { start: v.headerOffset })) {
    const c = chunk as Buffer;
    whole.update(c);
    if (payload !== undefined && at + c.length > v.payloadOffset) payload.update(c.subarray(Math.max(0, v.payloadOffset - at)));
    at += c.length;
  }
  return at - v.headerOffset;
}

class Checks {
  readonly lines: string[] = [];
  readonly failed: string[] = [];

  compare(name: string, expected: string | undefined, actual: () => string, what: string): boolean {
    if (expected === undefined) {
      this.lines.push(`${name}: absent`);
      return false;
    }
    const got = actual();
    if (got === expected.toLowerCase()) this.lines.push(`${name}: ok (${what})`);
    else {
      this.lines.push(`${name}: MISMATCH (${what}: expected ${expected}, got ${got})`);
      this.failed.push(name);
    }
    return true;
  }
}

/** The payload digest the main header declares (rpm >= 4.14), with its algorithm. */
function payloadDigest(h: RpmHeader): { hex: string; algo: string | undefined } | undefined {
  const hex = h.string(Tag.PAYLOADDIGEST);
  if (hex === undefined) return undefined;
  return { hex, algo: HASH_ALGOS[h.int(Tag.PAYLOADDIGESTALGO) ?? 8] };
}

/** Runs every check the package carries. */
export async function verifyRpm(v: VerifyInput): Promise<VerifyResult> {
  const sig = v.signature;
  const c = new Checks();
  const md5 = sig.bin(SigTag.MD5);
  const pd = payloadDigest(v.header);
  const pdHash = pd?.algo === undefined ? undefined : crypto().createHash(pd.algo);
  const whole = crypto().createHash('md5');
  const total = await hashFile(v, whole, pdHash);

  const size = sig.int(SigTag.LONGSIZE) ?? sig.int(SigTag.SIZE);
  c.compare('size', size?.toString(), () => String(total), `${total} bytes of header and payload`);
  const hasMd5 = c.compare('md5', md5?.toString('hex'), () => whole.digest('hex'), 'header and payload');
  const region = v.header.immutableBytes();
  const sha1 = c.compare('sha1', sig.string(SigTag.SHA1), () => crypto().createHash('sha1').update(region).digest('hex'), 'header');
  const sha256 = c.compare('sha256', sig.string(SigTag.SHA256), () => crypto().createHash('sha256').update(region).digest('hex'), 'header');
  let hasPd = false;
  if (pd !== undefined && pdHash === undefined) {
    c.lines.push(`payload-digest: unknown algorithm ${v.header.int(Tag.PAYLOADDIGESTALGO)}`);
    c.failed.push('payload-digest');
  } else hasPd = c.compare('payload-digest', pd?.hex, () => (pdHash as Hash).digest('hex'), `payload, ${pd?.algo}`);
  for (const s of signatures(sig)) c.lines.push(`${s.kind}: signature over the ${s.covers} by key ${s.keyId ?? '(unreadable)'}, not checked (no keyring)`);
  const covered = (hasMd5 || hasPd) && (hasMd5 || sha1 || sha256);
  if (!covered) {
    c.lines.push('coverage: no digest covers both the header and the payload');
    c.failed.push('coverage');
  }
  return { ok: c.failed.length === 0, checks: c.lines, failed: c.failed };
}
