/**
 * The search grammar: examples, every error naming its term and position, IP parsing against Node's own, and
 * properties over random filters (seeded, so a failure repeats): `parseSearch(formatSearch(f))` gives `f` back, and
 * no input makes the parser throw.
 */
import { BlockList, isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { formatSearch, parseIpFilter, parseSearch } from '../src/search-query.ts';
import { suggestSearch } from '../src/search-suggest.ts';
import type { SearchFilters } from '../src/search-query.ts';

/** A small deterministic PRNG (mulberry32). */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  return { next, int, pick };
}

describe('parseSearch', () => {
  it('compiles the example query', () => {
    const query =
      'actor:Adam@Example.com action:delete entity:ticket ip:203.0.113.9/24 created:2026-11-01..2026-11-07 request:req_42';
    expect(parseSearch(query)).toEqual({
      ok: true,
      filters: {
        actor: { type: 'user', email: 'adam@example.com' },
        action: 'delete',
        entityType: 'ticket',
        ip: '203.0.113.0/24',
        from: '2026-11-01',
        to: '2026-11-07',
        requestId: 'req_42',
      },
    });
  });

  it('reads records, roll-ups, system names, quoted values and one-sided ranges', () => {
    expect(parseSearch('entity:ticket/ck1 within:client/c9 actor:system:"Email sync" created:2026-11-01..')).toEqual({
      ok: true,
      filters: {
        entityType: 'ticket',
        entityId: 'ck1',
        within: { entityType: 'client', entityId: 'c9' },
        actor: { type: 'system', name: 'Email sync' },
        from: '2026-11-01',
      },
    });
    expect(parseSearch('actor:"system:Email sync" created:..2026-11-07 request:"a \\"b\\""')).toEqual({
      ok: true,
      filters: { actor: { type: 'system', name: 'Email sync' }, to: '2026-11-07', requestId: 'a "b"' },
    });
    expect(parseSearch('created:2026-02-03')).toEqual({ ok: true, filters: { from: '2026-02-03', to: '2026-02-03' } });
    // Times of day, as the page's date filters write them (`from=2026-11-01T09:30`), read back as written.
    expect(parseSearch('created:2026-11-01T09:30..2026-11-01')).toEqual({
      ok: true,
      filters: { from: '2026-11-01T09:30', to: '2026-11-01' },
    });
    expect(formatSearch({ from: '2026-11-01', to: '2026-11-07T18:05' })).toBe('created:2026-11-01..2026-11-07T18:05');
    expect(parseSearch('   ')).toEqual({ ok: true, filters: {} });
  });

  it.each([
    ['action:delete printer', 'printer', '"printer" is not a filter'],
    ['colour:red', 'colour:red', '"colour:" is not a filter key'],
    ['ip:203.0.113.300', 'ip:203.0.113.300', 'ip: "203.0.113.300" is not an IP address'],
    ['ip:10.0.0.0/40', 'ip:10.0.0.0/40', 'ip: "/40" is not a prefix length: use 0 to 32'],
    ['created:2026-02-30', 'created:2026-02-30', 'created: "2026-02-30" is not a date'],
    ['created:2026-11-07..2026-11-01', 'created:2026-11-07..2026-11-01', '2026-11-07 is after 2026-11-01'],
    ['created:2026-11-01T24:00', 'created:2026-11-01T24:00', 'created: "2026-11-01T24:00" is not a date'],
    ['created:2026-11-01T10:00..2026-11-01T09:59', 'created:2026-11-01T10:00..2026-11-01T09:59', 'is after'],
    ['action:delete action:create', 'action:create', 'action: is given twice'],
    ['actor:bob', 'actor:bob', '"bob" is not an actor'],
    ['within:client', 'within:client', 'within: needs a record'],
    ['entity:Ticket!', 'entity:Ticket!', 'is not an entity type'],
    ['request:"open', '"open', 'a quoted value is not closed'],
    ['action:', 'action:', 'action: needs a value'],
  ])('refuses %j, naming the wrong part', (query, part, message) => {
    const result = parseSearch(query);
    if (result.ok) throw new Error('parsed');
    expect(result.error.message).toContain(message);
    expect(query.slice(result.error.start, result.error.end)).toBe(part);
  });
});

