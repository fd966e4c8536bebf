// The package's library entry (`import { Engine, TpodError } from "tpod"`). The CLI
// (src/cli/tpod.ts) is the other entry; both are built into dist/ by scripts/build.mjs.
export { Engine } from './engine/engine.js';
export type {
  EngineOptions,
  PullRequestOptions,
  PulledImage,
  ImageSummary,
  RunRequest,
  AttachedRunResult,
  DetachedRunResult,
  ContainersOptions,
  ContainerSummary,
  LogsRequestOptions,
  StopRequestOptions,
  RemoveRequestOptions,
  LogLevel,
} from './engine/engine-types.js';
export { TpodError, type ErrorCode } from './errors.js';
