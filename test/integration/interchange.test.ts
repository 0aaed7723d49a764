// Zone configurations in the host tools' own formats, through the CLI: an illumos
// zonecfg command file makes a zone on this Linux host (`configure -f`), `export`
// writes it back, and the written file makes an identical zone; a file of edits
// (select ... end) changes an existing zone; a bad file is one line with its line
// number and leaves no zone; a jail.conf is read with --dry-run; `export --format
// jail.conf` gives a block that reads back as the same zone.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanup, json, makeRoot, ok, oneLine, zonectl } from './helpers.js';

const t = suite('zonecfg and jail.conf in and out');
const FIXTURES = fileURLToPath(new URL('../unit/fixtures/', import.meta.url));
let root = '';

t.before.each(() => {
  root = makeRoot();
});
t.after.each(() => cleanup(root));

interface View {
  name: string;
  brand: string;
  state: string;
  zonepath: string;
  config: Record<string, string>;
}

const RICH = `# a zone with what Linux hosts model and what only illumos has
create -b
set zonepath=/zones/web
set brand=lipkg
set autoboot=true
set ip-type=shared
set limitpriv=default,proc_priocntl
set bootargs="-m verbose"
add fs
set dir=/srv/data
set special=/tank/data
set type=lofs
add options ro
end
add capped-memory
set physical=512m
set swap=1g
end
add capped-cpu
set ncpus=1.5
end
add attr
set name=hostname
set type=string
set value=web.example.org
end
add rctl
set name=zone.max-lwps
add value (priv=privileged,limit=2000,action=deny)
end
add dataset
set name=tank/web/data
end
commit
`;

t('a zonecfg file makes a zone; its export makes the same zone again', () => {
  const file = join(root, 'web.cmd');
  writeFileSync(file, RICH);
  const v = JSON.parse(ok(root, ['configure', 'web', '-f', file, '--json']).stdout) as View;
  assert.is(v.brand, 'native');
  assert.is(v.zonepath, '/zones/web');
  assert.equal(v.config, { autoboot: 'true', 'ip-type': 'shared', 'capped-cpu': '1.5', 'capped-memory': '512M', hostname: 'web.example.org' });
  const exported = ok(root, ['export', 'web']).stdout;
  // Everything is there, the illumos-only settings too.
  for (const line of [
    'set brand=lipkg',
    'set limitpriv=default,proc_priocntl',
    'set bootargs="-m verbose"',
    'set swap=1g',
    'set name=zone.max-lwps',
    'add value (priv=privileged,limit=2000,action=deny)',
    'set name=tank/web/data',
    'add options [ro]',
  ]) {
    assert.ok(exported.includes(line), `export lacks "${line}":\n${exported}`);
  }
  const again = join(root, 'again.cmd');
  writeFileSync(again, exported.replace('set zonepath=/zones/web', 'set zonepath=/zones/web2'));
  ok(root, ['configure', 'web2', '-f', again]);
  const exported2 = ok(root, ['export', 'web2']).stdout;
  assert.is(exported2, exported.replace('set zonepath=/zones/web', 'set zonepath=/zones/web2'));
  const [a, b] = [json<View>(root, ['info', 'web']), json<View>(root, ['info', 'web2'])];
  assert.equal(b.config, a.config);
});

t('a file of edits changes an existing zone as zonecfg would', () => {
  const file = join(root, 'web.cmd');
  writeFileSync(file, RICH);
  ok(root, ['configure', 'web', '-f', file]);
  const edits = join(root, 'edits.cmd');
  writeFileSync(edits, 'select capped-cpu\nset ncpus=0.5\nend\nremove dataset\nset autoboot=false\n');
  const v = JSON.parse(ok(root, ['configure', 'web', '-f', edits, '--json']).stdout) as View;
  assert.is(v.config['capped-cpu'], '0.5');
  assert.is(v.config.autoboot, 'false');
  const out = ok(root, ['export', 'web']).stdout;
  assert.not.ok(out.includes('tank/web/data'), out);
  assert.ok(out.includes('set limitpriv=default,proc_priocntl'));
  // An edit that fails names its own line, and changes nothing.
  writeFileSync(edits, 'set autoboot=true\nselect fs dir=/nowhere\nend\n');
  const r = zonectl(root, ['configure', 'web', '-f', edits]);
  assert.is(r.code, 1);
  assert.ok(oneLine(r.stderr), r.stderr);
  assert.match(r.stderr, /edits\.cmd:2: select fs matches 0 resources/);
  assert.is(json<View>(root, ['info', 'web']).config.autoboot, 'false');
});

