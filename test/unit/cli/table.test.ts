import { describe, it, expect } from 'vitest';
import { tabwrite, formatTable, formatList } from '../../../src/cli/table.js';
import { withTemplateFields } from '../../../src/cli/format.js';

// The expected strings below were printed by podman 4.3.1 on this machine.
const PS_DEFAULT = '{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';
const PS_HEADERS = { ID: 'container id', CreatedHuman: 'created' };
const ctr = { ID: 'd7b7ba2de7ef', Image: 'localhost/bb:latest', Command: 'sh -c echo hello ...', CreatedHuman: 'Less than a second ago', Status: 'Created', Ports: '', Names: 'c1', Labels: { a: 'b', 'x.y': 'z' } };

const IMAGES_DEFAULT = '{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Created}}\t{{.Size}}';
const IMAGES_HEADERS = { ID: 'image id' };
const img = { Repository: 'localhost/bb', Tag: 'latest', ID: '12fd0529c17d', Created: 'Less than a second ago', Size: '1.99 MB' };

describe('tabwrite (Go tabwriter, minwidth 12, padding 2)', () => {
  it('pads cells to the widest plus two, at least 12, and leaves the last cell alone', () => {
    expect(tabwrite('A\tBB\tlast\nlonger-than-12-chars\tx\ty\n')).toBe(
      'A                     BB          last\n' +
      'longer-than-12-chars  x           y\n',
    );
  });
  it('aligns each block of lines separately, as Go does', () => {
    expect(tabwrite('a\tb\nccc\ndddd\te\n', { minWidth: 0 })).toBe('a  b\nccc\ndddd  e\n');
    expect(tabwrite('a\tb\tc\nxx\ty\n', { minWidth: 0, padding: 1 })).toBe('a  b c\nxx y\n');
  });
  it('counts characters, not bytes', () => {
    expect(tabwrite('é\tx\nab\ty\n', { minWidth: 0 })).toBe('é   x\nab  y\n');
  });
  it('keeps text without a final newline', () => {
    expect(tabwrite('a\tb', { minWidth: 0 })).toBe('a  b');
  });
});

describe('formatTable', () => {
  it('joins header and rows', () => {
    expect(formatTable(['NAME', 'SIZE'], [['x', '1 kB']])).toBe('NAME        SIZE\nx           1 kB\n');
    expect(formatTable(null, [['x', '1 kB']])).toBe('x           1 kB\n');
  });
});

