// Podman's Version struct (libpod/define/version.go), filled with tpod's facts: `version`
// prints it as Client, and `info` as its version section. GoVersion names the language
// runtime tpod runs on, where Podman names its Go toolchain.
import { BUILT, VERSION } from '../version.js';

export interface VersionReport {
  APIVersion: string;
  Version: string;
  GoVersion: string;
  GitCommit: string;
  BuiltTime: string;
  Built: number;
  OsArch: string;
  Os: string;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Go's time.ANSIC layout ("Mon Jan _2 15:04:05 2006"), in local time as Podman prints it. */
export function ansicTime(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${d.getFullYear()}`;
}

export function versionReport(built = BUILT): VersionReport {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch === 'ia32' ? '386' : process.arch;
  return {
    APIVersion: VERSION,
    Version: VERSION,
    GoVersion: `node ${process.version}`,
    GitCommit: '',
    BuiltTime: ansicTime(built),
    Built: built,
    OsArch: `${process.platform}/${arch}`,
    Os: process.platform,
  };
}
