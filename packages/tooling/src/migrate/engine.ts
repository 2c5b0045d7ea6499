/**
 * Prisma's schema engine compiled to WebAssembly, driven through a driver adapter: migrations need no engine binary
 * and no download. The package ships wasm-bindgen glue meant for a bundler; this instantiates it by hand.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { ErrorRegistry, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';
import type * as SchemaEngineGlue from '@prisma/schema-engine-wasm/schema_engine_bg';

type WasmExports = Record<string, unknown>;

type Glue = typeof SchemaEngineGlue & {
  __wbg_set_wasm(exports: WasmExports): void;
};

/**
 * The two WebAssembly calls used here. Node 20 has the API at runtime, but `@types/node@20` does not declare it and
 * the DOM lib would bring browser globals that do not exist on a server.
 */
interface WasmApi {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: Record<string, object>): Promise<{ exports: WasmExports }>;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let gluePromise: Promise<Glue> | undefined;

async function loadGlue(): Promise<Glue> {
  const glue = (await import('@prisma/schema-engine-wasm/schema_engine_bg')) as Glue;
  const require = createRequire(import.meta.url);
  const wasmPath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg').replace(/\.js$/, '.wasm');
  const module = await wasmApi.compile(await readFile(wasmPath));
  const instance = await wasmApi.instantiate(module, { './schema_engine_bg.js': glue });
  glue.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  // The engine reports a Rust panic's message through this global before it throws.
  const registry = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { set_message(message: string): void } };
  registry.PRISMA_WASM_PANIC_REGISTRY ??= {
    set_message(message: string) {
      lastPanic = message;
    },
  };
  return glue;
}

let lastPanic: string | undefined;

export interface EngineLog {
  level?: string;
  message?: string;
  fields?: { message?: string };
}

export interface OpenedEngine {
  engine: SchemaEngine;
  /** Turns what the engine threw into an Error a person can act on, with the database's own message. */
  explain(error: unknown): Error;
}

/** Opens a schema engine on the given datamodel, connected through `factory`. Call `engine.free()` when done. */
export async function openSchemaEngine(
  schema: { path: string; content: string },
  factory: SqlMigrationAwareDriverAdapterFactory,
): Promise<OpenedEngine> {
  gluePromise ??= loadGlue();
  const glue = await gluePromise;
  const onLog = (line: string) => {
    if (process.env.PRISMA_SCHEMA_ENGINE_DEBUG) process.stderr.write(`[schema-engine] ${line}\n`);
  };
  const bound = bindMigrationAwareSqlAdapterFactory(factory);
  const explain = (error: unknown) => engineError(error, bound.errorRegistry);
  try {
    const engine = await glue.SchemaEngine.new({ datamodels: [[schema.path, schema.content]] }, onLog, bound);
    return { engine, explain };
  } catch (error) {
    throw explain(error);
  }
}

/**
 * The engine reports a driver error as "External error id#N" plus a Rust backtrace; the driver's message is in the
 * adapter's error registry under that id. Lead with it, and with the migration's name when there is one.
 */
function engineError(error: unknown, registry: ErrorRegistry): Error {
  const raw =
    typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string'
      ? error.message
      : (lastPanic ?? String(error));
  const id = /External error id#(\d+)/.exec(raw)?.[1];
  const external = id === undefined ? undefined : registry.consumeError(Number(id))?.error;
  const migration = /migration_name="([^"]+)"/.exec(raw)?.[1];
  if (external === undefined) return error instanceof Error ? error : new Error(raw, { cause: error });
  const detail = external instanceof Error ? external.message : JSON.stringify(external);
  const message = migration ? `Migration ${migration} failed: ${detail}` : detail;
  return new Error(message, { cause: error });
}
