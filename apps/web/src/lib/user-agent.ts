/**
 * A user agent in words, "Chrome 131 on macOS (desktop)", for the details drawer; the raw string stays beside it.
 * A small table of the browsers, clients and systems an admin meets, checked in order (Edge and Opera say "Chrome"
 * too, Chrome says "Safari"): not a full parser, and it says nothing rather than guess.
 */
export interface ParsedUserAgent {
  /** "Chrome 131", "curl 8.4.0", "Seed 1.0"; null when nothing is recognised. */
  client: string | null;
  /** "macOS 10.15.7", "Windows 10/11", "Android 14", "iOS 17.1". */
  os: string | null;
  device: 'desktop' | 'mobile' | 'tablet' | 'bot' | null;
}

const CLIENTS: [RegExp, string][] = [
  [/\bEdg(?:e|A|iOS)?\/(\d+)/, 'Edge'],
  [/\bOPR\/(\d+)/, 'Opera'],
  [/\bSamsungBrowser\/(\d+)/, 'Samsung Internet'],
  [/\bFirefox\/(\d+)/, 'Firefox'],
  [/\bFxiOS\/(\d+)/, 'Firefox'],
  [/\bCriOS\/(\d+)/, 'Chrome'],
  [/\bHeadlessChrome\/(\d+)/, 'Headless Chrome'],
  [/\bChrom(?:e|ium)\/(\d+)/, 'Chrome'],
  [/\bVersion\/([\d.]+).*\bSafari\//, 'Safari'],
  [/\bcurl\/([\d.]+)/, 'curl'],
  [/\bPostmanRuntime\/([\d.]+)/, 'Postman'],
  [/\bpython-requests\/([\d.]+)/, 'Python requests'],
  [/\bnode-fetch\/([\d.]+)|\bundici\/?([\d.]*)|^node\/?([\d.]*)/i, 'Node.js'],
  [/\bGo-http-client\/([\d.]+)/, 'Go'],
  [/\bokhttp\/([\d.]+)/, 'OkHttp'],
];

const SYSTEMS: [RegExp, (match: RegExpExecArray) => string][] = [
  [/\bWindows NT 10\.0/, () => 'Windows 10/11'],
  [
    /\bWindows NT (6\.[0-3])/,
    (m) =>
      `Windows ${({ '6.0': 'Vista', '6.1': '7', '6.2': '8', '6.3': '8.1' } as Record<string, string>)[m[1] ?? ''] ?? ''}`,
  ],
  [/\biPad.*OS (\d+)[_.](\d+)/, (m) => `iPadOS ${m[1] ?? ''}.${m[2] ?? ''}`],
  [/\b(?:iPhone|CPU) OS (\d+)[_.](\d+)/, (m) => `iOS ${m[1] ?? ''}.${m[2] ?? ''}`],
  [/\bMac OS X (\d+)[_.](\d+)(?:[_.](\d+))?/, (m) => `macOS ${[m[1], m[2], m[3]].filter(Boolean).join('.')}`],
  [/\bAndroid (\d+(?:\.\d+)?)/, (m) => `Android ${m[1] ?? ''}`],
  [/\bCrOS\b/, () => 'ChromeOS'],
  [/\bLinux\b/, () => 'Linux'],
];

function client(ua: string): string | null {
  for (const [pattern, name] of CLIENTS) {
    const match = pattern.exec(ua);
    if (match) {
      const version = match.slice(1).find((part) => part);
      return version ? `${name} ${version}` : name;
    }
  }
  // "Seed/1.0", "AcmeSync/2.3 (+https://…)": a product token is a client's own name.
  const product = /^([A-Za-z][\w.-]{1,40})\/([\w.-]{1,20})/.exec(ua);
  return product && product[1] !== 'Mozilla' ? `${product[1] ?? ''} ${product[2] ?? ''}` : null;
}

function device(ua: string): ParsedUserAgent['device'] {
  if (/bot\b|crawler|spider|HeadlessChrome/i.test(ua)) return 'bot';
  if (/\biPad\b|\bTablet\b/.test(ua) || (/\bAndroid\b/.test(ua) && !/\bMobile\b/.test(ua))) return 'tablet';
  if (/\bMobile\b|\biPhone\b/.test(ua)) return 'mobile';
  if (/\b(Windows NT|Macintosh|X11|CrOS)\b/.test(ua)) return 'desktop';
  return null;
}

export function parseUserAgent(ua: string): ParsedUserAgent {
  let os: string | null = null;
  for (const [pattern, name] of SYSTEMS) {
    const match = pattern.exec(ua);
    if (match) {
      os = name(match).trim();
      break;
    }
  }
  return { client: client(ua), os, device: device(ua) };
}

/** "Chrome 131 on macOS 10.15.7 · desktop", or null when nothing is recognised. */
export function describeUserAgent(ua: string): string | null {
  const { client: name, os, device: kind } = parseUserAgent(ua);
  if (!name && !os) return null;
  const main = name && os ? `${name} on ${os}` : (name ?? os ?? '');
  return kind ? `${main} · ${kind}` : main;
}
