// `tpod pod`, `tpod pod --help`: a command group has no command of its own, so clipanion
// would say "unrecognized command". Podman prints the group's commands instead (and,
// without --help, an error that a command is missing).
import type { CommandClass } from 'clipanion';

const GROUPS: Record<string, string> = {
  container: 'Manage containers',
  image: 'Manage images',
  pod: 'Manage pods',
  network: 'Manage networks',
  volume: 'Manage volumes',
  generate: 'Generate structured data based on containers and pods',
  quadlet: 'Manage Quadlet files (systemd units that run containers)',
  system: 'Manage tpod',
};

export interface GroupHelp {
  text: string;
  /** true: the user asked for help (exit 0); false: the subcommand is missing (exit 125). */
  asked: boolean;
}

/** The help of the group ARGV names (`GROUP`, `GROUP --help|-h|help`), or undefined. */
export function groupHelp(argv: string[], all: CommandClass[]): GroupHelp | undefined {
  const [group, second, ...more] = argv;
  if (group === undefined || group.startsWith('-') || more.length > 0) return undefined;
  const asked = second === '--help' || second === '-h' || second === 'help';
  if (second !== undefined && !asked) return undefined;
  const paths = all.flatMap((c) => (c.paths ?? []).map((p) => ({ p, c })));
  // A word that is a command by itself (`ps`, `run`) is not a group.
  if (paths.some(({ p }) => p.length === 1 && p[0] === group)) return undefined;
  const members = paths.filter(({ p }) => p.length === 2 && p[0] === group);
  if (members.length === 0) return undefined;
  // Commands without a usage are hidden ones (clipanion leaves them out of help too).
  const rows = members
    .filter(({ c }) => c.usage !== undefined)
    .map(({ p, c }) => ({ name: p[1]!, description: c.usage?.description ?? '' }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const width = Math.max(...rows.map((r) => r.name.length)) + 2;
  const lines = [
    GROUPS[group] ?? `Manage ${group}`,
    '',
    'Usage:',
    `  tpod ${group} [command]`,
    '',
    'Available Commands:',
    ...rows.map((r) => `  ${r.name.padEnd(width)}${r.description}`.trimEnd()),
    '',
    `Run 'tpod ${group} COMMAND --help' for more information on a command.`,
    '',
  ];
  return { text: lines.join('\n'), asked };
}
