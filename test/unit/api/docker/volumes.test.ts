import { describe, expect, it } from 'vitest';
import { dockerTime, dockerVolume, volumeCreateBody, volumeCreateOptions, volumeFilters } from '../../../../src/api/docker/volumes.js';
import type { VolumeView } from '../../../../src/engine/volumes.js';

describe('volumes in Docker shape', () => {
  it('maps a create body to tpod options (DriverOpts as --opt, an existing name answered with itself)', () => {
    const b = volumeCreateBody.parse({ Name: 'v', Driver: 'local', DriverOpts: { type: 'tmpfs', o: 'size=1m' }, Labels: { a: 'b' } });
    expect(volumeCreateOptions(b)).toEqual({ name: 'v', driver: 'local', labels: { a: 'b' }, opts: ['type=tmpfs', 'o=size=1m'], ignore: true });
    expect(volumeCreateOptions(volumeCreateBody.parse({ Name: 'p_data', Driver: null, DriverOpts: null, Labels: { 'com.docker.compose.volume': 'data' } })).driver).toBeUndefined();
    expect(volumeCreateOptions(volumeCreateBody.parse({ Name: '', DriverOpts: null, Labels: null }))).toEqual({ name: undefined, driver: undefined, labels: {}, opts: [], ignore: true });
  });
  it("gives Docker's types.Volume, CreatedAt to the second", () => {
    const v: VolumeView = { Name: 'v', Driver: 'local', Mountpoint: '/m/v/_data', CreatedAt: '2024-03-01T10:20:30.456Z', Labels: { a: 'b' }, Scope: 'local', Options: {}, MountCount: 0 };
    expect(dockerVolume(v)).toEqual({ CreatedAt: '2024-03-01T10:20:30Z', Driver: 'local', Labels: { a: 'b' }, Mountpoint: '/m/v/_data', Name: 'v', Options: {}, Scope: 'local' });
    expect(dockerTime('not a time')).toBe('not a time');
  });
  it("turns Docker's filters into tpod's, dangling as 1/0 too", () => {
    expect(volumeFilters({ name: ['a', 'b'], label: ['x=y'], dangling: ['1'] })).toEqual(['name=a', 'name=b', 'label=x=y', 'dangling=true']);
    expect(volumeFilters({ dangling: ['false'] })).toEqual(['dangling=false']);
    expect(() => volumeFilters({ dangling: ['maybe'] })).toThrow(/dangling/);
    expect(() => volumeFilters({ color: ['red'] })).toThrow(/invalid filter 'color'/);
  });
});
