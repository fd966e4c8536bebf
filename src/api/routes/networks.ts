// /networks: list, inspect, create, remove, connect, disconnect and prune, over the same
// records as `tpod network`. The default network "podman" is also "bridge" (Podman's
// compat API): listed under that name, and found by it.
import type { ApiCall, Route } from '../http.js';
import { ApiError } from '../errors.js';
import { TpodError } from '../../errors.js';
import {
  BRIDGE,
  connectOptions,
  dockerNetwork,
  libpodNetworkName,
  networkConnectBody,
  networkCreateBody,
  networkCreateOptions,
  networkDisconnectBody,
  networkFilters,
} from '../docker/networks.js';

async function list(call: ApiCall): Promise<void> {
  const { networkFilter, networkMembers } = await import('../../engine/networks.js');
  const { listNetworks } = await import('../../network/networks.js');
  const { engine, keep } = networkFilters(call.filters());
  const pred = networkFilter(call.ctx, engine);
  const nets = listNetworks(call.ctx).filter((n) => pred(n) && keep(n));
  call.send(200, nets.map((n) => dockerNetwork(n, networkMembers(call.ctx, n), true)));
}

async function inspect(call: ApiCall): Promise<void> {
  const { networkMembers } = await import('../../engine/networks.js');
  const { findNetwork } = await import('../../network/networks.js');
  const scope = call.query.get('scope');
  if (scope !== null && scope !== '' && scope !== 'local') throw new ApiError(404, `network ${call.param('id')} not found in scope ${scope}`);
  const asked = call.param('id');
  const net = findNetwork(call.ctx, libpodNetworkName(asked));
  call.send(200, dockerNetwork(net, networkMembers(call.ctx, net), asked === BRIDGE));
}

async function create(call: ApiCall): Promise<void> {
  const { createNetwork } = await import('../../engine/networks.js');
  const body = await call.json(networkCreateBody);
  const { options, warning } = networkCreateOptions(body);
  const rec = await createNetwork(call.ctx, options);
  call.send(201, { Id: rec.id, Warning: warning });
}

async function remove(call: ApiCall): Promise<void> {
  const { removeNetworks } = await import('../../engine/networks.js');
  const { DEFAULT_NETWORK, findNetwork } = await import('../../network/networks.js');
  const asked = call.param('id');
  const net = findNetwork(call.ctx, libpodNetworkName(asked));
  if (net.name === DEFAULT_NETWORK) throw new ApiError(403, `${asked} is a pre-defined network and cannot be removed`);
  const [report] = await removeNetworks(call.ctx, [net.name], { force: false });
  if (report?.error) throw report.error;
}

/** Connect and disconnect refusals the state forbids are Docker's 403. */
function forbidden(err: unknown): never {
  if (err instanceof TpodError && (err.code === 'ENETWORK' || err.code === 'ENETWORKMODE')) throw new ApiError(403, err.message);
  throw err;
}

async function connect(call: ApiCall): Promise<void> {
  const { connectContainer } = await import('../../engine/network-connect.js');
  const body = await call.json(networkConnectBody);
  const opts = connectOptions(body);
  await connectContainer(call.ctx, libpodNetworkName(call.param('id')), body.Container, opts).catch(forbidden);
  call.send(200, 'OK');
}

async function disconnect(call: ApiCall): Promise<void> {
  const { disconnectContainer } = await import('../../engine/network-connect.js');
  const body = await call.json(networkDisconnectBody);
  await disconnectContainer(call.ctx, libpodNetworkName(call.param('id')), body.Container).catch(forbidden);
  call.send(200, 'OK');
}

async function prune(call: ApiCall): Promise<void> {
  const { pruneNetworks } = await import('../../engine/networks.js');
  const filters = call.filters();
  const engine: string[] = [];
  for (const [k, values] of Object.entries(filters)) {
    if (k !== 'label' && k !== 'label!' && k !== 'until') throw new ApiError(400, `invalid filter '${k}'`);
    if (k === 'until') throw new ApiError(400, "filter 'until' is not supported by tpod's network prune yet");
    for (const v of values) engine.push(`${k}=${v}`);
  }
  call.send(200, { NetworksDeleted: await pruneNetworks(call.ctx, engine) });
}

export const networkRoutes: Route[] = [
  { method: 'GET', path: '/networks', handler: list },
  { method: 'POST', path: '/networks/create', handler: create },
  { method: 'POST', path: '/networks/prune', handler: prune },
  { method: 'GET', path: '/networks/:id', handler: inspect },
  { method: 'DELETE', path: '/networks/:id', handler: remove },
  { method: 'POST', path: '/networks/:id/connect', handler: connect },
  { method: 'POST', path: '/networks/:id/disconnect', handler: disconnect },
];
