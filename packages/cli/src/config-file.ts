/**
 * The adopter's audit config, kept next to schema.prisma: `auditlog.config.json`, or `auditlog.config.mjs` / `.js`
 * exporting it (default export) when it is computed in code. It is the `AuditConfig` the engine takes
 * (`defineAuditConfig`), plus `runtimeRoles`: the PostgreSQL roles the app connects as, which the generated SQL
 * grants least privilege to (DML on business tables, SELECT on the audit table, `record()`).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AuditConfig } from '@auditlog/audit';

export const CONFIG_NAMES = ['auditlog.config.json', 'auditlog.config.mjs', 'auditlog.config.js'] as const;

export interface CliConfig {
  audit: AuditConfig;
  runtimeRoles: string[];
  path: string;
}

export class CliError extends Error {
  override name = 'CliError';
}

/** A PostgreSQL role name as the generated SQL may quote it: letters, digits, `_`, `$`, `-`. */
const ROLE = /^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks the shape the resolver relies on; the resolver then checks every name against the schema. */
function validated(raw: unknown, path: string): Omit<CliConfig, 'path'> {
  const at = (what: string) => `${path}: ${what}`;
  if (!isObject(raw)) throw new CliError(at('the config must be an object (see `auditlog init`)'));
  const { runtimeRoles = [], ...audit } = raw;
  if (typeof audit.auditModel !== 'string') throw new CliError(at('"auditModel" must name the audit model'));
  const actor = audit.actorModel;
  if (!isObject(actor) || ['model', 'nameField', 'emailField'].some((key) => typeof actor[key] !== 'string'))
    throw new CliError(at('"actorModel" must be { "model", "nameField", "emailField" }: where actors’ names are'));
  if (!isObject(audit.models)) throw new CliError(at('"models" must map model names to settings (or false)'));
  if (audit.tenant !== undefined && typeof audit.tenant !== 'boolean')
    throw new CliError(at('"tenant" must be true or false (false: a single-tenant app, no tenant column)'));
  if (!Array.isArray(runtimeRoles) || runtimeRoles.some((role) => typeof role !== 'string' || !ROLE.test(role)))
    throw new CliError(at('"runtimeRoles" must be a list of PostgreSQL role names'));
  return { audit: audit as unknown as AuditConfig, runtimeRoles: runtimeRoles as string[] };
}

/** Reads `configPath`, or the first of CONFIG_NAMES next to the schema. */
export async function loadConfig(schemaPath: string, configPath?: string): Promise<CliConfig> {
  const candidates = configPath
    ? [resolve(configPath)]
    : CONFIG_NAMES.map((name) => join(dirname(resolve(schemaPath)), name));
  const path = candidates.find((candidate) => existsSync(candidate));
  if (!path) {
    throw new CliError(
      `No audit config: write ${candidates.join(' or ')} (\`auditlog init\` prints an example), or pass --config <file>.`,
    );
  }
  if (path.endsWith('.json')) {
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(path, 'utf8'));
    } catch (error) {
      throw new CliError(`${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    return { ...validated(raw, path), path };
  }
  const module = (await import(pathToFileURL(path).href)) as { default?: unknown; auditConfig?: unknown };
  return { ...validated(module.default ?? module.auditConfig, path), path };
}
