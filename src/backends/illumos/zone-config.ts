// A zonecfg configuration as a zonectl zone and back. What zonectl models goes to
// config and fs (keys keep zonecfg's names); everything else is kept verbatim in
// native (globals by name, resources in order, the unmodelled props of a partly
// mapped capped-memory as a capped-memory of their own), so file -> zone -> file ->
// zone gives the same zone. A value zonectl's config refuses stays native too.
import { ZoneError } from '../../core/errors.js';
import { acceptedValue, configValue } from '../../core/config.js';
import type { NativeSettings, ZoneFs, ZoneRecord, ZoneResource } from '../../core/zone.js';
import type { ZonecfgModel } from './zonecfg.js';
import { complexPairs, list, simple, simpleItems, simpleText } from './zonecfg-value.js';
import { configToNet, netToConfig } from './zone-net.js';

/** zonecfg brand -> zonectl brand for the brands that are the same thing on both;
 * any other (ipkg, lipkg, sparse, joyent, native, solaris ...) is zonectl's native. */
const SAME_BRAND: Record<string, string> = { lx: 'lx', solaris8: 'solaris8', solaris9: 'solaris9', solaris10: 's10' };

/** zonectl brand -> the zonecfg brand, where the host does not choose it. */
export function hostBrandFor(brand: string): string | undefined {
  return Object.entries(SAME_BRAND).find(([, ours]) => ours === brand)?.[0];
}

export interface ImportedZone {
  brand: string;
  zonepath?: string;
  config: Record<string, string>;
  fs?: ZoneFs[];
  native?: NativeSettings;
}

// Globals that are config keys of the same name.
const CONFIG_GLOBALS = ['autoboot', 'ip-type', 'cpu-shares', 'max-processes'];
// Attrs that are config keys: attr name=KEY type=string value=V.
const CONFIG_ATTRS = ['hostname', 'kernel-version'];
// rctl aliases zonecfg export writes instead of the global or resource (libzonecfg's
// aliases[] table: name, priv, action), and the config key each one is.
const RCTL_ALIASES: Record<string, { action: string; key: string; fromLimit: (limit: string) => string }> = {
  'zone.cpu-shares': { action: 'none', key: 'cpu-shares', fromLimit: (l) => l },
  'zone.max-processes': { action: 'deny', key: 'max-processes', fromLimit: (l) => l },
  // zone.cpu-cap is a percentage of one CPU; capped-cpu ncpus is CPUs.
  'zone.cpu-cap': { action: 'deny', key: 'capped-cpu', fromLimit: (l) => (/^\d+$/.test(l) ? String(Number(l) / 100) : '') },
};

class Importer {
  readonly config: Record<string, string> = {};
  readonly fs: ZoneFs[] = [];
  readonly globals: Record<string, string> = {};
  readonly resources: ZoneResource[] = [];
  private netMapped = false;

  constructor(
    private readonly zone: string,
    private readonly hostBrand: string | undefined,
  ) {}

  /** Takes a value into config if config accepts it and the key is still free. */
  take(key: string, value: string | undefined): boolean {
    if (value === undefined || key in this.config) return false;
    const v = acceptedValue(key, value);
    if (v === undefined) return false;
    this.config[key] = v;
    return true;
  }

  resource(r: ZoneResource): void {
    const mapped =
      (r.type === 'fs' && this.fsOf(r)) ||
      (r.type === 'net' && this.net(r)) ||
      (r.type === 'attr' && this.attr(r)) ||
      (r.type === 'rctl' && this.rctl(r)) ||
      (r.type === 'capped-cpu' && this.capped(r, 'ncpus', 'capped-cpu')) ||
      (r.type === 'capped-memory' && this.capped(r, 'physical', 'capped-memory'));
    if (!mapped) this.resources.push(r);
  }

  private props(r: ZoneResource, name: string): string[] {
    return r.props.filter((p) => p.name === name).map((p) => p.value);
  }

  /** The one simple value of a prop, or undefined (absent, repeated, list, complex). */
  private one(r: ZoneResource, name: string): string | undefined {
    const vs = this.props(r, name);
    return vs.length === 1 ? simpleText(vs[0] as string) : undefined;
  }

