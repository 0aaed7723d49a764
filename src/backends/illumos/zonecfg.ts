// A reader for zonecfg command files (`zonecfg -z Z -f FILE`, `zonecfg export`): it runs
// the commands against an in-memory model the way zonecfg(8) would (create, set, clear,
// add/select ... end, cancel, remove), so a file that edits as it goes reads as the
// configuration it leaves. Facts: usr/src/man/man1m/zonecfg.1m and
// usr/src/cmd/zonecfg/zonecfg_grammar.y in illumos-gate.
import type { ZoneResource } from '../../core/zone.js';
import { argText, fileError, lexCommands, type Arg, type Command } from './zonecfg-lexer.js';
import { formatValue, parseValue, type ZonecfgValue } from './zonecfg-value.js';

/** How the file began the configuration: `create -b` (blank), plain `create` (the
 * host's default template), `create -t TEMPLATE` or `create -a PATH` (a detached zone). */
export interface CreateMode {
  kind: 'blank' | 'default' | 'template' | 'attach';
  arg?: string;
  force: boolean;
}

export interface ZonecfgModel {
  /** The last `create`; absent when the file only edits an existing zone. */
  create?: CreateMode;
  /** `create -t TEMPLATE`'s template, for callers that only care about that. */
  template?: string;
  /** Global properties, decoded (no quotes), in the order first set. */
  globals: Record<string, string>;
  /** Resources in order; prop values in canonical zonecfg syntax (see zonecfg-value.ts). */
  resources: ZoneResource[];
}

/** Properties that hold lists: `add NAME VALUE` appends one, `set` replaces them all.
 * Per resource type, since attr's `value` is simple but rctl's is a list. */
export const LIST_PROPS: Record<string, string[]> = {
  fs: ['options'],
  net: ['property'],
  rctl: ['value'],
};

/** What `end` insists on (zonecfg's own checks are stricter; these catch typos early
 * with a line number). */
const REQUIRED: Record<string, string[]> = {
  fs: ['dir', 'special', 'type'],
  net: ['physical'],
  device: ['match'],
  rctl: ['name', 'value'],
  attr: ['name', 'type', 'value'],
  dataset: ['name'],
  'dedicated-cpu': ['ncpus'],
  'capped-cpu': ['ncpus'],
  admin: ['user', 'auths'],
};

interface Scope {
  resource: ZoneResource;
  /** Index of the resource being edited by `select`; undefined for `add`. */
  selected?: number;
  line: number;
}

/** Resource types a zone has at most one of. */
const SINGLETONS = ['capped-cpu', 'capped-memory', 'dedicated-cpu', 'security-flags'];

class Reader {
  private model: ZonecfgModel;
  private scope: Scope | undefined;
  private done = false;

  constructor(
    private readonly file: string,
    initial?: ZonecfgModel,
  ) {
    // A copy: the file's edits must not change the caller's model.
    this.model =
      initial === undefined
        ? { globals: {}, resources: [] }
        : { globals: { ...initial.globals }, resources: initial.resources.map((r) => ({ type: r.type, props: r.props.map((p) => ({ ...p })) })) };
  }

  private fail(c: Command, reason: string): never {
    throw fileError(this.file, c.line, reason);
  }

  run(commands: Command[]): ZonecfgModel {
    for (const c of commands) {
      if (this.done) break;
      this.command(c);
    }
    if (this.scope !== undefined) {
      throw fileError(this.file, this.scope.line, `"${this.scope.selected === undefined ? 'add' : 'select'} ${this.scope.resource.type}" is never ended (missing end)`);
    }
    return this.model;
  }

  private command(c: Command): void {
    switch (c.name) {
      case 'create':
        return this.create(c);
      case 'set':
        return this.set(c);
      case 'clear':
        return this.clear(c);
      case 'add':
        return this.add(c);
      case 'select':
        return this.select(c);
      case 'remove':
        return this.remove(c);
      case 'end':
        return this.end(c);
      case 'cancel':
        if (this.scope === undefined) this.fail(c, 'cancel outside a resource');
        this.scope = undefined;
        return;
      case 'exit':
        return this.exit(c);
      case 'verify':
      case 'commit':
      case 'info':
      case 'export':
      case 'help':
        // Nothing to change: verify and commit happen on the host, info and export print.
        return;
      case 'revert':
      case 'delete':
        this.fail(c, `"${c.name}" is not supported in a command file zonectl reads`);
        break;
      default:
        this.fail(c, `unknown command "${c.name}"`);
    }
  }

