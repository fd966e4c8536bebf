// The archive endpoints' stat header: Docker's ContainerPathStat, whose mode is Go's
// os.FileMode (type bits high, not st_mode's), base64 JSON in X-Docker-Container-Path-Stat.
import type { PathStat } from '../../engine/cp-archive.js';

const GO_MODE = {
  dir: 2 ** 31,
  symlink: 2 ** 27,
  device: 2 ** 26,
  namedPipe: 2 ** 25,
  socket: 2 ** 24,
  setuid: 2 ** 23,
  setgid: 2 ** 22,
  charDevice: 2 ** 21,
  sticky: 2 ** 20,
};

/** A Unix st_mode as Go's os.FileMode (what the docker CLI's IsDir() reads). */
export function goFileMode(mode: number): number {
  let m = mode & 0o777;
  switch (mode & 0o170000) {
    case 0o040000:
      m += GO_MODE.dir;
      break;
    case 0o120000:
      m += GO_MODE.symlink;
      break;
    case 0o060000:
      m += GO_MODE.device;
      break;
    case 0o020000:
      m += GO_MODE.device + GO_MODE.charDevice;
      break;
    case 0o010000:
      m += GO_MODE.namedPipe;
      break;
    case 0o140000:
      m += GO_MODE.socket;
      break;
  }
  if (mode & 0o4000) m += GO_MODE.setuid;
  if (mode & 0o2000) m += GO_MODE.setgid;
  if (mode & 0o1000) m += GO_MODE.sticky;
  return m;
}

/** The X-Docker-Container-Path-Stat header's value. */
export function pathStatHeader(s: PathStat): string {
  const json = { name: s.name, size: s.size, mode: goFileMode(s.mode), mtime: s.mtime, linkTarget: s.linkTarget };
  return Buffer.from(JSON.stringify(json)).toString('base64');
}
