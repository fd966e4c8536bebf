// A pod's status from its members' states, libpod's rules (the infra counts like any member).
import { describe, it, expect } from 'vitest';
import { podStatus } from '../../../src/pod/state.js';

describe('podStatus', () => {
  it('a pod without containers, or with only created ones, is Created', () => {
    expect(podStatus([])).toBe('Created');
    expect(podStatus(['created', 'created'])).toBe('Created');
  });

  it('all running is Running; some running is Degraded', () => {
    expect(podStatus(['running', 'running'])).toBe('Running');
    expect(podStatus(['running', 'exited'])).toBe('Degraded');
    expect(podStatus(['running', 'created'])).toBe('Degraded');
    expect(podStatus(['running', 'paused'])).toBe('Degraded');
  });

  it('the infra alone running (members created) is Degraded, as in Podman', () => {
    expect(podStatus(['running', 'created', 'created'])).toBe('Degraded');
  });

  it('all paused is Paused', () => {
    expect(podStatus(['paused', 'paused'])).toBe('Paused');
  });

  it('all exited is Exited; some exited and none running is Stopped', () => {
    expect(podStatus(['exited', 'exited'])).toBe('Exited');
    expect(podStatus(['exited', 'created'])).toBe('Stopped');
    expect(podStatus(['exited', 'paused'])).toBe('Stopped');
  });

  it('an unknown member state with nothing running or stopped is Error', () => {
    expect(podStatus(['unknown', 'created'])).toBe('Error');
    expect(podStatus(['unknown', 'exited'])).toBe('Stopped');
  });

  it('a container being stopped still runs', () => {
    expect(podStatus(['stopping', 'running'])).toBe('Running');
    expect(podStatus(['stopping', 'exited'])).toBe('Degraded');
  });
});
