/**
 * How a changed field reads: its label ("MFA secret", "IP address", a foreign key's "Client"), and values that are
 * money or byte sizes in words ("€1,234.50", "512 GB"). The log stores amounts as exact decimal text and sizes as
 * integers; the field's name says which they are.
 */

/** Words written in capitals: `mfaSecret` → "MFA secret", `ipAddress` → "IP address", `apiKeyId` → "API key ID". */
const ACRONYMS = new Set([
  'api',
  'cpu',
  'csv',
  'cvv',
  'dns',
  'html',
  'http',
  'https',
  'id',
  'ids',
  'ip',
  'json',
  'mac',
  'mfa',
  'os',
  'otp',
  'pdf',
  'pin',
  'ram',
  'sku',
  'sms',
  'ssh',
  'ssl',
  'sso',
  'tls',
  'totp',
  'uri',
  'url',
  'uuid',
  'vat',
  'vpn',
]);

function words(field: string): string[] {
  return field
    .replace(/[_.-]+/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .trim()
    .split(/\s+/)
    .filter(Boolean);
}

/**
 * `billingAddress` → "Billing address"; `mfa_secret` → "MFA secret"; `ipAddress` → "IP address". A foreign key
 * (`clientId`, `reference` true) is named for what it points at: "Client".
 */
export function fieldLabel(field: string, reference = false): string {
  let parts = words(field);
  if (reference && parts.length > 1 && parts[parts.length - 1] === 'id') parts = parts.slice(0, -1);
  const text = parts
    .map((word) => (ACRONYMS.has(word) ? (word === 'ids' ? 'IDs' : word.toUpperCase()) : word))
    .join(' ');
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : field;
}

const DECIMAL = /^-?\d+(\.\d+)?$/;
const MONEY_FIELD = /(total|subtotal|tax|price|amount|cost|value|budget|fee|balance|revenue)$/i;
const BYTES_FIELD = /bytes$/i;

export type FieldKind = 'money' | 'bytes' | null;

/** Whether a field holds money or a byte size, from its name and its values (decimal numbers). */
export function fieldKind(field: string, values: unknown[]): FieldKind {
  const numeric = values.every(
    (value) =>
      value === null ||
      value === undefined ||
      ((typeof value === 'string' || typeof value === 'number') && DECIMAL.test(String(value))),
  );
  if (!numeric || values.every((value) => value === null || value === undefined)) return null;
  if (BYTES_FIELD.test(field)) return 'bytes';
  if (MONEY_FIELD.test(field)) return 'money';
  return null;
}

/** An ISO 4217 code, as an invoice's `currency` holds it. */
export const isCurrency = (value: unknown): value is string => typeof value === 'string' && /^[A-Z]{3}$/.test(value);

/**
 * `"1234.5"` → "€1,234.50" with a currency, "1,234.50" without. Formatted from the decimal text (no float
 * rounding of large amounts: Intl takes the string).
 */
export function formatMoney(value: string | number, currency: string | null): string {
  const text = String(value);
  const decimals = Math.max(2, (text.split('.')[1] ?? '').length);
  const options: Intl.NumberFormatOptions = currency
    ? { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: decimals }
    : { minimumFractionDigits: 2, maximumFractionDigits: decimals };
  try {
    return new Intl.NumberFormat(undefined, options).format(text as unknown as number);
  } catch {
    return text;
  }
}

const BYTE_UNITS = ['bytes', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];

/** `"512110190592"` → "512.1 GB" (decimal units, as disks are sold); the exact count goes in a title. */
export function formatBytes(value: string | number): string {
  let size = Number(value);
  if (!Number.isFinite(size)) return String(value);
  let unit = 0;
  while (Math.abs(size) >= 1000 && unit < BYTE_UNITS.length - 1) {
    size /= 1000;
    unit++;
  }
  const digits = unit === 0 || Math.abs(size) >= 100 ? 0 : 1;
  return `${size.toLocaleString(undefined, { maximumFractionDigits: digits })} ${BYTE_UNITS[unit] ?? ''}`;
}

/** "512,110,190,592 bytes". */
export function exactBytes(value: string | number): string {
  const text = String(value);
  try {
    return `${new Intl.NumberFormat(undefined).format(text as unknown as number)} bytes`;
  } catch {
    return `${text} bytes`;
  }
}
