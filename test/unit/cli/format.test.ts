import { describe, it, expect } from 'vitest';
import {
  renderTemplate, compileTemplate, isJsonFormat, isTableFormat, defaultHeader, splitCamelCase, goSprintf, goJsonIndent, withTemplateFields,
} from '../../../src/cli/format.js';
import { TpodError } from '../../../src/errors.js';

// Shaped like one `podman ps` item; expected strings are what podman 4.3.1 printed for it.
const ctr = { ID: 'd7b7ba2de7ef', Names: 'c1', Labels: { a: 'b', 'x.y': 'z' }, State: 'Created', Mounts: [] as string[], Ports: '' };
const r = (t: string, d: unknown = ctr): string => renderTemplate(t, d);

function errorOf(fn: () => unknown): TpodError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TpodError);
    return e as TpodError;
  }
  throw new Error('expected an error');
}

describe('fields, variables and literals', () => {
  it('reads fields, chains and map keys', () => {
    expect(r('{{.Names}} {{.Labels.a}} {{index .Labels "x.y"}}')).toBe('c1 b z');
    expect(r('{{.A.B.C}}', { A: { B: { C: 'deep' } } })).toBe('deep');
  });
  it('prints Go-style values', () => {
    expect(r('{{.Labels}}')).toBe('map[a:b x.y:z]');
    expect(r('{{.Mounts}}|{{.N}}|{{.F}}|{{.B}}|{{.Z}}', { Mounts: ['a', 'b'], N: 12, F: 1.5, B: true, Z: null })).toBe('[a b]|12|1.5|true|<nil>');
    expect(r('{{"x"}}{{`y`}}{{12}}{{1.5}}{{true}}{{-3}}{{0x10}}')).toBe('xy121.5true-316');
  });
  it('prints <no value> for a missing map key and "" through index', () => {
    expect(r('[{{.Labels.nokey}}][{{index .Labels "nokey"}}]')).toBe('[<no value>][]');
  });
  it('is case-sensitive, like Go', () => {
    expect(errorOf(() => r('{{.names}}')).message).toMatch(/can't evaluate field names/);
  });
  it('calls methods and getters, with arguments', () => {
    const d = { Size() { return '1.99 MB'; }, Label(k: string) { return k.toUpperCase(); } };
    expect(r('{{.Size}} {{.Label "x"}}', d)).toBe('1.99 MB X');
    const withGetter = withTemplateFields({ Id: 'abcdef0123456789' }, { ID() { return this.Id.slice(0, 12); } });
    expect(r('{{.ID}}', withGetter)).toBe('abcdef012345');
    expect(JSON.stringify(withGetter)).toBe('{"Id":"abcdef0123456789"}');
  });
  it('never exposes Object.prototype members as fields', () => {
    expect(errorOf(() => r('{{.constructor}}', { A: 1 })).code).toBe('EUSAGE');
    expect(r('{{.toString}}', { a: 1 })).toBe('<no value>');
  });
  it('declares and assigns variables; $ is the root', () => {
    expect(r('{{$x := .Names}}{{$x}} {{$x = "q"}}{{$x}} {{with .Labels}}{{$.Names}}{{end}}')).toBe('c1 q c1');
  });
});

describe('functions and pipelines', () => {
  it("has Podman's functions", () => {
    expect(r('{{join .L ","}}|{{upper .Names}}|{{lower .State}}|{{title "hello wide world"}}|{{truncate .Names 1}}|{{pad .Names 2 3}}|{{split "a,b" ","}}', { ...ctr, L: ['x', 'y'] }))
      .toBe('x,y|C1|created|Hello Wide World|c|  c1   |[a b]');
  });
  it('json prints compact Go JSON with sorted map keys', () => {
    expect(r('{{json .Labels}}|{{json .Names}}|{{.Labels | json}}|{{json .Mounts}}')).toBe('{"a":"b","x.y":"z"}|"c1"|{"a":"b","x.y":"z"}|[]');
    expect(r('{{json .}}', { B: 1, A: { z: 1, y: '<&>' } })).toBe('{"B":1,"A":{"y":"<&>","z":1}}');
  });
  it('passes a pipe value as the last argument', () => {
    expect(r('{{.Names | upper}} {{.Names | printf "%s!"}} {{(index .Labels "a") | upper}}')).toBe('C1 c1! B');
  });
  it("has Go's builtins", () => {
    expect(r('{{len .Labels}} {{len .Names}} {{if eq .State "Created" "Running"}}E{{end}} {{if ne .State "x"}}N{{end}} {{if lt 1 2}}L{{end}} {{if and .Labels .Names}}A{{end}} {{or "" "z"}} {{not true}}'))
      .toBe('2 2 E N L A z false');
    expect(r('{{print "a" 1 2 "b"}}|{{println 1 "x"}}|{{slice "abcdef" 1 3}}|{{index .L 1}}', { L: ['p', 'q'] })).toBe('a1 2b|1 x\n|bc|q');
  });
  it('printf knows the common verbs', () => {
    expect(goSprintf('%q %v %5s|%-5s|%x|%05.1f|%e|%g|%t|%c|%3d|%+d|%%|%d', ['c1', { a: 'b' }, 'ab', 'ab', 255, 3.14159, 1234.5, 0.00001, true, 65, 7, 7]))
      .toBe('"c1" map[a:b]    ab|ab   |ff|003.1|1.234500e+03|1e-05|true|A|  7|+7|%|%!d(MISSING)');
  });
  it('reports wrong argument types as usage errors', () => {
    expect(errorOf(() => r('{{join .Names ","}}')).message).toMatch(/executing "output" at <\.Names>: wrong type for value; expected \[\]string; got string/);
    expect(errorOf(() => r('{{.Names | truncate 3}}')).code).toBe('EUSAGE');
  });
});

describe('control structures', () => {
  it('ranges over lists and maps (sorted keys), with variables and else', () => {
    expect(r('{{range .Labels}}[{{.}}]{{end}} {{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}')).toBe('[b][z] a=b;x.y=z;');
    expect(r('{{range $i, $e := .L}}{{$i}}:{{$e}} {{end}}', { L: ['a', 'b'] })).toBe('0:a 1:b ');
    expect(r('{{range .Mounts}}x{{else}}none{{end}}')).toBe('none');
  });
  it('supports break and continue', () => {
    expect(r('{{range $e := split "a b c d" " "}}{{if eq $e "b"}}{{continue}}{{end}}{{if eq $e "d"}}{{break}}{{end}}{{$e}}{{end}}')).toBe('ac');
  });
  it('supports if / else if / else and with', () => {
    const t = '{{if eq .N 1}}one{{else if eq .N 2}}two{{else}}many{{end}}';
    expect([1, 2, 3].map((N) => r(t, { N }))).toEqual(['one', 'two', 'many']);
    expect(r('{{with .Labels}}{{.a}}{{end}}{{with .Mounts}}x{{else}}-{{end}}')).toBe('b-');
  });
  it('treats empty values as false, as Go does', () => {
    expect(r('{{if .E}}t{{else}}f{{end}}{{if .Z}}t{{else}}f{{end}}{{if .M}}t{{else}}f{{end}}', { E: '', Z: 0, M: {} })).toBe('fff');
  });
  it('cannot range over a string', () => {
    expect(errorOf(() => r('{{range .Names}}{{end}}')).message).toMatch(/range can't iterate over c1/);
  });
});

describe('whitespace and escapes', () => {
  it('trims around {{- and -}}, but {{-3}} is a number', () => {
    expect(r('A  {{- .Names -}}  B {{/* comment */}}C {{- /* trimmed */ -}} D')).toBe('Ac1B CD');
    expect(r('{{ .Names }}  {{- "a" }}  {{ "b" -}}  c {{- "d"}} {{-3}} {{- 3}}')).toBe('c1a  bcd -33');
  });
  it('turns \\t and \\n typed in the text into tab and newline, but not inside strings', () => {
    expect(r('A\\nB\\tC')).toBe('A\nB\tC');
    expect(r('{{printf "%s\\t|" .Names}}')).toBe('c1\t|');
  });
});

describe('errors never crash: they are EUSAGE TpodErrors with Go-like messages', () => {
  it.each([
    ['{{.Foo}}', /^template: output:1:2: executing "output" at <\.Foo>: can't evaluate field Foo in type struct$/],
    ['{{.ID', /^template: output:1: unclosed action$/],
    ['{{if}}', /^template: output:1: missing value for if$/],
    ['{{foo .Names}}', /^template: output:1: function "foo" not defined$/],
    ['{{if .A}}x', /without \{\{end\}\}/],
    ['{{end}}', /unexpected \{\{end\}\}/],
    ['{{nil}}', /nil is not a command/],
    ['{{"abc}}', /unterminated quoted string/],
    ['{{.Names.Foo}}', /can't evaluate field Foo in type string/],
    ['{{.Mounts.length}}', /can't evaluate field length in type \[\]interface \{\}/],
    ['{{.Missing.Foo}}', /can't evaluate field Missing/],
    ['{{break}}', /outside \{\{range\}\}/],
    ['{{template "x"}}', /not supported/],
    ['{{$nope}}', /undefined variable/],
    ['{{.Names | "x"}}', /non executable command/],
    ['{{.Names}', /bad character U\+007D/],
    ['{{)}}', /unexpected right paren/],
    ['{{ # }}', /bad character/],
  ])('%s', (tmpl, re) => {
    const e = errorOf(() => r(tmpl));
    expect(e.code).toBe('EUSAGE');
    expect(e.message).toMatch(re);
  });
  it('names the template after the command and points at the line', () => {
    expect(errorOf(() => compileTemplate('ok\n{{.X}}', { name: 'ps' }).execute({ A: 1 })).message).toMatch(/^template: ps:2:2: executing "ps" at <\.X>/);
  });
  it('reports nil receivers instead of throwing TypeErrors', () => {
    expect(errorOf(() => r('{{.A.B}}', { A: null })).message).toMatch(/nil pointer evaluating/);
  });
});

describe('header rows', () => {
  it('names each field action by its header, keeping literals', () => {
    const t = compileTemplate('{{.ID}}\t{{json .Labels}}\t{{.CreatedAt}}{{printf " x"}}\t{{$.Names}}\t{{range .L}}{{.Name}}{{end}}');
    const head = t.executeHeader((f) => (f === 'ID' ? 'CONTAINER ID' : defaultHeader(f)));
    expect(head).toBe('CONTAINER ID\tLABELS\tCREATED AT x\tNAMES\tNAME');
  });
  it('splits field names the way Podman does', () => {
    expect(defaultHeader('CreatedAt')).toBe('CREATED AT');
    expect(defaultHeader('ImageID')).toBe('IMAGE ID');
    expect(defaultHeader('ID')).toBe('ID');
    expect(splitCamelCase('HTTPServer')).toEqual(['HTTP', 'Server']);
    expect(splitCamelCase('PodName')).toEqual(['Pod', 'Name']);
  });
});

describe('format detection', () => {
  it('recognises json the way Podman does', () => {
    for (const f of ['json', ' json ', '{{json}}', '{{ json . }}', '{{json .}}']) expect(isJsonFormat(f)).toBe(true);
    for (const f of ['{{json .Labels}}', 'table {{.ID}}', undefined]) expect(isJsonFormat(f)).toBe(false);
  });
  it('recognises table formats', () => {
    expect(isTableFormat('table {{.ID}}')).toBe(true);
    expect(isTableFormat('table')).toBe(false);
    expect(isTableFormat('{{.ID}}')).toBe(false);
  });
  it('marshals indented JSON with Go HTML escaping', () => {
    expect(goJsonIndent([{ A: 'a<b' }], 4)).toBe('[\n    {\n        "A": "a\\u003cb"\n    }\n]');
  });
});
