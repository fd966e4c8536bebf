// Every endpoint the service serves, by domain; one module per domain adds its routes.
import type { Route } from '../http.js';
import { systemRoutes } from './system.js';
import { streamRoutes } from './streams.js';
import { containerRoutes } from './containers.js';
import { containerStatsRoutes } from './containers-stats.js';
import { volumeRoutes } from './volumes.js';
import { networkRoutes } from './networks.js';
import { archiveRoutes } from './archive.js';

export const routes: Route[] = [...systemRoutes, ...containerRoutes, ...containerStatsRoutes, ...streamRoutes, ...volumeRoutes, ...networkRoutes, ...archiveRoutes];
