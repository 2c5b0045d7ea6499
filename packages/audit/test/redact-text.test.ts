import { describe, expect, it } from 'vitest';
import { REDACTED } from '../src/catalog.ts';
import { passesLuhn, redactText } from '../src/redact.ts';
import {
  prefilterAnchors,
  SECRET_JSON_PREFILTER_SOURCE,
  SECRET_VALUE_PATTERNS,
  SECRET_VALUE_PREFILTER_SOURCE,
} from '../src/secret-rule.ts';
import { PLAIN_TEXTS, SECRET_TEXTS } from '../src/testing/secret-corpus.ts';

const prefilter = new RegExp(SECRET_VALUE_PREFILTER_SOURCE);
const jsonPrefilter = new RegExp(SECRET_JSON_PREFILTER_SOURCE);

describe('redactText: secrets inside a text, whatever the field', () => {
  it.each(SECRET_TEXTS)('$what', ({ input, expected }) => {
    expect(redactText(input)).toBe(expected);
  });

  it.each(SECRET_TEXTS)('$what: found by the prefilter, also inside a Json value’s text (escaped)', ({ input }) => {
    expect(prefilter.test(input)).toBe(true);
    expect(jsonPrefilter.test(JSON.stringify({ note: input }))).toBe(true);
  });

  it.each(SECRET_TEXTS)('$what: redacting twice changes nothing more', ({ expected }) => {
    expect(redactText(expected)).toBe(expected);
  });
});

describe('redactText: near misses stay as they are', () => {
  it.each(PLAIN_TEXTS)('keeps %j', (text) => {
    expect(redactText(text)).toBe(text);
  });

  it('lets an ordinary ticket text through the prefilter without any work', () => {
    for (const text of [
      'Printer on floor 3 is offline again.',
      'Customer reports printer jams when duplex printing, '.repeat(40),
    ]) {
      expect(prefilter.test(text), text.slice(0, 40)).toBe(false);
    }
  });
});

describe('the prefilter anchors', () => {
  it.each([['text', '"'] as const, ['Json text', '\\"'] as const])(
    'in a %s: a gated anchor never matches without one of its substrings, a literal is itself',
    (_kind, quote) => {
      for (const anchor of prefilterAnchors(quote)) {
        if (anchor.literal) expect(anchor.source, anchor.literal).toBe(anchor.literal);
        const regex = new RegExp(anchor.source, 'g');
        const inputs = [...SECRET_TEXTS.map((c) => c.input), ...SECRET_TEXTS.map((c) => JSON.stringify(c.input))];
        for (const input of inputs) {
          for (const match of input.matchAll(regex)) {
            if (anchor.gates)
              expect(
                anchor.gates.some((gate) => match[0].includes(gate)),
                `${anchor.source}: ${match[0]}`,
              ).toBe(true);
          }
        }
      }
    },
  );

  it('does not take a Json value’s own secret keys for a secret string (the walk tests keys by name)', () => {
    expect(jsonPrefilter.test(JSON.stringify({ password: 'x', pin: 1 }))).toBe(false);
    expect(jsonPrefilter.test(JSON.stringify({ note: '"password": "x"' }))).toBe(true);
  });
});

describe('every value pattern', () => {
  it.each(SECRET_VALUE_PATTERNS.map((pattern) => [pattern.name, pattern] as const))(
    '%s has a case in the corpus, and every match of it contains a prefilter match',
    (name, pattern) => {
      const regex = new RegExp(pattern.source, 'g');
      const cases = SECRET_TEXTS.filter(({ input }) => new RegExp(pattern.source).test(input));
      expect(cases.length, name).toBeGreaterThan(0);
      for (const { input } of cases) {
        for (const match of input.matchAll(regex)) expect(prefilter.test(match[0]), `${name}: ${match[0]}`).toBe(true);
      }
    },
  );

  it.each(SECRET_VALUE_PATTERNS.map((pattern) => [pattern.name, pattern.source] as const))(
    '%s uses only constructs that mean the same in JavaScript and PostgreSQL',
    (_name, source) => {
      // \s, \b, \w, \d and . differ (Unicode, word characters, newlines); non-greedy quantifiers change PostgreSQL's
      // whole-match preference.
      expect(source).not.toMatch(/\\[sSbBwWdD]|(?<!\\)\.(?![^[]*\])|(?<!\\)[*+?}]\?/);
    },
  );
});

describe('card numbers', () => {
  it.each([
    '4111111111111111',
    '5555555555554444',
    '378282246310005',
    '6011111111111117',
    '4222222222222',
    '4000000000000000006',
  ])('accepts the test card %s (Luhn)', (number) => {
    expect(passesLuhn(number)).toBe(true);
    expect(redactText(number)).toBe(REDACTED);
  });

  it.each(['4111111111111112', '5555555555554445', '378282246310006', '4000000000000000007'])(
    'refuses %s: its Luhn check fails',
    (number) => {
      expect(passesLuhn(number)).toBe(false);
      expect(redactText(number)).toBe(number);
    },
  );

  it.each(['1111111111111117', '7111111111111114', '8000000000000003', '9000000000000001', '0000000000000000'])(
    'leaves %s (passes Luhn, but no card starts with its first digit)',
    (number) => {
      expect(passesLuhn(number)).toBe(true);
      expect(redactText(number)).toBe(number);
    },
  );

  it('leaves numbers shorter than 13 or longer than 19 digits', () => {
    for (const number of ['411111111116', '41111111111111111111']) expect(redactText(number), number).toBe(number);
  });

  it('leaves groups that no card is written in, even when the digits pass Luhn (dates, phone numbers)', () => {
    expect(passesLuhn('2024011520240214')).toBe(true);
    expect(redactText('2024-01-15 2024-02-14')).toBe('2024-01-15 2024-02-14');
    expect(passesLuhn('4930123456786')).toBe(true);
    expect(redactText('+49 301 2345 6786')).toBe('+49 301 2345 6786');
  });

  it('finds a card inside a longer run of numbers and keeps the numbers around it', () => {
    expect(redactText('ref 12 4111 1111 1111 1111 12 27 123')).toBe(`ref 12 ${REDACTED} 12 27 123`);
  });

  it('finds a card after many small numbers in the same run (runs are cut every 64 groups)', () => {
    const numbers = Array.from({ length: 100 }, (_, i) => String(i)).join(' ');
    expect(redactText(`${numbers} 4111 1111 1111 1111`)).toBe(`${numbers} ${REDACTED}`);
  });
});