  private fsOf(r: ZoneResource): boolean {
    if (!r.props.every((p) => ['dir', 'special', 'type', 'options'].includes(p.name))) return false;
    const [dir, special] = [this.one(r, 'dir'), this.one(r, 'special')];
    const type = this.props(r, 'type').length === 0 ? undefined : this.one(r, 'type');
    if (dir === undefined || special === undefined || (this.props(r, 'type').length > 0 && type === undefined)) return false;
    const options: string[] = [];
    for (const v of this.props(r, 'options')) {
      const items = simpleItems(v);
      if (items === undefined) return false;
      options.push(...items);
    }
    this.fs.push({ dir, special, ...(type === undefined ? {} : { type }), ...(options.length === 0 ? {} : { options }) });
    return true;
  }

  private net(r: ZoneResource): boolean {
    if (this.netMapped) return false;
    const values = netToConfig(r, this.zone, this.config['ip-type'] ?? 'shared', this.hostBrand);
    if (values === undefined || Object.keys(values).some((k) => k in this.config)) return false;
    Object.assign(this.config, values);
    this.netMapped = true;
    return true;
  }

  private attr(r: ZoneResource): boolean {
    const name = this.one(r, 'name');
    if (r.props.length !== 3 || name === undefined || !CONFIG_ATTRS.includes(name) || this.one(r, 'type') !== 'string') return false;
    return this.take(name, this.one(r, 'value'));
  }

  private rctl(r: ZoneResource): boolean {
    const name = this.one(r, 'name') ?? '';
    // Own keys only: a resource named "constructor" is not an alias.
    const alias = Object.hasOwn(RCTL_ALIASES, name) ? RCTL_ALIASES[name] : undefined;
    const values = this.props(r, 'value');
    if (alias === undefined || r.props.length !== 2 || values.length !== 1) return false;
    const v = complexPairs(values[0] as string);
    if (v === undefined || Object.keys(v).sort().join() !== 'action,limit,priv' || v.priv !== 'privileged' || v.action !== alias.action) return false;
    return this.take(alias.key, alias.fromLimit(v.limit as string));
  }

  /** capped-cpu ncpus / capped-memory physical into config; the rest stays native. */
  private capped(r: ZoneResource, prop: string, key: string): boolean {
    if (this.props(r, prop).length !== 1 || !this.take(key, this.one(r, prop))) return false;
    const rest = r.props.filter((p) => p.name !== prop);
    if (rest.length > 0) this.resources.push({ type: r.type, props: rest });
    return true;
  }
}

function refuseCreate(model: ZonecfgModel): void {
  const c = model.create;
  if (c === undefined || c.kind === 'blank' || c.kind === 'default') return;
  const what = c.kind === 'template' ? `from template "${c.arg ?? ''}"` : `from the detached zone at ${c.arg ?? ''}`;
  throw new ZoneError('invalid-config', `the zonecfg file creates the zone ${what}, whose settings zonectl cannot see`, {
    hint: 'use the output of zonecfg -z ZONE export, which starts with create -b and says everything',
  });
}

/** A zonecfg model as a zonectl zone named `zone`. zonename is identity, not a setting:
 * it is dropped. Refuses create -t and -a (their settings are on the host, not here). */
export function zonecfgToZone(model: ZonecfgModel, zone: string): ImportedZone {
  refuseCreate(model);
  const g = model.globals;
  const hostBrand = g.brand;
  const im = new Importer(zone, hostBrand);
  // zonecfg's own default; set explicitly so zonectl's (exclusive) does not apply.
  if (model.create !== undefined && g['ip-type'] === undefined) im.config['ip-type'] = 'shared';
  for (const [k, v] of Object.entries(g)) {
    if (k === 'zonename' || k === 'zonepath') continue;
    if (k === 'brand' && hostBrand !== undefined && Object.hasOwn(SAME_BRAND, hostBrand)) continue;
    if (CONFIG_GLOBALS.includes(k) && im.take(k, v)) continue;
    im.globals[k] = v;
  }
  for (const r of model.resources) im.resource(r);
  const native: NativeSettings = {
    ...(Object.keys(im.globals).length === 0 ? {} : { zonecfg: im.globals }),
    ...(im.resources.length === 0 ? {} : { resources: im.resources }),
  };
  return {
    brand: hostBrand !== undefined && Object.hasOwn(SAME_BRAND, hostBrand) ? (SAME_BRAND[hostBrand] as string) : 'native',
    ...(g.zonepath === undefined ? {} : { zonepath: g.zonepath }),
    config: im.config,
    ...(im.fs.length === 0 ? {} : { fs: im.fs }),
    ...(Object.keys(native).length === 0 ? {} : { native }),
  };
}

