// The streaming endpoints: logs, attach (and the container's resize), exec.
import type { Route } from '../http.js';
import { attachRoutes } from './attach.js';
import { execRoutes } from './exec.js';
import { logRoutes } from './logs.js';

export const streamRoutes: Route[] = [...logRoutes, ...attachRoutes, ...execRoutes];
