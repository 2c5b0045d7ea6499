/**
 * The AppRouter that @auditlog/client publishes is printed from the server's own type: it must mean the same to
 * tRPC's client (inputs, outputs, errors), name nothing it does not import, and the check must catch a difference.
 */
import { describe, expect, it } from 'vitest';
import { routerDeclaration, verifyDeclaration } from '../scripts/router-declarations.ts';

describe('the printed AppRouter declaration', () => {
  const declaration = routerDeclaration();

  it('lists every procedure with its kind, over @trpc/server’s public types only', () => {
    expect(declaration).toMatch(/list: TRPCQueryProcedure<\{/);
    expect(declaration).toMatch(/record: TRPCMutationProcedure<\{/);
    expect(declaration).not.toMatch(/import\(|from '@auditlog|generated\/prisma/);
  });

  it('is the same router as the server’s', () => {
    expect(() => verifyDeclaration(declaration)).not.toThrow();
  });

  it.each([
    ['an output that differs', declaration.replace('output: { ok: true; }', 'output: { ok: boolean; }')],
    ['a name it does not import', declaration.replace('  TRPC_ERROR_CODE_NUMBER,\n', '')],
    ['a procedure left out', declaration.replace(/ {6}logout: TRPCMutationProcedure<\{[^>]*\}>;\n/, '')],
  ])('is refused with %s', (_name, changed) => {
    expect(changed).not.toBe(declaration);
    expect(() => verifyDeclaration(changed)).toThrow(/differs from the server/);
  });
});