t('a bad zonecfg file is one line naming file and line, and leaves no zone', () => {
  const file = join(root, 'bad.cmd');
  writeFileSync(file, 'create -b\nset zonepath=/zones/bad\nadd fs\nset dir=/x\nend\n');
  const r = zonectl(root, ['configure', 'bad', '-f', file]);
  assert.is(r.code, 1);
  assert.ok(oneLine(r.stderr), r.stderr);
  assert.match(r.stderr, /bad\.cmd:5: /);
  assert.equal(json<unknown[]>(root, ['list']), []);
});

t("a zonepath the file gives gets --set's checks: / and .. are refused, no zone made", () => {
  for (const zp of ['/', '/zones/../etc', 'zones/rel']) {
    const file = join(root, 'zp.cmd');
    writeFileSync(file, `create -b\nset zonepath=${zp}\ncommit\n`);
    const r = zonectl(root, ['configure', 'zp', '-f', file]);
    assert.is(r.code, 1, zp);
    assert.ok(oneLine(r.stderr), r.stderr);
    assert.match(r.stderr, /for zonepath: must/);
  }
  assert.equal(json<unknown[]>(root, ['list']), []);
});

t('the zonecfg man page example (exclusive IP, two nets) reads; what Linux cannot use is kept', () => {
  ok(root, ['configure', 'excl', '-f', join(FIXTURES, 'illumos', 'zonecfg-1m-example3-excl.cmd')]);
  const out = ok(root, ['export', 'excl']).stdout;
  assert.match(out, /set physical=bge1\n/);
  assert.match(out, /set physical=bge33000\n/);
  assert.is(json<View>(root, ['info', 'excl']).config['ip-type'], 'exclusive');
});

t('import --dry-run reads the jail.conf(5) examples: wildcards and variables applied', () => {
  const zones = json<Array<View & { root: string }>>(root, ['import', '--jail-conf', join(FIXTURES, 'freebsd', 'jail.conf.5-examples.conf'), '--dry-run']);
  const foo = zones.find((z) => z.name === 'foo');
  assert.ok(foo !== undefined, JSON.stringify(zones));
  assert.is(foo.root, '/var/jail/foo');
  assert.is(foo.config.hostname, 'foo.com');
  // Nothing was created.
  assert.equal(json<unknown[]>(root, ['list']), []);
  const e = zonectl(root, ['import', '--jail-conf', join(FIXTURES, 'freebsd', 'jail.conf.5-examples.conf')]);
  assert.is(e.code, 1);
  assert.match(e.stderr, /import makes zones of jails on a FreeBSD host; this is not one/);
});

t('export --format jail.conf writes the jail the FreeBSD backend would make', () => {
  ok(root, [
    'create',
    'web',
    '--brand',
    'native',
    '--set',
    'hostname=web.example.org',
    '--set',
    'ip-type=shared',
    '--set',
    'net-address=192.0.2.5',
    '--set',
    'net-interface=em0',
    '--set',
    'net-subnet=192.0.2.0/24',
  ]);
  const text = ok(root, ['export', 'web', '--format', 'jail.conf']).stdout;
  assert.match(text, /^web \{\n/);
  assert.match(text, /\thost\.hostname = web\.example\.org;\n/);
  assert.match(text, /\tip4\.addr = em0\|192\.0\.2\.5\/24;\n/);
  assert.match(text, /\texec\.start = "\/bin\/sh \/etc\/rc";\n/);
  const file = join(root, 'web.conf');
  writeFileSync(file, text);
  const back = json<Array<View & { root: string }>>(root, ['import', '--jail-conf', file, '--dry-run']);
  assert.equal(
    back.map((z) => [z.name, z.zonepath, z.config]),
    [
      [
        'web',
        json<View>(root, ['info', 'web']).zonepath,
        { hostname: 'web.example.org', 'ip-type': 'shared', 'net-address': '192.0.2.5', 'net-interface': 'em0', 'net-subnet': '192.0.2.0/24' },
      ],
    ],
  );
});

t.run();
