// Typed errors with stable codes. The CLI prints `Error: <message>` and exits with
// `exitCode`; nothing below the CLI prints or exits on its own.

/** Podman's exit codes for engine failures (see podman-run(1)). */
export const EXIT_ENGINE = 125;
export const EXIT_CANNOT_INVOKE = 126;
export const EXIT_NOT_FOUND = 127;

export type ErrorCode =
  | 'EUSAGE'
  | 'ENOIMAGE'
  | 'ENOCONTAINER'
  | 'ENAMEINUSE'
  | 'EIMAGEINUSE'
  | 'EINVALIDREF'
  | 'EARCHIVE'
  | 'EUNSAFEARCHIVE'
  | 'EDIGEST'
  | 'EROOTLESS'
  | 'ESUBID'
  | 'ERUNTIME'
  | 'ESTORAGE'
  | 'ELOCK'
  | 'EHELPER'
  | 'ECONFIG'
  | 'ECMDNOTFOUND'
  | 'ECMDNOTEXEC'
  | 'EINTERNAL'
  | 'EREGISTRY'
  | 'EAUTH'
  | 'ENETWORK'
  | 'ENONETWORK'
  | 'ENETWORKINUSE'
  | 'ENETWORKMODE'
  | 'ECTRSTATE'
  | 'ENOPOD'
  | 'ENOVOLUME'
  | 'EVOLUMEINUSE'
  | 'EQUADLET';

export class TpodError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  /** Printed as it is, without "Error: " (the few messages Podman prints that way). */
  readonly bare: boolean;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; exitCode?: number; bare?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TpodError';
    this.code = code;
    this.exitCode = options.exitCode ?? EXIT_ENGINE;
    this.bare = options.bare ?? false;
  }
}

export class UsageError extends TpodError {
  constructor(message: string) {
    super('EUSAGE', message);
    this.name = 'UsageError';
  }
}

export class NoSuchImageError extends TpodError {
  constructor(ref: string) {
    super('ENOIMAGE', `${ref}: image not known`);
    this.name = 'NoSuchImageError';
  }
}

export class NoSuchContainerError extends TpodError {
  constructor(nameOrId: string) {
    super('ENOCONTAINER', `no container with name or ID "${nameOrId}" found: no such container`);
    this.name = 'NoSuchContainerError';
  }
}

export class NoSuchPodError extends TpodError {
  constructor(nameOrId: string) {
    super('ENOPOD', `no pod with name or ID ${nameOrId} found: no such pod`);
    this.name = 'NoSuchPodError';
  }
}

/**
 * How `run` reports a container that was created but could not be started, as Podman's
 * define.ExitCode: 127 when something was not found, else 126 (cannot invoke).
 */
export function runStartFailure(err: unknown): TpodError {
  const e = err instanceof TpodError ? err : new TpodError('ERUNTIME', err instanceof Error ? err.message : String(err), { cause: err });
  const lower = e.message.toLowerCase();
  const exitCode = lower.includes('not found') || lower.includes('no such file') ? EXIT_NOT_FOUND : EXIT_CANNOT_INVOKE;
  return e.exitCode === exitCode ? e : new TpodError(e.code, e.message, { cause: e.cause ?? err, exitCode });
}

/** Adds context in front of an error, crun-style: "outer: inner". Keeps the code. */
export function wrapError(err: unknown, context: string): TpodError {
  if (err instanceof TpodError) {
    const wrapped = new TpodError(err.code, `${context}: ${err.message}`, { cause: err, exitCode: err.exitCode });
    return wrapped;
  }
  const msg = err instanceof Error ? err.message : String(err);
  return new TpodError('EINTERNAL', `${context}: ${msg}`, { cause: err });
}

export function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === code;
}
