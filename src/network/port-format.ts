// How published ports look: ps's PORTS column, inspect's NetworkSettings.Ports, ps's
// JSON and `tpod port`. No imports: ps loads this on its hot path.

export type PortProtocol = 'tcp' | 'udp' | 'sctp';

/** One published range; `range` ports from hostPort and containerPort on. */
export interface PortMapping {
  /** '' = every address of the host. */
  hostIP: string;
  /** 0 until a free port is picked (create does that). */
  hostPort: number;
  containerPort: number;
  protocol: PortProtocol;
  range: number;
}

/** Consecutive single mappings folded back into ranges, for display. */
export function foldRanges(ports: PortMapping[]): PortMapping[] {
  // Plain comparisons: localeCompare would load ICU's collator on ps's path.
  const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
  const sorted = [...ports].sort(
    (a, b) => cmp(a.protocol, b.protocol) || cmp(a.hostIP, b.hostIP) || a.containerPort - b.containerPort || a.hostPort - b.hostPort,
  );
  const out: PortMapping[] = [];
  for (const m of sorted) {
    const last = out[out.length - 1];
    if (
      last && last.protocol === m.protocol && last.hostIP === m.hostIP &&
      last.containerPort + last.range === m.containerPort && last.hostPort + last.range === m.hostPort
    ) {
      last.range += m.range;
    } else {
      out.push({ ...m });
    }
  }
  return out;
}

/** ps's PORTS: "0.0.0.0:8080->80/tcp, 127.0.0.1:9000-9001->9000-9001/udp", as Podman 4.3. */
export function formatPorts(ports: PortMapping[] | undefined): string {
  if (!ports || ports.length === 0) return '';
  return foldRanges(ports)
    .map((m) => {
      const ip = m.hostIP === '' ? '0.0.0.0' : m.hostIP;
      const span = (p: number): string => (m.range > 1 ? `${p}-${p + m.range - 1}` : `${p}`);
      return `${ip}:${span(m.hostPort)}->${span(m.containerPort)}/${m.protocol}`;
    })
    .join(', ');
}

export interface InspectPortBinding {
  HostIp: string;
  HostPort: string;
}

/**
 * NetworkSettings.Ports / HostConfig.PortBindings: "80/tcp" -> [{HostIp, HostPort}], one
 * key per container port; exposed ports nobody published map to null (NetworkSettings).
 */
export function inspectPorts(ports: PortMapping[] | undefined, exposed?: Record<string, object>): Record<string, InspectPortBinding[] | null> {
  const out: Record<string, InspectPortBinding[] | null> = {};
  for (const key of Object.keys(exposed ?? {})) {
    const k = key.includes('/') ? key.toLowerCase() : `${key}/tcp`;
    out[k] = null;
  }
  for (const m of ports ?? []) {
    for (let i = 0; i < m.range; i++) {
      const key = `${m.containerPort + i}/${m.protocol}`;
      const list = out[key] ?? [];
      list.push({ HostIp: m.hostIP, HostPort: String(m.hostPort + i) });
      out[key] = list;
    }
  }
  return out;
}

/** Podman's ps --format json "Ports" entries. */
export function jsonPorts(ports: PortMapping[] | undefined): Array<{ host_ip: string; container_port: number; host_port: number; range: number; protocol: string }> | null {
  if (!ports || ports.length === 0) return null;
  return ports.map((m) => ({ host_ip: m.hostIP, container_port: m.containerPort, host_port: m.hostPort, range: m.range, protocol: m.protocol }));
}

/** `tpod port` lines: "80/tcp -> 0.0.0.0:8080", one per port (Podman prints IPv6 unbracketed too). */
export function portLines(ports: PortMapping[] | undefined, only?: { port: number; protocol?: PortProtocol }): string[] {
  const lines: string[] = [];
  for (const m of ports ?? []) {
    for (let i = 0; i < m.range; i++) {
      const cport = m.containerPort + i;
      if (only && (only.port !== cport || (only.protocol !== undefined && only.protocol !== m.protocol))) continue;
      const ip = m.hostIP === '' ? '0.0.0.0' : m.hostIP;
      const host = `${ip}:${m.hostPort + i}`;
      lines.push(only ? host : `${cport}/${m.protocol} -> ${host}`);
    }
  }
  return lines;
}

