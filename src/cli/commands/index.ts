// Every command, registered explicitly (nothing scans directories). One class per file.
import type { CommandClass } from 'clipanion';
import { HelpCommand } from './help.js';
import { VersionCommand } from './version.js';
import { UnshareCommand } from './unshare.js';
import { InfoCommand } from './info.js';
import { DoctorCommand } from './doctor.js';
import { EventsCommand } from './events.js';
import { RunCommand } from './run.js';
import { CreateCommand } from './create.js';
import { StartCommand } from './start.js';
import { ContainerCleanupCommand } from './container-cleanup.js';
import { StopCommand } from './stop.js';
import { KillCommand } from './kill.js';
import { RestartCommand } from './restart.js';
import { WaitCommand } from './wait.js';
import { AttachCommand } from './attach.js';
import { LogsCommand } from './logs.js';
import { ExecCommand } from './exec.js';
import { LoadCommand } from './load.js';
import { PullCommand } from './pull.js';
import { LoginCommand } from './login.js';
import { LogoutCommand } from './logout.js';
import { PushCommand } from './push.js';
import { ImportCommand } from './import.js';
import { SaveCommand } from './save.js';
import { ExportCommand } from './export.js';
import { ImageHistoryCommand } from './image-history.js';
import { ImageTreeCommand } from './image-tree.js';
import { ImagePruneCommand } from './image-prune.js';
import { SystemDfCommand } from './system-df.js';
import { SystemServiceCommand } from './system-service.js';
import { SystemPruneCommand } from './system-prune.js';
import { ImagesCommand } from './images.js';
import { RmiCommand } from './rmi.js';
import { TagCommand } from './tag.js';
import { UntagCommand } from './untag.js';
import { ImageInspectCommand } from './image-inspect.js';
import { ImageExistsCommand } from './image-exists.js';
import { ImageSignCommand } from './image-sign.js';
import { PsCommand } from './ps.js';
import { InspectCommand } from './inspect.js';
import { ContainerInspectCommand } from './container-inspect.js';
import { RmCommand } from './rm.js';
import { RenameCommand } from './rename.js';
import { ContainerExistsCommand } from './container-exists.js';
import { ContainerPruneCommand } from './container-prune.js';
import { PauseCommand } from './pause.js';
import { UnpauseCommand } from './unpause.js';
import { StatsCommand } from './stats.js';
import { TopCommand } from './top.js';
import { PortCommand } from './port.js';
import { PodPsCommand } from './pod-ps.js';
import { PodInspectCommand } from './pod-inspect.js';
import { PodExistsCommand } from './pod-exists.js';
import { PodTopCommand } from './pod-top.js';
import { PodLogsCommand } from './pod-logs.js';
import { PodPruneCommand } from './pod-prune.js';
import { GenerateSystemdCommand } from './generate-systemd.js';
import { AutoUpdateCommand } from './auto-update.js';
import { QuadletInstallCommand } from './quadlet-install.js';
import { QuadletListCommand } from './quadlet-list.js';
import { QuadletRmCommand } from './quadlet-rm.js';
import { QuadletPrintCommand } from './quadlet-print.js';
import { QuadletGenerateCommand } from './quadlet-generate.js';
import { PodCreateCommand } from './pod-create.js';
import { PodStartCommand } from './pod-start.js';
import { PodStopCommand } from './pod-stop.js';
import { PodRestartCommand } from './pod-restart.js';
import { PodKillCommand } from './pod-kill.js';
import { PodRmCommand } from './pod-rm.js';
import { CpCommand } from './cp.js';
import { CommitCommand } from './commit.js';
import { BuildCommand } from './build.js';
import { DiffCommand } from './diff.js';
import { MountCommand } from './mount.js';
import { UmountCommand } from './umount.js';
import { NetworkCreateCommand } from './network-create.js';
import { NetworkLsCommand } from './network-ls.js';
import { NetworkInspectCommand } from './network-inspect.js';
import { NetworkExistsCommand } from './network-exists.js';
import { NetworkRmCommand } from './network-rm.js';
import { NetworkPruneCommand } from './network-prune.js';
import { NetworkConnectCommand } from './network-connect.js';
import { NetworkDisconnectCommand } from './network-disconnect.js';
import { NetworkReloadCommand } from './network-reload.js';
import { VolumeCreateCommand } from './volume-create.js';
import { VolumeLsCommand } from './volume-ls.js';
import { VolumeInspectCommand } from './volume-inspect.js';
import { VolumeExistsCommand } from './volume-exists.js';
import { VolumeRmCommand } from './volume-rm.js';
import { VolumePruneCommand } from './volume-prune.js';
import { VolumeExportCommand } from './volume-export.js';
import { VolumeImportCommand } from './volume-import.js';
import { VolumeMountCommand } from './volume-mount.js';
import { VolumeUnmountCommand } from './volume-unmount.js';

export const commands: CommandClass[] = [
  HelpCommand,
  VersionCommand,
  UnshareCommand,
  InfoCommand,
  DoctorCommand,
  EventsCommand,
  RunCommand,
  CreateCommand,
  StartCommand,
  ContainerCleanupCommand,
  StopCommand,
  KillCommand,
  RestartCommand,
  WaitCommand,
  AttachCommand,
  LogsCommand,
  ExecCommand,
  LoadCommand,
  PullCommand,
  LoginCommand,
  LogoutCommand,
  PushCommand,
  ImportCommand,
  SaveCommand,
  ExportCommand,
  ImageHistoryCommand,
  ImageTreeCommand,
  ImagePruneCommand,
  SystemDfCommand,
  SystemServiceCommand,
  SystemPruneCommand,
  ImagesCommand,
  RmiCommand,
  TagCommand,
  UntagCommand,
  ImageInspectCommand,
  ImageExistsCommand,
  ImageSignCommand,
  PsCommand,
  InspectCommand,
  ContainerInspectCommand,
  RmCommand,
  RenameCommand,
  ContainerExistsCommand,
  ContainerPruneCommand,
  PauseCommand,
  UnpauseCommand,
  StatsCommand,
  TopCommand,
  PortCommand,
  PodPsCommand,
  PodInspectCommand,
  PodExistsCommand,
  PodTopCommand,
  PodLogsCommand,
  PodPruneCommand,
  AutoUpdateCommand,
  QuadletInstallCommand,
  QuadletListCommand,
  QuadletRmCommand,
  QuadletPrintCommand,
  QuadletGenerateCommand,
  GenerateSystemdCommand,
  PodCreateCommand,
  PodStartCommand,
  PodStopCommand,
  PodRestartCommand,
  PodKillCommand,
  PodRmCommand,
  CpCommand,
  CommitCommand,
  BuildCommand,
  DiffCommand,
  MountCommand,
  UmountCommand,
  NetworkCreateCommand,
  NetworkLsCommand,
  NetworkInspectCommand,
  NetworkExistsCommand,
  NetworkRmCommand,
  NetworkPruneCommand,
  NetworkConnectCommand,
  NetworkDisconnectCommand,
  NetworkReloadCommand,
  VolumeCreateCommand,
  VolumeLsCommand,
  VolumeInspectCommand,
  VolumeExistsCommand,
  VolumeRmCommand,
  VolumePruneCommand,
  VolumeExportCommand,
  VolumeImportCommand,
  VolumeMountCommand,
  VolumeUnmountCommand,
];
