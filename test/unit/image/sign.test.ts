import { describe, it, expect } from 'vitest';
import { signaturePayload, signaturePath } from '../../../src/image/sign.js';
import { parseRemoteReference, qualify } from '../../../src/image/reference.js';

const ref = qualify(parseRemoteReference('quay.io/libpod/testimage:20220615'), 'quay.io');
const digest = 'sha256:' + 'ab'.repeat(32);

describe('image sign', () => {
  it("writes containers/image's simple-signing payload", () => {
    const p = JSON.parse(signaturePayload(ref, digest, 1700000000)) as Record<string, Record<string, unknown>>;
    expect(p.critical).toEqual({
      identity: { 'docker-reference': 'quay.io/libpod/testimage:20220615' },
      image: { 'docker-manifest-digest': digest },
      type: 'atomic container signature',
    });
    expect(p.optional!.timestamp).toBe(1700000000);
  });
  it('puts signature N under REPOSITORY@sha256=HEX, without the registry', () => {
    expect(signaturePath('/s', ref, digest, 2)).toBe(`/s/libpod/testimage@sha256=${'ab'.repeat(32)}/signature-2`);
  });
});
