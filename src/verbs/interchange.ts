// Zone configurations in and out in the host tools' own formats: an illumos zonecfg
// command file (`configure -f`, `export --format zonecfg`) on any host, and FreeBSD's
// jail.conf (`import --jail-conf`, `export --format jail.conf`). What zonectl models
// lands in config and fs; the rest is kept in native and written back unchanged.
import type { Context } from './context.js';
import { checkAssignment } from '../core/config.js';
import { ZoneError } from '../core/errors.js';
import { createZone, reconfigureZone } from './config.js';
import { validateZoneName, type ZoneRecord, type ZoneView } from '../core/zone.js';
import { readZonecfg } from '../backends/illumos/zonecfg.js';
import { hostBrandFor, zonecfgToZone, zoneToZonecfg, type ImportedZone } from '../backends/illumos/zone-config.js';
import { writeZonecfg } from '../backends/illumos/zonecfg-writer.js';
import { formatJailBlock, parseJailConf, type ConfiguredJail } from '../backends/freebsd/jail-conf.js';
import { jailToZone, zoneToJailParams } from '../backends/freebsd/jail-zone.js';
import { jailPaths } from '../backends/freebsd/jail-kind.js';
import { loadBrand } from '../brands/brand.js';
import { existsSync, readFileSync } from 'node:fs';
import type { ZoneState } from '../core/zone.js';

/** The zonecfg brand a zone is written with: the same-named brand, or the host brand
 * it was imported with; none for a native zone made here (the file then has no
 * `set brand`, and the host's default applies, as with plain zonecfg create). */
export function zonecfgBrandOf(record: ZoneRecord): string | undefined {
  return hostBrandFor(record.brand) ?? record.native?.zonecfg?.brand;
}

export function exportZonecfg(record: ZoneRecord): string {
  return writeZonecfg(zoneToZonecfg(record, zonecfgBrandOf(record)));
}

/** Config values the file gives, checked as --set would check them. */
function checkedConfig(zone: string, config: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) out[key] = checkAssignment({ key, value }, zone);
  return out;
}

function applyImported(base: ZoneRecord, im: ImportedZone): ZoneRecord {
  const next: ZoneRecord = { ...base, brand: im.brand, config: checkedConfig(base.name, im.config) };
  // The file's zonepath gets --set's checks: absolute, not /, no '..'.
  if (im.zonepath !== undefined) next.zonepath = checkAssignment({ key: 'zonepath', value: im.zonepath }, base.name);
  if (im.fs !== undefined) next.fs = im.fs;
  else delete next.fs;
  if (im.native !== undefined) next.native = im.native;
  else delete next.native;
  return next;
}

/** `zonectl configure NAME -f FILE`: a new zone from the file, or the file's commands
 * applied to an existing zone's configuration (as zonecfg -z NAME -f FILE does). */
export async function configureFromZonecfg(ctx: Context, name: string, text: string, file: string): Promise<ZoneView> {
  validateZoneName(name);
  const existing = await ctx.store.tryRead(name);
  if (existing === undefined) {
    // Checked whole (values as --set checks them) before anything is created: a bad
    // file leaves no zone behind.
    const im = zonecfgToZone(readZonecfg(text, file), name);
    const probe = applyImported({ name, brand: im.brand, zonepath: ctx.host.defaultZonepath(name), config: {}, createdAt: '' }, im);
    return createZone(ctx, {
      name,
      brand: probe.brand,
      zonepath: probe.zonepath,
      config: probe.config,
      ...(probe.fs === undefined ? {} : { fs: probe.fs }),
      ...(probe.native === undefined ? {} : { native: probe.native }),
    });
  }
  // The file's commands run after the zone's current configuration, as zonecfg runs
  // them against the zone it has.
  const change = (r: ZoneRecord): ZoneRecord => {
    const current = { create: { kind: 'blank' as const, force: false }, ...zoneToZonecfg(r, zonecfgBrandOf(r)) };
    return applyImported(r, zonecfgToZone(readZonecfg(text, file, current), name));
  };
  return reconfigureZone(ctx, name, change);
}

/** `zonectl export NAME --format jail.conf`: the block the FreeBSD backend would write,
 * then its fstab (mount.fstab's file) as comment lines. */
