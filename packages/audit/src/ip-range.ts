/**
 * IP address filters, parsed without Node (the web page and the API share it): one address (`203.0.113.7`,
 * `2001:db8::1`) or a CIDR range (`203.0.113.0/24`, `2001:db8::/32`), validated, in a canonical form the list query
 * matches against. Browser-safe.
 */

export interface IpFilter {
  version: 4 | 6;
  /** The canonical address: dotted IPv4, or lower-case compressed IPv6; for a range, its first address. */
  address: string;
  /** The prefix length: 32 / 128 for one address. */
  prefix: number;
  /** `address` alone for one address, `address/prefix` for a range: what the query and the URL carry. */
  text: string;
}

export type IpFilterResult = { ok: true; value: IpFilter } | { ok: false; message: string };

/**
 * Text that PostgreSQL casts to `inet` as one address, as regular expressions for SQL: the list's CIDR filter and the
 * IP daily counts cast only text that matches one of them, so a stray value written with the runtime role never
 * fails a query, and both agree on which entries an address range holds.
 */
export const IPV4_TEXT = `^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$`;
export const IPV6_TEXT = `^(([0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,7}:|([0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,5}(:[0-9a-fA-F]{1,4}){1,2}|([0-9a-fA-F]{1,4}:){1,4}(:[0-9a-fA-F]{1,4}){1,3}|([0-9a-fA-F]{1,4}:){1,3}(:[0-9a-fA-F]{1,4}){1,4}|([0-9a-fA-F]{1,4}:){1,2}(:[0-9a-fA-F]{1,4}){1,5}|[0-9a-fA-F]{1,4}:(:[0-9a-fA-F]{1,4}){1,6}|:((:[0-9a-fA-F]{1,4}){1,7}|:))$`;

const IPV4_OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

function parseIpv4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => IPV4_OCTET.test(part))) return null;
  return parts.map(Number);
}

/** The eight 16-bit groups of an IPv6 address (an embedded IPv4 tail allowed), or null. */
function parseIpv6(text: string): number[] | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || text.length > 45) return null;
  let head = text;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (!v4) return null;
    tail.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
    head = text.slice(0, lastColon + 1);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(halves[0] ?? '');
  const right = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (![...left, ...right].every((group) => /^[0-9a-fA-F]{1,4}$/.test(group))) return null;
  const known = left.length + right.length + tail.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return null;
  const zeros = Array.from({ length: 8 - known }, () => 0);
  return [...left.map((g) => parseInt(g, 16)), ...zeros, ...right.map((g) => parseInt(g, 16)), ...tail];
}

/** RFC 5952: lower case, leading zeros dropped, the longest run of two or more zero groups as `::`. */
function formatIpv6(groups: number[]): string {
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > best.length && j - i >= 2) best = { start: i, length: j - i };
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (best.start < 0) return hex.join(':');
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.length).join(':')}`;
}

/** Clears the bits past `prefix` of `values` (each `bits` wide). */
function masked(values: number[], bits: number, prefix: number): number[] {
  return values.map((value, index) => {
    const keep = Math.max(0, Math.min(bits, prefix - index * bits));
    return keep === 0 ? 0 : value & (((1 << bits) - 1) ^ ((1 << (bits - keep)) - 1));
  });
}

/** Parses an IP address or CIDR range; the message says what is wrong, for the person who typed it. */
export function parseIpFilter(input: string): IpFilterResult {
  const text = input.trim();
  const [addressText = '', prefixText, extra] = text.split('/');
  if (extra !== undefined) return { ok: false, message: `"${text}" has more than one "/"` };
  const v4 = parseIpv4(addressText);
  const v6 = v4 ? null : parseIpv6(addressText);
  if (!v4 && !v6) {
    return {
      ok: false,
      message: `"${addressText}" is not an IP address (e.g. 203.0.113.7, 2001:db8::1, or a range 203.0.113.0/24)`,
    };
  }
  const max = v4 ? 32 : 128;
  let prefix = max;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) {
      return { ok: false, message: `"/${prefixText}" is not a prefix length: use 0 to ${max}` };
    }
    prefix = Number(prefixText);
  }
  const address = v4 ? masked(v4, 8, prefix).join('.') : formatIpv6(masked(v6 ?? [], 16, prefix));
  return {
    ok: true,
    value: { version: v4 ? 4 : 6, address, prefix, text: prefix === max ? address : `${address}/${prefix}` },
  };
}
