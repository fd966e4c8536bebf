// Replaced by the bundler with package.json's version; the fallback serves tests run from source.
declare const __TPOD_VERSION__: string | undefined;
export const VERSION: string = typeof __TPOD_VERSION__ === 'string' ? __TPOD_VERSION__ : '0.0.0-dev';

declare const __TPOD_BUILT__: number | undefined;
/** When this tpod was built (unix seconds): the bundler sets it; 0 when run from source. */
export const BUILT: number = typeof __TPOD_BUILT__ === 'number' ? __TPOD_BUILT__ : 0;