export async function exportJailConf(record: ZoneRecord): Promise<string> {
  const brand = await loadBrand(record.brand);
  if (brand.hosts.freebsd === undefined) {
    throw new ZoneError('refused', `zone "${record.name}" has brand ${brand.name}, which does not run as a FreeBSD jail`, { zone: record.name, hint: 'brands native and lx do' });
  }
  const paths = jailPaths(record.name);
  const gen = zoneToJailParams(record, brand, paths);
  const fstab =
    gen.fstab === ''
      ? ''
      : `# ${paths.fstab}:\n${gen.fstab
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => `#   ${l}`)
          .join('\n')}\n`;
  return `${formatJailBlock(record.name, gen.params)}${fstab}`;
}

export interface ImportedView {
  name: string;
  brand: string;
  zonepath: string;
  config: Record<string, string>;
  state: ZoneState;
  /** The jail's root, as its path parameter says. */
  root: string;
}

/** The text of each fstab file the jails name (mount.fstab), read where the jails live:
 * on the host the zones go to, or here for a --dry-run (which makes nothing, on any machine). */
async function fstabTexts(ctx: Context, jails: ConfiguredJail[], dryRun: boolean): Promise<Map<string, string>> {
  const paths = [...new Set(jails.flatMap((j) => j.params.filter((p) => p.name === 'mount.fstab' && Array.isArray(p.value)).flatMap((p) => p.value as string[])))];
  const out = new Map<string, string>();
  for (const path of paths) {
    const text = dryRun ? (existsSync(path) ? readFileSync(path, 'utf8') : undefined) : await ctx.host.readHostFile(path);
    if (text !== undefined) out.set(path, text);
  }
  return out;
}

/** `zonectl import --jail-conf FILE [NAME]`: each configured jail (or the one named)
 * becomes a zone on this FreeBSD host; a jail whose root holds a system is installed,
 * one without is configured. Everything is checked before anything is made, and a
 * failure part way removes the zones this import made (their files are left alone).
 * With dryRun, only what would be made. */
export async function importJailConf(ctx: Context, text: string, file: string, only: string | undefined, dryRun: boolean): Promise<ImportedView[]> {
  const jails = parseJailConf(text, file);
  const picked = only === undefined ? jails : jails.filter((j) => j.name === only);
  if (picked.length === 0) {
    throw new ZoneError('not-found', only === undefined ? `${file} configures no jails` : `${file} does not configure a jail named "${only}"`, {
      hint: `jails in it: ${jails.map((j) => j.name).join(', ') || 'none'}`,
    });
  }
  if (!dryRun && !ctx.host.differences.importsJails) {
    throw new ZoneError('refused', 'import makes zones of jails on a FreeBSD host; this is not one', {
      hint: 'run it with --host FREEBSD-HOST, or add --dry-run to see the zones the file describes',
    });
  }
  const fstabs = await fstabTexts(ctx, picked, dryRun);
  const zones = picked.map((j) => {
    validateZoneName(j.name);
    return { jail: j, im: jailToZone(j.name, j.params, (p) => fstabs.get(p)) };
  });
  const views = zones.map(
    ({ jail, im }): ImportedView => ({ name: jail.name, brand: im.brand, zonepath: im.zonepath, config: checkedConfig(jail.name, im.config), state: 'configured', root: im.root }),
  );
  if (dryRun) return views;
  for (const { jail } of zones) {
    if (await ctx.store.exists(jail.name))
      throw new ZoneError('exists', `zone "${jail.name}" already exists`, { zone: jail.name, hint: 'import only the others: zonectl import JAIL --jail-conf FILE' });
  }
  const made: ZoneRecord[] = [];
  try {
    for (const [i, { jail, im }] of zones.entries()) {
      await createZone(
        ctx,
        {
          name: jail.name,
          brand: im.brand,
          zonepath: im.zonepath,
          config: checkedConfig(jail.name, im.config),
          ...(im.fs.length === 0 ? {} : { fs: im.fs }),
          ...(im.native.length === 0 ? {} : { native: { jail: im.native } }),
        },
        [],
        true,
      );
      const record = (await ctx.store.read(jail.name)).record;
      made.push(record);
      // A root that holds a system is an installed zone, ready to boot.
      const userland = await ctx.host.adopt(record, im.root);
      if (userland !== undefined) {
        await ctx.store.writeStatus(jail.name, { state: 'installed', since: userland.installedAt, userland });
        (views[i] as ImportedView).state = 'installed';
      }
      ctx.warn(`jail ${jail.name} is now zone ${jail.name}, described by /etc/jail.conf.d/${jail.name}.conf: remove its block from ${file} so the host does not know it twice`);
    }
  } catch (e) {
    for (const r of made) {
      await ctx.host.unconfigure(r).catch(() => undefined);
      await ctx.store.destroy(r.name).catch(() => undefined);
    }
    throw e;
  }
  return views;
}
