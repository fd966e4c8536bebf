import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cli, Command, Option } from 'clipanion';
import { commands } from '../../../src/cli/commands/index.js';
import { TpodCommand } from '../../../src/cli/base.js';
import { renderManPages, roffEscape, roffProse } from '../../../scripts/gen-man.mjs';
import { GLOBAL_FLAGS } from '../../../src/cli/argv.js';

class FakeImageInspect extends TpodCommand {
  static override paths = [['image', 'inspect'], ['inspect-image']];
  static override usage = Command.Usage({
    description: 'Display the configuration of an image',
    details: `
      Shows \`Config\` and layers.

      - one bullet
      - another, with \`code\`

      .TH a line that must stay text \\fB not a font change
    `,
    examples: [['Inspect busybox', '$0 image inspect --format "{{.Id}}" busybox']],
  });
  format = Option.String('-f,--format', { description: 'Format the output using a Go template' });
  size = Option.Boolean('-s,--size', false, { description: 'Display the total file size' });
  images = Option.Rest();
  async execute(): Promise<number> {
    return 0;
  }
}

const render = (cmds = commands) => renderManPages({ commands: cmds, Cli, Command, version: '9.9.9', date: '2024-01-01', intro: 'Intro `text`.', globals: GLOBAL_FLAGS });

describe('man page generator', () => {
  it('writes tpod.1 and one page per registered command, each with NAME/SYNOPSIS/DESCRIPTION/OPTIONS', () => {
    const pages = render();
    const files = pages.map((p) => p.file);
    expect(files[0]).toBe('tpod.1');
    for (const cls of commands) {
      if (!cls.usage) continue;
      const path = (cls.paths ?? []).find((p) => p.length > 0 && !p[0]!.startsWith('-'))!;
      const page = pages.find((p) => p.file === `tpod-${path.join('-')}.1`);
      expect(page, `page for ${path.join(' ')}`).toBeDefined();
      for (const section of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS']) expect(page!.text).toMatch(new RegExp(`^\\.SH ${section}$`, 'm'));
      expect(pages[0]!.text).toContain(`\\fBtpod\\-${path.join('-').replace(/-/g, '\\-')}\\fR(1)`);
    }
  });
  it('lists the global options in tpod(1)', () => {
    const main = render()[0]!.text;
    expect(main).toMatch(/^\.SH GLOBAL OPTIONS$/m);
    expect(main).toContain('\\fB\\-\\-root\\fR=\\fIroot\\fR');
    expect(main).toContain('\\fB\\-\\-log\\-level\\fR');
  });
  it('renders options, synopsis, examples, bullets and alias paths', () => {
    const pages = render([FakeImageInspect]);
    const page = pages.find((p) => p.file === 'tpod-image-inspect.1')!.text;
    expect(page).toContain('.TH "TPOD-IMAGE-INSPECT" "1" "2024-01-01" "tpod 9.9.9" "tpod Manual"');
    expect(page).toContain('tpod\\-image\\-inspect \\- Display the configuration of an image');
    expect(page).toContain('\\fBtpod image inspect\\fR [\\fIoptions\\fR] ...');
    expect(page).toContain('\\fB\\-\\-format\\fR, \\fB\\-f\\fR=\\fIformat\\fR\nFormat the output using a Go template');
    expect(page).toContain('\\fB\\-\\-size\\fR, \\fB\\-s\\fR\nDisplay the total file size');
    expect(page).toContain('.IP \\(bu 2\nanother, with \\fBcode\\fR');
    expect(page).toContain('tpod image inspect \\-\\-format "{{.Id}}" busybox');
    expect(pages.find((p) => p.file === 'tpod-inspect-image.1')?.text).toBe(page);
  });
  it('guards against roff injection: text cannot start requests or change fonts', () => {
    expect(roffEscape('.TH x\n\'br\na \\fB b')).toBe('\\&.TH x\n\\&\'br\na \\efB b');
    const page = render([FakeImageInspect]).find((p) => p.file === 'tpod-image-inspect.1')!.text;
    expect(page).not.toMatch(/^\.TH a line/m);
    expect(page).toContain('\\efB not a font change');
  });
  it('keeps indented blocks preformatted', () => {
    expect(roffProse('Run:\n\n    tpod ps -a\n    tpod images')).toEqual(['.PP', 'Run:', '.PP', '.RS', '.nf', '  tpod ps \\-a', '  tpod images', '.fi', '.RE']);
  });
  it.skipIf(!existsSync('/usr/bin/groff'))('pages render without roff warnings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tpod-man-test-'));
    try {
      for (const p of render([...commands, FakeImageInspect])) {
        const f = join(dir, p.file);
        writeFileSync(f, p.text);
        const out = execFileSync('groff', ['-man', '-Tutf8', '-ww', '-z', f], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        expect(out).toBe('');
        if (existsSync('/usr/bin/man')) {
          const text = execFileSync('man', ['-l', f], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '80', MANPAGER: 'cat', PAGER: 'cat' } });
          expect(text).toMatch(/NAME/);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // Two programs per page, for every command: seconds on a busy machine.
  }, 120_000);
});
