/**
 * The weighted vocabularies the benches' generated logs draw from: `update` is common, `failed_login` rare, as in a
 * real log (weights are per hundred). `failed_login` comes from anonymous callers, `sync` from integrations.
 */
export const ACTIONS = [
  ['update', 40],
  ['create', 20],
  ['view', 15],
  ['login', 8],
  ['logout', 5],
  ['delete', 5],
  ['sync', 4],
  ['export', 2],
  ['failed_login', 1],
] as const;
export const ENTITY_TYPES = [
  ['ticket', 35],
  ['invoice', 15],
  ['client', 10],
  ['contact', 10],
  ['asset', 10],
  ['user', 8],
  ['integration', 5],
  ['quote', 4],
  ['contract', 3],
] as const;