describe('parseIpFilter', () => {
  it('agrees with Node on which addresses are addresses, over random and tricky inputs', () => {
    const r = random(13);
    const hex = () => r.int(65536).toString(16);
    const tricky = [
      '::',
      '::1',
      '1::',
      '1:2:3:4:5:6:7::',
      '::ffff:1.2.3.4',
      '1:2:3:4:5:6:1.2.3.4',
      ':::',
      '1::2::3',
      '01.2.3.4',
      '1.2.3',
      '1.2.3.4.5',
      '256.1.1.1',
      'g::1',
      '1:2:3:4:5:6:7:8:9',
      '',
    ];
    const generated = Array.from({ length: 2000 }, () => {
      const groups = Array.from({ length: 1 + r.int(8) }, hex);
      if (r.next() < 0.3) return Array.from({ length: 4 }, () => r.int(300)).join('.');
      const cut = r.int(groups.length + 1);
      return r.next() < 0.5 ? groups.join(':') : `${groups.slice(0, cut).join(':')}::${groups.slice(cut).join(':')}`;
    });
    for (const text of [...tricky, ...generated]) {
      const parsed = parseIpFilter(text);
      // Node refuses leading zeros in IPv4 (ambiguous octal), as we do.
      expect(parsed.ok, text).toBe(isIP(text) !== 0);
      if (parsed.ok) {
        const list = new BlockList();
        list.addAddress(parsed.value.address, parsed.value.version === 4 ? 'ipv4' : 'ipv6');
        expect(list.check(text, parsed.value.version === 4 ? 'ipv4' : 'ipv6'), text).toBe(true);
      }
    }
  });

  it('masks a range to its first address and writes IPv6 in RFC 5952 form', () => {
    expect(parseIpFilter('203.0.113.77/24')).toMatchObject({ ok: true, value: { text: '203.0.113.0/24' } });
    expect(parseIpFilter('2001:DB8:0:0:0:0:0:1')).toMatchObject({ ok: true, value: { text: '2001:db8::1' } });
    expect(parseIpFilter('2001:db8:ffff::/33')).toMatchObject({ ok: true, value: { text: '2001:db8:8000::/33' } });
    expect(parseIpFilter('1.2.3.4/0')).toMatchObject({ ok: true, value: { text: '0.0.0.0/0' } });
  });
});

describe('search properties', () => {
  const r = random(2026);
  const word = () => {
    const chars = 'abcxyz019 _-"\\/:.@é';
    return Array.from({ length: 1 + r.int(10) }, () => r.pick([...chars])).join('');
  };
  const name = () => r.pick(['delete', 'create', 'failed_login', 'ticket', 'invoice_line', 'x9']);
  const day = () =>
    `20${10 + r.int(20)}-${String(1 + r.int(12)).padStart(2, '0')}-${String(1 + r.int(28)).padStart(2, '0')}`;

  function randomFilters(): SearchFilters {
    const f: SearchFilters = {};
    if (r.next() < 0.5) {
      f.actor = r.pick([
        { type: 'user', id: word() },
        { type: 'user', email: `${r.pick(['adam', 'b.c'])}@example.test` },
        { type: 'system' },
        { type: 'system', name: word() },
        { type: 'anonymous' },
        { type: 'unattributed' },
      ] as const);
    }
    if (r.next() < 0.5) f.action = name();
    if (r.next() < 0.5) {
      f.entityType = name();
      if (r.next() < 0.5) f.entityId = word();
    }
    if (r.next() < 0.3) f.within = { entityType: name(), entityId: word() };
    if (r.next() < 0.3) f.ip = r.pick(['203.0.113.7', '10.0.0.0/8', '2001:db8::/32', '::1']);
    if (r.next() < 0.4) {
      const [a, b] = [day(), day()].sort();
      if (r.next() < 0.7) f.from = a;
      if (r.next() < 0.7) f.to = b;
    }
    if (r.next() < 0.3) f.requestId = word();
    return f;
  }

  it('formatSearch and parseSearch are inverses (1,000 random filter sets)', () => {
    for (let i = 0; i < 1000; i += 1) {
      const filters = randomFilters();
      const query = formatSearch(filters);
      expect(parseSearch(query), query).toEqual({ ok: true, filters });
    }
  });

  it('never throws, and any error points inside the query (5,000 random strings)', () => {
    const alphabet = [...'actor:action:entity:ip:created:request:within: "\\/..-@1209abc'];
    for (let i = 0; i < 5000; i += 1) {
      const query = Array.from({ length: r.int(40) }, () => r.pick(alphabet)).join('');
      const result = parseSearch(query);
      if (!result.ok) {
        expect(result.error.start).toBeGreaterThanOrEqual(0);
        expect(result.error.end).toBeLessThanOrEqual(query.length);
        expect(result.error.start).toBeLessThan(Math.max(result.error.end, 1));
      }
    }
  });
});

describe('suggestSearch', () => {
  const sources = {
    actions: [
      { value: 'delete', label: 'Delete' },
      { value: 'create', label: 'Create' },
    ],
    entityTypes: [
      { value: 'ticket', label: 'Ticket' },
      { value: 'client', label: 'Client' },
    ],
    users: [{ name: 'Adam Admin', email: 'adam@example.test' }],
  };

  it('suggests keys, then values from the catalog and the users, for the term at the cursor', () => {
    expect(suggestSearch('ac', 2, sources).map((s) => s.term)).toEqual(['actor:', 'action:']);
    expect(suggestSearch('action:del', 10, sources).map((s) => s.term)).toEqual(['action:delete']);
    const actor = suggestSearch('entity:ticket actor:ada', 23, sources);
    expect(actor[0]).toMatchObject({ term: 'actor:adam@example.test', start: 14, end: 23 });
    expect(suggestSearch('actor:', 6, sources).map((s) => s.term)).toContain('actor:unattributed');
  });
});
