import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fingerprint, FINGERPRINT_HEX_LENGTH } from '../src/fingerprint.ts';

const sha256 = (...parts: Uint8Array[]) => createHash('sha256').update(Buffer.concat(parts)).digest();

/** HMAC-SHA256 built by hand from SHA-256, as the SQL builds it (RFC 2104; keys of at most 64 bytes). */
function handMadeHmac(key: Uint8Array, message: Uint8Array): string {
  const block = Buffer.alloc(64);
  Buffer.from(key).copy(block);
  const inner = block.map((byte) => byte ^ 0x36);
  const outer = block.map((byte) => byte ^ 0x5c);
  return sha256(outer, sha256(inner, message)).toString('hex');
}

const key = Buffer.from('c26e137c44a71236b146b74c474e7ec8ed09df76831dd4a678eadc2e0ccb5b01', 'hex');

describe('the hand-made HMAC the SQL mirrors', () => {
  it('gives the RFC 4231 test case 1 result', () => {
    expect(handMadeHmac(Buffer.alloc(20, 0x0b), Buffer.from('Hi There'))).toBe(
      'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    );
  });
});

describe('fingerprint', () => {
  it('is the first 16 hex characters of HMAC-SHA256(key, scope || 0x00 || value)', () => {
    const message = Buffer.concat([Buffer.from('ticket:t1:pin'), Buffer.from([0]), Buffer.from('1234')]);
    expect(fingerprint(key, 'ticket:t1:pin', '1234')).toBe(handMadeHmac(key, message).slice(0, FINGERPRINT_HEX_LENGTH));
    expect(fingerprint(key, 'ticket:t1:pin', '1234')).toMatch(/^[0-9a-f]{16}$/);
  });

  it('is the same for the same key, scope and value, and differs when any of them changes', () => {
    const base = fingerprint(key, 'user:u1:password', 'hunter2');
    expect(fingerprint(key, 'user:u1:password', 'hunter2')).toBe(base);
    expect(fingerprint(key, 'user:u2:password', 'hunter2')).not.toBe(base);
    expect(fingerprint(key, 'user:u1:password', 'hunter3')).not.toBe(base);
    expect(fingerprint(Buffer.alloc(32, 1), 'user:u1:password', 'hunter2')).not.toBe(base);
  });

  it('separates scope from value: moving characters across the boundary changes the fingerprint', () => {
    expect(fingerprint(key, 'a:b', 'c')).not.toBe(fingerprint(key, 'a:', 'bc'));
  });

  it('hashes UTF-8: non-ASCII values and scopes work', () => {
    const message = Buffer.concat([Buffer.from('contact:é:pin', 'utf8'), Buffer.from([0]), Buffer.from('🔑', 'utf8')]);
    expect(fingerprint(key, 'contact:é:pin', '🔑')).toBe(handMadeHmac(key, message).slice(0, FINGERPRINT_HEX_LENGTH));
  });
});
