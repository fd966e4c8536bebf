// Every endpoint the service serves, by domain; one module per domain adds its routes.
import type { Route } from '../http.js';
import { systemRoutes } from './system.js';

export const routes: Route[] = [...systemRoutes];
