import path from 'node:path';
import { z } from 'zod';

/** The database settings this package reads from the environment; nothing else in it touches `process.env`. */
const schema = z.object({
  DATABASE_URL: z
    .string()
    .trim()
    .optional()
    .transform((value) => value || undefined),
  DATA_DIR: z.string().trim().default('.data'),
  /** Where `pnpm …` was typed; relative paths are resolved from there, not from the package pnpm runs the script in. */
  INIT_CWD: z.string().optional(),
});

const parsed = schema.parse(process.env);

export const env = {
  databaseUrl: parsed.DATABASE_URL,
  dataDir: path.resolve(parsed.INIT_CWD ?? process.cwd(), parsed.DATA_DIR),
};
