/**
 * The client's address behind reverse proxies. `X-Forwarded-For` is a list each proxy appends to: the client can
 * write anything at its left end, so only the entries added by proxies we trust mean something. Those are counted
 * from the right: the socket's peer, then each address the trusted proxies appended, until a hop we do not trust.
 *
 * Trust is configured as a number of hops (`TRUST_PROXY=1`: one proxy in front) or as the proxies' addresses
 * (`TRUST_PROXY=10.0.0.0/8,192.168.1.5`). Every address handed on is a valid IP (`net.isIP`), or nothing.
 */
import { BlockList, isIP } from 'node:net';

export type TrustProxy =
  | { kind: 'none' }
  | { kind: 'hops'; hops: number }
  | { kind: 'addresses'; proxies: BlockList; entries: readonly string[] };

export const NO_PROXY: TrustProxy = { kind: 'none' };

/** `::ffff:127.0.0.1` → `127.0.0.1`; `[2001:db8::1]:443` and `1.2.3.4:80` lose their port; anything else → null. */
export function normalizeAddress(value: string | undefined | null): string | null {
  if (!value) return null;
  let address = value.trim();
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(address);
  if (bracketed?.[1]) address = bracketed[1];
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d{1,5}$/.test(address)) address = address.slice(0, address.lastIndexOf(':'));
  if (address.toLowerCase().startsWith('::ffff:') && isIP(address.slice(7)) === 4) address = address.slice(7);
  return isIP(address) ? address : null;
}

/**
 * Parses `TRUST_PROXY`: unset/`0`/`false`/`off` → none; a whole number → that many hops; otherwise a comma-separated
 * list of addresses and CIDR ranges (IPv4 or IPv6).
 * @throws Error naming the entry that is neither
 */
export function parseTrustProxy(value: string | undefined): TrustProxy {
  const text = value?.trim().toLowerCase() ?? '';
  if (text === '' || text === '0' || text === 'false' || text === 'off' || text === 'no') return NO_PROXY;
  if (text === 'true' || text === 'yes' || text === 'on') {
    throw new Error(
      `TRUST_PROXY=${value} would trust every hop, including what the client writes itself: give the number of proxies in front of the server (e.g. TRUST_PROXY=1) or their addresses (e.g. TRUST_PROXY=10.0.0.0/8).`,
    );
  }
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops > 16)
      throw new Error(
        `TRUST_PROXY=${value}: more than 16 proxies in a row is not a setup this server believes; give their addresses instead.`,
      );
    return { kind: 'hops', hops };
  }
  const proxies = new BlockList();
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const prefix = bits === undefined ? (family === 6 ? 128 : 32) : Number(bits);
    const valid =
      family !== 0 &&
      extra === undefined &&
      Number.isInteger(prefix) &&
      prefix >= 0 &&
      prefix <= (family === 6 ? 128 : 32);
    if (!valid || !address) {
      throw new Error(
        `TRUST_PROXY: "${entry}" is not an IP address or CIDR range (e.g. 10.0.0.0/8, 192.168.1.5, fd00::/8), nor a number of hops.`,
      );
    }
    proxies.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4');
  }
  return { kind: 'addresses', proxies, entries };
}

function isTrustedHop(trust: TrustProxy, address: string | null, index: number): boolean {
  if (trust.kind === 'none' || !address) return false;
  if (trust.kind === 'hops') return index < trust.hops;
  return trust.proxies.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/** Every value of a header that may appear more than once, split on commas, in order. */
export function headerList(value: string | string[] | undefined): string[] {
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values
    .flatMap((item) => item.split(','))
    .map((item) => item.trim())
    .filter(Boolean);
}

/**
 * The client's address: walking from the socket's peer leftwards through `X-Forwarded-For` while the hop is a trusted
 * proxy. The first untrusted hop is the client; when it is not a valid IP, the address is unknown (null).
 */
export function clientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trust: TrustProxy,
): string | null {
  // Right to left: the peer, then the last entry of the header (added by the peer), and so on.
  const hops = [socketAddress ?? '', ...headerList(forwardedFor).reverse()];
  let index = 0;
  while (index < hops.length - 1 && isTrustedHop(trust, normalizeAddress(hops[index]), index)) index += 1;
  return normalizeAddress(hops[index]);
}

/** Whether the socket's peer is a proxy we trust, so that its `X-Forwarded-Host`/`-Proto` mean something. */
export function peerIsTrustedProxy(socketAddress: string | undefined, trust: TrustProxy): boolean {
  return isTrustedHop(trust, normalizeAddress(socketAddress), 0);
}
