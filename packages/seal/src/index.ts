export { canonicalEntry, canonicalJson, ENTRY_FORMAT, leafHash, nodeHash } from './canonical.ts';
export type { CanonicalEntry } from './canonical.ts';
export { chainedHash, checkSignedBlock, GENESIS_HASH, headerBytes, keyIdOf } from './checkpoint.ts';
export type { BlockHeader, PublicKeys, SignedBlock } from './checkpoint.ts';
export {
  generateSealKeyPair,
  privateKeyFromPem,
  publicKeyFromPem,
  readPrivateKeyFile,
  readPublicKeyFile,
  writeSealKeyPair,
} from './keys.ts';
export { inclusionProof, merkleRoot, rootFromProof } from './merkle.ts';
export { buildBlock, DEFAULT_BLOCK_SIZE, sealAll, sealOrganization, SealRefusedError } from './sealer.ts';
export type { SealOptions, SealResult } from './sealer.ts';
export { sqlClientFor } from './sql.ts';
export type { SqlClient } from './sql.ts';
export { verifyOrganization } from './verifier.ts';
export { VerifyPool } from './parallel.ts';
export type { OrganizationVerification, VerifyFailure, VerifyOptions } from './verifier.ts';
export { startPartitionMaintenance, startPruning, startSealing } from './schedule.ts';
export type { PruneSchedule, Schedule, SealRun, SealSchedule } from './schedule.ts';
export { configuredPrivateKey, configuredPublicKey } from './env.ts';
export { CHECKPOINT_FORMAT, exportCheckpoints, parseCheckpointFile } from './export.ts';
export type { CheckpointFile } from './export.ts';
export { describeFailure, organizationsFor, verifyOrganizations } from './run.ts';
export { recordVerification } from './store.ts';
export type { VerificationRecord } from './store.ts';
export { pruneExpired, pruneMonths, pruneSignatureHolds } from './prune.ts';
export type { PruneRecord, PruneRun } from './prune.ts';
export { buildEvidencePack, writeEvidencePack } from './pack.ts';
export type { EvidencePack, PackOptions, PackSummary } from './pack.ts';
