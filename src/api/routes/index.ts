// Every endpoint the service serves, by domain; one module per domain adds its routes.
import type { Route } from '../http.js';
import { systemRoutes } from './system.js';
import { volumeRoutes } from './volumes.js';
import { networkRoutes } from './networks.js';
import { archiveRoutes } from './archive.js';

export const routes: Route[] = [...systemRoutes, ...volumeRoutes, ...networkRoutes, ...archiveRoutes];
