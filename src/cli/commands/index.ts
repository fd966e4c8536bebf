// Every command, registered explicitly (nothing scans directories). One class per file.
import type { CommandClass } from 'clipanion';
import { HelpCommand } from './help.js';
import { VersionCommand } from './version.js';
import { UnshareCommand } from './unshare.js';
import { InfoCommand } from './info.js';

export const commands: CommandClass[] = [
  HelpCommand,
  VersionCommand,
  UnshareCommand,
  InfoCommand,
];
