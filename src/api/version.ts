// The Docker Engine API versions served, as Podman 4.3.1 reports them.
export const API_VERSION = '1.41';
export const MIN_API_VERSION = '1.24';
