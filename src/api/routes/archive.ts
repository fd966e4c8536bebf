// /containers/{id}/archive: what `docker cp` uses. HEAD says what a path is (its stat in
// X-Docker-Container-Path-Stat), GET sends it as a tar, PUT unpacks a tar into a
// directory of the container, confined to the container's root as `tpod cp` is.
import type { ApiCall, Route } from '../http.js';
import { ApiError } from '../errors.js';
import { TpodError } from '../../errors.js';
import { pathStatHeader } from '../docker/archive.js';

const STAT_HEADER = 'X-Docker-Container-Path-Stat';

function pathOf(call: ApiCall): string {
  const p = call.query.get('path');
  if (p === null || p === '') throw new ApiError(400, 'path is required');
  return p;
}

/** The archive's own failures in Docker's statuses: a missing path 404, a bad archive 400. */
async function mapped<T>(work: Promise<T>): Promise<T> {
  const { NoSuchPathError, NotADirectoryError } = await import('../../engine/cp-archive.js');
  try {
    return await work;
  } catch (err) {
    if (err instanceof NoSuchPathError) throw new ApiError(404, err.message);
    if (err instanceof NotADirectoryError) throw new ApiError(400, err.message);
    if (err instanceof TpodError && (err.code === 'EUNSAFEARCHIVE' || err.code === 'EARCHIVE')) throw new ApiError(400, err.message);
    throw err;
  }
}

async function stat(call: ApiCall): Promise<void> {
  const { statContainerPath } = await import('../../engine/cp-archive.js');
  const s = await mapped(statContainerPath(call.ctx, call.param('id'), pathOf(call)));
  call.send(200, undefined, { [STAT_HEADER]: pathStatHeader(s) });
}

async function get(call: ApiCall): Promise<void> {
  const { archiveFromContainer } = await import('../../engine/cp-archive.js');
  let out: NodeJS.WritableStream | undefined;
  await mapped(
    archiveFromContainer(
      call.ctx,
      call.param('id'),
      pathOf(call),
      (s) => {
        call.res?.setHeader(STAT_HEADER, pathStatHeader(s));
        const w = call.stream(200, 'application/x-tar');
        out = w;
        return w;
      },
      call.signal,
    ),
  );
  out?.end();
}

async function put(call: ApiCall): Promise<void> {
  const { extractToContainer } = await import('../../engine/cp-archive.js');
  await mapped(
    extractToContainer(call.ctx, call.param('id'), pathOf(call), call.req, {
      copyUidGid: call.flag('copyUIDGID'),
      noOverwriteDirNonDir: call.flag('noOverwriteDirNonDir'),
    }),
  );
  call.send(200);
}

export const archiveRoutes: Route[] = [
  { method: 'HEAD', path: '/containers/:id/archive', handler: stat },
  { method: 'GET', path: '/containers/:id/archive', handler: get },
  { method: 'PUT', path: '/containers/:id/archive', handler: put },
];
