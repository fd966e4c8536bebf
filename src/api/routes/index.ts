// Every endpoint the service serves, by domain; one module per domain adds its routes.
import type { Route } from '../http.js';
import { systemRoutes } from './system.js';
import { streamRoutes } from './streams.js';
import { containerRoutes } from './containers.js';
import { containerStatsRoutes } from './containers-stats.js';
import { volumeRoutes } from './volumes.js';
import { networkRoutes } from './networks.js';
import { archiveRoutes } from './archive.js';
import { imageRoutes } from './images.js';
import { imageTransferRoutes } from './images-transfer.js';
import { buildRoutes } from './build.js';
import { dfRoutes } from './df.js';
import { extraRoutes } from './extra.js';

export const routes: Route[] = [
  ...systemRoutes,
  ...containerRoutes,
  ...containerStatsRoutes,
  ...streamRoutes,
  ...volumeRoutes,
  ...networkRoutes,
  ...archiveRoutes,
  // Transfers first: /images/get and /images/load are not image names.
  ...imageTransferRoutes,
  ...imageRoutes,
  ...buildRoutes,
  ...dfRoutes,
  ...extraRoutes,
];