describe('formatList', () => {
  it('prints `podman ps -a` exactly', () => {
    expect(formatList([ctr], { defaultFormat: PS_DEFAULT, headers: PS_HEADERS })).toBe(
      'CONTAINER ID  IMAGE                COMMAND               CREATED                 STATUS      PORTS       NAMES\n' +
      'd7b7ba2de7ef  localhost/bb:latest  sh -c echo hello ...  Less than a second ago  Created                 c1\n',
    );
  });
  it('prints `podman images` exactly, and only the header when empty', () => {
    expect(formatList([img], { defaultFormat: IMAGES_DEFAULT, headers: IMAGES_HEADERS })).toBe(
      'REPOSITORY    TAG         IMAGE ID      CREATED                 SIZE\n' +
      'localhost/bb  latest      12fd0529c17d  Less than a second ago  1.99 MB\n',
    );
    expect(formatList([], { defaultFormat: IMAGES_DEFAULT, headers: IMAGES_HEADERS })).toBe('REPOSITORY  TAG         IMAGE ID    CREATED     SIZE\n');
  });
  it('--noheading drops the header', () => {
    expect(formatList([img], { defaultFormat: IMAGES_DEFAULT, noHeading: true })).toBe('localhost/bb  latest      12fd0529c17d  Less than a second ago  1.99 MB\n');
    expect(formatList([ctr], { defaultFormat: PS_DEFAULT, format: 'table {{.Names}}\t{{.Labels}}', noHeading: true })).toBe('c1          map[a:b x.y:z]\n');
  });
  it('a `table` format gets headers, alignment, and spaces as column breaks', () => {
    expect(formatList([img], { defaultFormat: IMAGES_DEFAULT, headers: IMAGES_HEADERS, format: 'table {{.ID}}\\t{{.Repository}}' }))
      .toBe('IMAGE ID      REPOSITORY\n12fd0529c17d  localhost/bb\n');
    expect(formatList([img], { defaultFormat: IMAGES_DEFAULT, headers: IMAGES_HEADERS, format: 'table {{.ID}} {{.Repository}}' }))
      .toBe('IMAGE ID      REPOSITORY\n12fd0529c17d  localhost/bb\n');
    expect(formatList([img], { defaultFormat: IMAGES_DEFAULT, format: 'table {{.Repository}}:{{.Tag}} {{.Size}}' }))
      .toBe('REPOSITORY:TAG       SIZE\nlocalhost/bb:latest  1.99 MB\n');
  });
  it('headers of fields without an override come from the field name', () => {
    const out = formatList([{ ...ctr, CreatedAt: 'x', RunningFor: 'y' }], { defaultFormat: PS_DEFAULT, headers: PS_HEADERS, format: 'table {{.ID}}\t{{.CreatedAt}}\t{{.RunningFor}}' });
    expect(out.split('\n')[0]).toBe('CONTAINER ID  CREATED AT  RUNNING FOR');
  });
  it('a plain template prints one line per item, without alignment', () => {
    const items = [img, { ...img, Tag: '1.0' }];
    expect(formatList(items, { defaultFormat: IMAGES_DEFAULT, format: '{{.ID}}\\t{{.Tag}}|' })).toBe('12fd0529c17d\tlatest|\n12fd0529c17d\t1.0|\n');
    expect(formatList(items, { defaultFormat: IMAGES_DEFAULT, format: '{{.Tag}}\\n' })).toBe('latest\n1.0\n');
    expect(formatList(items, { defaultFormat: IMAGES_DEFAULT, format: '{{.Tag}}\\n\\n' })).toBe('latest\n\n1.0\n\n');
  });
  it('a template that ranges over the list runs once', () => {
    expect(formatList([ctr], { defaultFormat: PS_DEFAULT, format: '{{range .}}X{{.Names}}{{end}}' })).toBe('Xc1\n');
  });
  it('json prints the whole list, indented as the command asks', () => {
    expect(formatList([{ Id: 'a', Labels: { b: '1', a: '2' } }], { defaultFormat: '', format: 'json' }))
      .toBe('[\n    {\n        "Id": "a",\n        "Labels": {\n            "a": "2",\n            "b": "1"\n        }\n    }\n]\n');
    expect(formatList([{ Id: 'a' }], { defaultFormat: '', format: '{{json .}}', jsonIndent: 2 })).toBe('[\n  {\n    "Id": "a"\n  }\n]\n');
    expect(formatList([], { defaultFormat: '', format: 'json' })).toBe('[]\n');
    expect(formatList([{ Id: 'a' }], { defaultFormat: '', format: 'json', json: [{ Other: 1 }] })).toBe('[\n    {\n        "Other": 1\n    }\n]\n');
  });
  it('template-only fields show in templates but not in json', () => {
    const item = withTemplateFields({ Id: '0123456789abcdef', Size: 1_987_651 }, { ID() { return this.Id.slice(0, 12); } });
    expect(formatList([item], { defaultFormat: '{{.ID}}\t{{.Size}}' })).toBe('ID            SIZE\n0123456789ab  1987651\n');
    expect(formatList([item], { defaultFormat: '', format: 'json', jsonIndent: 1 })).toBe('[\n {\n  "Id": "0123456789abcdef",\n  "Size": 1987651\n }\n]\n');
  });
  it('bad templates are usage errors, named after the command', () => {
    expect(() => formatList([img], { defaultFormat: IMAGES_DEFAULT, format: '{{.Foo}}', name: 'images' }))
      .toThrow(/^template: images:1:2: executing "images" at <\.Foo>: can't evaluate field Foo/);
  });
});
