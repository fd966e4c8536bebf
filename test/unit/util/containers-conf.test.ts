import { describe, it, expect } from 'vitest';
import { readEngineConfig, parseConfigSize, type ConfigSources } from '../../../src/util/containers-conf.js';

function sources(files: Record<string, string>, env: NodeJS.ProcessEnv = {}): ConfigSources {
  return { env, userConfigDir: '/home/u/.config/containers', readFile: (p) => files[p], listDir: () => [] };
}

describe('readEngineConfig', () => {
  it('reads the engine and containers keys, later files winning', () => {
    const cfg = readEngineConfig(sources({
      '/etc/containers/containers.conf': '[engine]\nruntime = "runc"\nevents_logger = "none"\n[containers]\nlog_driver = "json-file"\n',
      '/home/u/.config/containers/containers.conf': '[engine]\n# runtime = "x"\nruntime = "crun"\nevents_logger="file"\nevents_logfile_path="/tmp/ev.log"\nevents_logfile_max_size=4750\n[engine.runtimes]\nmine = ["/opt/crun"]\n',
    }));
    expect(cfg).toEqual({
      runtimes: { mine: ['/opt/crun'] },
      runtime: 'crun',
      eventsLogger: 'file',
      eventsLogfilePath: '/tmp/ev.log',
      eventsLogfileMaxSize: 4750,
      logDriver: 'json-file',
    });
  });
  it('reads only $CONTAINERS_CONF when it is set', () => {
    const cfg = readEngineConfig(sources({
      '/etc/containers/containers.conf': '[engine]\nruntime = "runc"\n',
      '/tmp/c.conf': '[engine]\nruntime = "odd"\n[engine.runtimes]\nodd = ["/usr/bin/crun"]\n',
    }, { CONTAINERS_CONF: '/tmp/c.conf' }));
    expect(cfg.runtime).toBe('odd');
    expect(cfg.runtimes).toEqual({ odd: ['/usr/bin/crun'] });
  });
  it('reads image_volume_mode, and refuses a mode that does not exist', () => {
    expect(readEngineConfig(sources({ '/tmp/c.conf': '[engine]\nimage_volume_mode="tmpfs"\n' }, { CONTAINERS_CONF: '/tmp/c.conf' })).imageVolumeMode).toBe('tmpfs');
    expect(() => readEngineConfig(sources({ '/tmp/c.conf': '[engine]\nimage_volume_mode="anonymous"\n' }, { CONTAINERS_CONF: '/tmp/c.conf' }))).toThrow(/\/tmp\/c\.conf: image_volume_mode = "anonymous"/);
  });
  it('refuses values Podman refuses, naming the file', () => {
    expect(() => readEngineConfig(sources({ '/etc/containers/containers.conf': '[engine]\nevents_logger = "syslog"\n' }))).toThrow(/containers.conf: events_logger/);
    expect(() => readEngineConfig(sources({ '/etc/containers/containers.conf': '[containers]\nlog_driver = "fluentd"\n' }))).toThrow(/log_driver/);
  });
  it('reads sizes in bytes or with units', () => {
    expect(parseConfigSize(4750, 'f', 'k')).toBe(4750);
    expect(parseConfigSize('1m', 'f', 'k')).toBe(1_000_000);
    expect(parseConfigSize('10kb', 'f', 'k')).toBe(10_000);
    expect(() => parseConfigSize('lots', 'f', 'k')).toThrow(/use a size/);
  });
});
