/** Field labels, money and byte sizes, and user agents in words: the drawer's small formatters, without a browser. */
import { describe, expect, it } from 'vitest';
import { fieldKind, fieldLabel, formatBytes, formatMoney } from '../src/lib/field-format.ts';
import { describeUserAgent } from '../src/lib/user-agent.ts';
import { changedCount, diffJson } from '../src/lib/json-diff.ts';

describe('field labels', () => {
  it('spells acronyms in capitals and names a foreign key for its target', () => {
    expect(fieldLabel('mfaSecret')).toBe('MFA secret');
    expect(fieldLabel('ipAddress')).toBe('IP address');
    expect(fieldLabel('api_key_id')).toBe('API key ID');
    expect(fieldLabel('websiteURL')).toBe('Website URL');
    expect(fieldLabel('billingAddress')).toBe('Billing address');
    expect(fieldLabel('clientId', true)).toBe('Client');
    expect(fieldLabel('clientId')).toBe('Client ID');
  });
});

describe('money and byte sizes', () => {
  it('knows them by the field and its decimal values', () => {
    expect(fieldKind('purchaseCost', ['1234.50', null])).toBe('money');
    expect(fieldKind('total', ['480.00', '500.00'])).toBe('money');
    expect(fieldKind('diskBytes', ['512110190592', '1'])).toBe('bytes');
    expect(fieldKind('total', ['n/a'])).toBeNull();
    expect(fieldKind('quantity', ['2'])).toBeNull();
  });

  it('formats from the decimal text, with the currency when known', () => {
    expect(formatMoney('1234.5', null)).toBe('1,234.50');
    expect(formatMoney('480.00', 'EUR')).toBe('€480.00');
    // Beyond 2^53: no float rounding.
    expect(formatMoney('12345678901234567.25', 'USD')).toBe('$12,345,678,901,234,567.25');
    expect(formatBytes('512110190592')).toBe('512 GB');
    expect(formatBytes('1500')).toBe('1.5 kB');
    expect(formatBytes('999')).toBe('999 bytes');
  });
});

describe('user agents in words', () => {
  it('names the usual browsers, systems and clients, and says nothing rather than guess', () => {
    expect(
      describeUserAgent(
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      ),
    ).toBe('Chrome 131 on macOS 10.15.7 · desktop');
    expect(
      describeUserAgent(
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86',
      ),
    ).toBe('Edge 131 on Windows 10/11 · desktop');
    expect(describeUserAgent('Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0')).toBe(
      'Firefox 133 on Linux · desktop',
    );
    expect(
      describeUserAgent(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
      ),
    ).toBe('Safari 17.1 on iOS 17.1 · mobile');
    expect(
      describeUserAgent(
        'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1',
      ),
    ).toBe('Safari 16.6 on iPadOS 16.6 · tablet');
    expect(describeUserAgent('curl/8.4.0')).toBe('curl 8.4.0');
    expect(describeUserAgent('Seed/1.0')).toBe('Seed 1.0');
    expect(describeUserAgent('???')).toBeNull();
  });
});

describe('Json diffs', () => {
  it('compares member by member, nested objects too, and counts what changed', () => {
    const diff = diffJson(
      { host: 'a', port: 993, tls: { on: true, min: '1.2' }, old: 1 },
      { host: 'b', port: 993, tls: { on: true, min: '1.3' }, added: [1] },
    );
    expect(changedCount(diff)).toBe(4);
    expect(diff).toMatchObject({
      kind: 'nested',
      members: [
        ['host', { kind: 'changed', before: 'a', after: 'b' }],
        ['port', { kind: 'same' }],
        [
          'tls',
          {
            kind: 'nested',
            members: [
              ['on', { kind: 'same' }],
              ['min', { kind: 'changed' }],
            ],
          },
        ],
        ['old', { kind: 'removed', value: 1 }],
        ['added', { kind: 'added', value: [1] }],
      ],
    });
  });
});