  private words(c: Command): string[] {
    return c.args.map((a) => (a.kind === 'word' ? a.text : this.fail(c, `unexpected ${argText(a)} after ${c.name}`)));
  }

  private create(c: Command): void {
    if (this.scope !== undefined) this.fail(c, 'create inside a resource (missing end)');
    const w = this.words(c);
    let mode: CreateMode = { kind: 'default', force: false };
    for (let i = 0; i < w.length; i++) {
      const opt = w[i];
      if (opt === '-F') mode = { ...mode, force: true };
      else if (opt === '-b') mode = { kind: 'blank', force: mode.force };
      else if (opt === '-X')
        continue; // Joyent: the XML already exists; nothing to model.
      else if (opt === '-t' || opt === '-a') {
        const arg = w[++i];
        if (arg === undefined) this.fail(c, `create ${opt} needs ${opt === '-t' ? 'a template' : 'a path'}`);
        mode = { kind: opt === '-t' ? 'template' : 'attach', arg, force: mode.force };
      } else this.fail(c, `create: unknown option "${opt}"`);
    }
    // create starts over: whatever came before is replaced.
    this.model = { create: mode, globals: {}, resources: [], ...(mode.kind === 'template' && mode.arg !== undefined ? { template: mode.arg } : {}) };
  }

  /** The single NAME=VALUE of set (an optional -F first, for zonepath). */
  private pairOf(c: Command): { name: string; value: ZonecfgValue } {
    const args = c.args[0]?.kind === 'word' && c.args[0].text === '-F' ? c.args.slice(1) : c.args;
    const [a, ...rest] = args;
    if (a === undefined || a.kind !== 'pair') this.fail(c, `${c.name} needs NAME=VALUE`);
    if (rest.length > 0) this.fail(c, `unexpected ${argText(rest[0] as Arg)} after ${c.name} ${a.name}=...`);
    return { name: a.name, value: a.value };
  }

  private set(c: Command): void {
    const { name, value } = this.pairOf(c);
    if (this.scope === undefined) {
      if (value.kind !== 'simple') this.fail(c, `global property ${name} takes a simple value`);
      this.model.globals[name] = value.text;
      return;
    }
    const props = this.scope.resource.props;
    const text = formatValue(value);
    const at = props.findIndex((p) => p.name === name);
    // set replaces every value of the property (a list included), where it first stood.
    const kept = props.filter((p) => p.name !== name);
    kept.splice(at < 0 ? kept.length : at, 0, { name, value: text });
    this.scope.resource.props = kept;
  }

  private clear(c: Command): void {
    const [name, ...rest] = this.words(c);
    if (name === undefined || rest.length > 0) this.fail(c, 'clear needs one property name');
    if (this.scope === undefined) delete this.model.globals[name];
    else this.scope.resource.props = this.scope.resource.props.filter((p) => p.name !== name);
  }

  private add(c: Command): void {
    if (this.scope === undefined) {
      const [type, ...rest] = this.words(c);
      if (type === undefined) this.fail(c, 'add needs a resource type');
      if (rest.length > 0) this.fail(c, `add ${type}: unexpected "${rest[0]}" (properties are set inside the resource)`);
      this.scope = { resource: { type, props: [] }, line: c.line };
      return;
    }
    const [n, v, ...rest] = c.args;
    if (n === undefined || n.kind !== 'word' || v === undefined || rest.length > 0) {
      this.fail(c, `inside ${this.scope.resource.type}, add takes a property and a value (missing end?)`);
    }
    const value: ZonecfgValue = v.kind === 'word' ? { kind: 'simple', text: v.text } : v.kind === 'value' ? v.value : this.fail(c, `add ${n.text}: unexpected ${argText(v)}`);
    this.scope.resource.props.push({ name: n.text, value: formatValue(value) });
  }

  /** The PROP=VALUE filters of select and remove, as canonical text. */
  private filters(c: Command, args: Arg[]): Array<{ name: string; value: string }> {
    return args.map((a) => (a.kind === 'pair' ? { name: a.name, value: formatValue(a.value) } : this.fail(c, `expected PROP=VALUE, found ${argText(a)}`)));
  }

  private matching(type: string, filters: Array<{ name: string; value: string }>): number[] {
    const out: number[] = [];
    this.model.resources.forEach((r, i) => {
      if (r.type === type && filters.every((f) => r.props.some((p) => p.name === f.name && p.value === f.value))) out.push(i);
    });
    return out;
  }

