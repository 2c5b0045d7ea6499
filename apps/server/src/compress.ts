/**
 * HTTP compression (issue 13, item 12): hashed assets go out as the brotli or gzip files the web build wrote beside
 * them; everything else (index.html, API answers) is compressed as it is sent. A streamed route that must reach the
 * client chunk by chunk calls `res.flush()` after each chunk (the middleware adds it), or sets
 * `Cache-Control: no-transform` to go out uncompressed.
 */
import compressionMiddleware from 'compression';
import type { RequestHandler } from 'express';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { constants as zlibConstants } from 'node:zlib';

/** Answers smaller than this are sent as they are: compressing them saves less than it costs. */
const THRESHOLD_BYTES = 1024;

/** Types the middleware's list does not call compressible, and that are: streamed exports. */
const ALSO_COMPRESSED = /^application\/(x-)?ndjson\b/i;

/**
 * Answers to POST (tRPC mutations, sign-in) are acknowledgements of a few hundred bytes to a few kB whose size is not
 * known when their headers go out (tRPC writes the body as a stream), so the threshold cannot skip them: each one
 * made a zlib stream, which cost more CPU than the write it acknowledged (a third of the server's time for a batch of
 * `audit.record` calls). They go out as they are.
 */
const compressible: compressionMiddleware.CompressionFilter = (req, res) =>
  req.method !== 'POST' &&
  (compressionMiddleware.filter(req, res) || ALSO_COMPRESSED.test(String(res.getHeader('Content-Type') ?? '')));

/**
 * Compresses responses on the fly: brotli (quality 4) or gzip (level 6), whichever the client prefers. Under
 * `bulkPaths` (streamed exports of hundreds of MB) at the fastest settings, brotli 1 or gzip 1: about 3× less CPU
 * than the defaults for 10–15 % more bytes, where compressing at the defaults cost more CPU than building the rows.
 */
export function compressResponses(options: { bulkPaths?: readonly string[] } = {}): RequestHandler {
  const usual = compressionMiddleware({ threshold: THRESHOLD_BYTES, filter: compressible });
  const bulk = compressionMiddleware({
    threshold: THRESHOLD_BYTES,
    filter: compressible,
    level: 1,
    brotli: { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 1 } },
  });
  const bulkPaths = new Set(options.bulkPaths ?? []);
  return (req, res, next) => (bulkPaths.has(req.path) ? bulk : usual)(req, res, next);
}

const ENCODINGS = [
  { name: 'br', suffix: '.br' },
  { name: 'gzip', suffix: '.gz' },
] as const;

/** The encodings the request accepts (q=0 refuses one), by name. */
function acceptedEncodings(header: string | undefined): Set<string> {
  const accepted = new Set<string>();
  for (const part of (header ?? '').split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (name && !(q && Number(q.slice(2)) === 0)) accepted.add(name);
  }
  return accepted;
}

/**
 * Serves `<file>.br` or `<file>.gz` from `root` for a GET of `<file>` when the client accepts it, with the original's
 * type and `Vary: Accept-Encoding`; anything else falls through to the static files.
 */
export function precompressedAssets(root: string, maxAgeSeconds: number): RequestHandler {
  const known = new Map<string, boolean>();
  const exists = (file: string) => {
    let found = known.get(file);
    if (found === undefined) known.set(file, (found = existsSync(file)));
    return found;
  };
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const relative = decodeURIComponent(req.path).replace(/^\/+/, '');
    if (!/^[\w.-]+\.(js|css|svg)$/.test(relative)) return next();
    const file = path.join(root, relative);
    const accepted = acceptedEncodings(req.get('accept-encoding'));
    const encoding = ENCODINGS.find((e) => accepted.has(e.name) && exists(file + e.suffix));
    res.vary('Accept-Encoding');
    if (!encoding) return next();
    res.type(path.extname(relative));
    res.setHeader('Content-Encoding', encoding.name);
    res.setHeader('Cache-Control', `public, max-age=${maxAgeSeconds}, immutable`);
    res.sendFile(file + encoding.suffix, { dotfiles: 'deny', lastModified: true, cacheControl: false }, (error) => {
      if (error) next(error);
    });
  };
}
