/** Types for scripts/launcher.mjs (imported by its unit test). */
export function launcher(libdirExpr: string, nodePath?: string): string;