  private select(c: Command): void {
    if (this.scope !== undefined) this.fail(c, 'select inside a resource (missing end)');
    const [t, ...pairs] = c.args;
    if (t === undefined || t.kind !== 'word') this.fail(c, 'select needs a resource type');
    // The resources a zone has at most one of are selected by type alone (zonecfg(8):
    // `select capped-memory`); the others need PROP=VALUE to pick one.
    if (pairs.length === 0 && !SINGLETONS.includes(t.text)) this.fail(c, `select ${t.text} needs PROP=VALUE to pick one resource`);
    const hits = this.matching(t.text, this.filters(c, pairs));
    if (hits.length !== 1) this.fail(c, `select ${t.text} matches ${hits.length} resources; it must match exactly one`);
    const index = hits[0] as number;
    const current = this.model.resources[index] as ZoneResource;
    // Edits go to a copy: cancel leaves the resource as it was.
    this.scope = { resource: { type: current.type, props: current.props.map((p) => ({ ...p })) }, selected: index, line: c.line };
  }

  private remove(c: Command): void {
    if (this.scope !== undefined) return this.removeValue(c);
    let args = c.args;
    const force = args[0]?.kind === 'word' && args[0].text === '-F';
    if (force) args = args.slice(1);
    const [t, ...pairs] = args;
    if (t === undefined || t.kind !== 'word') this.fail(c, 'remove needs a resource type');
    const hits = this.matching(t.text, this.filters(c, pairs));
    if (hits.length === 0 && !force) this.fail(c, `remove ${t.text}: no such resource`);
    this.model.resources = this.model.resources.filter((_, i) => !hits.includes(i));
  }

  /** In a resource: `remove PROP VALUE` drops that value (one element of a list). */
  private removeValue(c: Command): void {
    const scope = this.scope as Scope;
    const [n, v, ...rest] = c.args;
    let name: string;
    let value: ZonecfgValue;
    if (n?.kind === 'pair' && v === undefined) ({ name, value } = n);
    else if (n?.kind === 'word' && v !== undefined && v.kind !== 'pair' && rest.length === 0) {
      name = n.text;
      value = v.kind === 'word' ? { kind: 'simple', text: v.text } : v.value;
    } else this.fail(c, 'inside a resource, remove takes a property and a value');
    const drop = formatValue(value);
    let found = false;
    const props: ZoneResource['props'] = [];
    for (const p of scope.resource.props) {
      if (p.name !== name) {
        props.push(p);
        continue;
      }
      if (p.value === drop) {
        found = true;
        continue;
      }
      const pv = parseValue(p.value);
      if (pv.kind === 'list') {
        const kept = pv.items.filter((i) => formatValue(i) !== drop);
        if (kept.length !== pv.items.length) found = true;
        if (kept.length > 0) props.push({ name, value: formatValue({ kind: 'list', items: kept }) });
        continue;
      }
      props.push(p);
    }
    if (!found) this.fail(c, `remove ${name}: the ${scope.resource.type} has no such value`);
    scope.resource.props = props;
  }

  private end(c: Command): void {
    const scope = this.scope;
    if (scope === undefined) this.fail(c, 'end outside a resource');
    const r = scope.resource;
    const missing = ((Object.hasOwn(REQUIRED, r.type) ? REQUIRED[r.type] : undefined) ?? []).filter((n) => !r.props.some((p) => p.name === n));
    if (missing.length > 0) this.fail(c, `${r.type} is missing ${missing.join(', ')}`);
    if (r.type === 'capped-memory' && r.props.length === 0) this.fail(c, 'capped-memory needs physical, swap or locked');
    if (scope.selected === undefined) this.model.resources.push(r);
    else this.model.resources[scope.selected] = r;
    this.scope = undefined;
  }

  private exit(c: Command): void {
    const w = this.words(c);
    if (w.some((o) => o !== '-F')) this.fail(c, `exit: unknown option "${w.find((o) => o !== '-F')}"`);
    if (this.scope !== undefined) {
      // zonecfg refuses to quit with a resource open unless forced; forced, it is dropped.
      if (!w.includes('-F')) this.fail(c, `exit inside ${this.scope.resource.type} (missing end; exit -F drops it)`);
      this.scope = undefined;
    }
    this.done = true;
  }
}

/** Reads a zonecfg command file; errors are ZoneError('invalid-file', 'FILE:LINE: reason').
 * With `initial`, the file's commands edit that configuration (zonecfg -z Z -f FILE on
 * an existing zone). */
export function readZonecfg(text: string, file: string, initial?: ZonecfgModel): ZonecfgModel {
  return new Reader(file, initial).run(lexCommands(text, file));
}
