// Docker's error convention for every endpoint: a JSON body {"message": "..."} with the
// status Docker gives for the kind of failure. The engine's stable codes decide it.
import { TpodError, type ErrorCode } from '../errors.js';

/** An answer other than 2xx that an endpoint chooses itself (304 already started, say). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  EUSAGE: 400,
  EINVALIDREF: 400,
  ENOIMAGE: 404,
  ENOCONTAINER: 404,
  ENOPOD: 404,
  ENOVOLUME: 404,
  ENONETWORK: 404,
  ENAMEINUSE: 409,
  EIMAGEINUSE: 409,
  EVOLUMEINUSE: 409,
  ENETWORKINUSE: 409,
  ECTRSTATE: 409,
  EAUTH: 401,
  ECMDNOTFOUND: 404,
  ECMDNOTEXEC: 500,
};

/** The status and message a failure is answered with. */
export function errorAnswer(err: unknown): { status: number; message: string } {
  if (err instanceof ApiError) return { status: err.status, message: err.message };
  if (err instanceof TpodError) return { status: STATUS[err.code] ?? 500, message: err.message };
  const e = err as Error;
  return { status: 500, message: e?.message ?? String(err) };
}
