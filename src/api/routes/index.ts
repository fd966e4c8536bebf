// Every endpoint the service serves, by domain; one module per domain adds its routes.
import type { Route } from '../http.js';
import { systemRoutes } from './system.js';
import { imageRoutes } from './images.js';
import { imageTransferRoutes } from './images-transfer.js';
import { buildRoutes } from './build.js';
import { dfRoutes } from './df.js';

export const routes: Route[] = [...systemRoutes, ...imageTransferRoutes, ...imageRoutes, ...buildRoutes, ...dfRoutes];
