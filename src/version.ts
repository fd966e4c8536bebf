// Replaced by the bundler with package.json's version; the fallback serves tests run from source.
declare const __TPOD_VERSION__: string | undefined;
export const VERSION: string = typeof __TPOD_VERSION__ === 'string' ? __TPOD_VERSION__ : '0.0.0-dev';
