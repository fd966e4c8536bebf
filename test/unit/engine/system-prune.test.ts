import { describe, it, expect } from 'vitest';
import { checkPruneFilters } from '../../../src/engine/system-prune.js';

describe('checkPruneFilters', () => {
  it("takes Podman's label and until filters and refuses the rest before anything is removed", () => {
    expect(() => checkPruneFilters(['label=a=b', 'until=24h'])).not.toThrow();
    expect(() => checkPruneFilters(['name=x'])).toThrow('name is an invalid filter');
    expect(() => checkPruneFilters(['label'])).toThrow('label is an invalid filter');
  });
});
