import { describe, expect, it } from 'vitest';
import { generateDeviceSecret, hashDeviceSecret, samePassword, verifyDeviceSecret } from './credentials.js';

describe('device secrets', () => {
  it('are 256 random bits, base64url', () => {
    const a = generateDeviceSecret();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(generateDeviceSecret()).not.toBe(a);
  });

  it('hash in Mosquitto’s $7$ format and verify', async () => {
    const hash = await hashDeviceSecret('s3cret-s3cret-s3cret-s3cret-s3cret');
    expect(hash).toMatch(/^\$7\$1000\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$/);
    expect(await verifyDeviceSecret('s3cret-s3cret-s3cret-s3cret-s3cret', hash)).toBe(true);
    expect(await verifyDeviceSecret('s3cret-s3cret-s3cret-s3cret-s3creT', hash)).toBe(false);
    expect(await hashDeviceSecret('same')).not.toBe(await hashDeviceSecret('same')); // salted
  });

  it('verify a hash made by mosquitto_passwd 2.0.11', async () => {
    const made = '$7$101$TT3iCJDY2oEfTXVj$6v+npmeKwH5ioPUmNxRfOeiysz9oCmAHZkbPeLKzEk2lJfHbxSwPhu40K8JuioDURQliNLEnjL7USHcHn2Gctw==';
    expect(await verifyDeviceSecret('secret123', made)).toBe(true);
    expect(await verifyDeviceSecret('secret124', made)).toBe(false);
  });

  it('refuse malformed hashes instead of throwing', async () => {
    for (const bad of ['', 'plain', '$6$abc$def', '$7$0$AAAA$AAAA', '$7$101$!!$AAAA']) expect(await verifyDeviceSecret('x', bad)).toBe(false);
  });

  it('compare the platform password in constant time, any length', () => {
    expect(samePassword('abc', 'abc')).toBe(true);
    expect(samePassword('abc', 'abcd')).toBe(false);
    expect(samePassword('', 'a')).toBe(false);
  });
});