function refuse(zone: string, message: string): never {
  throw new ZoneError('invalid-config', message, { zone });
}

function fsResource(f: ZoneFs): ZoneResource {
  const props = [
    { name: 'dir', value: simple(f.dir) },
    { name: 'special', value: simple(f.special) },
  ];
  if (f.type !== undefined) props.push({ name: 'type', value: simple(f.type) });
  if (f.options !== undefined && f.options.length > 0) props.push({ name: 'options', value: list(f.options) });
  return { type: 'fs', props };
}

function attr(name: string, value: string): ZoneResource {
  return {
    type: 'attr',
    props: [
      { name: 'name', value: simple(name) },
      { name: 'type', value: 'string' },
      { name: 'value', value: simple(value) },
    ],
  };
}

/** capped-cpu / capped-memory: the config prop first, then the native remainder. */
function capped(type: string, prop: string, value: string | undefined, remainder: ZoneResource | undefined): ZoneResource | undefined {
  if (value === undefined) return undefined;
  return { type, props: [{ name: prop, value: simple(value) }, ...(remainder?.props.filter((p) => p.name !== prop) ?? [])] };
}

/** The zonecfg model for a zone whose zonecfg brand on this host is `hostZoneBrand`.
 * Without one: the brand the zone was imported with, else none at all (zonecfg then
 * uses the distribution's default, and the file reads back as the same native zone). */
export function zoneToZonecfg(record: ZoneRecord, hostZoneBrand?: string): { globals: Record<string, string>; resources: ZoneResource[] } {
  const c = record.config;
  const ipType = configValue(c, 'ip-type') ?? 'exclusive';
  const brand = hostZoneBrand ?? record.native?.zonecfg?.brand;
  if (brand === 'lx' && ipType === 'shared') {
    refuse(record.name, 'lx zones cannot share the host\'s IP stack (lx_support: "lx zones do not support shared IP stacks"); set ip-type exclusive');
  }
  const maxProcs = c['max-processes'];
  if (maxProcs !== undefined && Number(maxProcs) < 100) {
    refuse(record.name, `max-processes ${maxProcs} is below 100, the least zonecfg accepts for zone.max-processes`);
  }
  const globals: Record<string, string> = { zonepath: record.zonepath, ...(brand === undefined ? {} : { brand }) };
  if (c.autoboot !== undefined) globals.autoboot = c.autoboot;
  globals['ip-type'] = ipType;
  for (const k of ['cpu-shares', 'max-processes']) if (c[k] !== undefined) globals[k] = c[k] as string;
  for (const [k, v] of Object.entries(record.native?.zonecfg ?? {})) {
    if (k !== 'zonename' && k !== 'brand' && !(k in globals)) globals[k] = v;
  }

  const native = record.native?.resources ?? [];
  const resources: ZoneResource[] = [...(record.fs ?? []).map(fsResource)];
  const net = configToNet(record.name, c, brand ?? '');
  if (net !== undefined) resources.push(net);
  for (const key of CONFIG_ATTRS) if (c[key] !== undefined) resources.push(attr(key, c[key] as string));
  // A capped resource whose remainder is native is written whole where the remainder
  // stands, so it reads back in the same place.
  const caps: Array<[string, string, string]> = [
    ['capped-cpu', 'ncpus', 'capped-cpu'],
    ['capped-memory', 'physical', 'capped-memory'],
  ];
  const merged = new Map<ZoneResource, ZoneResource>();
  for (const [type, prop, key] of caps) {
    const rest = c[key] === undefined ? undefined : native.find((r) => r.type === type);
    const whole = capped(type, prop, c[key], rest);
    if (whole === undefined) continue;
    if (rest === undefined) resources.push(whole);
    else merged.set(rest, whole);
  }
  resources.push(...native.map((r) => merged.get(r) ?? r));
  // zonecfg refuses the second of these (add_resource(): "already exists").
  if (resources.some((r) => r.type === 'dedicated-cpu') && resources.some((r) => r.type === 'capped-cpu')) {
    refuse(record.name, 'a zone cannot have both dedicated-cpu and capped-cpu (zonecfg refuses the second)');
  }
  return { globals, resources };
}
