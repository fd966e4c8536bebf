/** Types for scripts/user-units.mjs (imported by its unit test and the e2e tests). */
export function execPath(path: string): string;
export function userUnits(tpod: string): { 'tpod.socket': string; 'tpod.service': string };
export function writeUserUnits(tpod: string, dir: string): string[];
