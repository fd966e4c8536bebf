// The pod operations the engine asks for (engine/context.ts PodOps), given to every
// context the CLI and the Engine make. Lazy: most commands never need them.
import type { PodOps } from '../engine/context.js';

export const podOps: PodOps = {
  createPodFor: async (ctx, name, opts) => (await import('./create.js')).createPodFor(ctx, name, opts),
  removePod: async (ctx, pod, o) => (await import('./remove.js')).removePod(ctx, pod, o),
};
