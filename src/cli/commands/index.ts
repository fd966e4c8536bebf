// Every command, registered explicitly (nothing scans directories). One class per file.
import type { CommandClass } from 'clipanion';
import { HelpCommand } from './help.js';
import { VersionCommand } from './version.js';
import { UnshareCommand } from './unshare.js';
import { InfoCommand } from './info.js';
import { RunCommand } from './run.js';
import { CreateCommand } from './create.js';
import { LoadCommand } from './load.js';
import { ImportCommand } from './import.js';
import { ImagesCommand } from './images.js';
import { RmiCommand } from './rmi.js';
import { TagCommand } from './tag.js';
import { UntagCommand } from './untag.js';
import { ImageInspectCommand } from './image-inspect.js';
import { ImageExistsCommand } from './image-exists.js';

export const commands: CommandClass[] = [
  HelpCommand,
  VersionCommand,
  UnshareCommand,
  InfoCommand,
  RunCommand,
  CreateCommand,
  LoadCommand,
  ImportCommand,
  ImagesCommand,
  RmiCommand,
  TagCommand,
  UntagCommand,
  ImageInspectCommand,
  ImageExistsCommand,
];
