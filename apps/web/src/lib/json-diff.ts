/** The key-by-key diff of two Json values, for the changes table (components/JsonDiff.tsx draws it). */

type Container = Record<string, unknown> | unknown[];

export type DiffNode =
  | { kind: 'same'; value: unknown }
  | { kind: 'added'; value: unknown }
  | { kind: 'removed'; value: unknown }
  | { kind: 'changed'; before: unknown; after: unknown }
  | { kind: 'nested'; array: boolean; members: [string, DiffNode][] };

export const isContainer = (value: unknown): value is Container => value !== null && typeof value === 'object';

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!isContainer(a) || !isContainer(b) || Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every(
    (key) => Object.hasOwn(b, key) && equal((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}

/** The diff of two Json values; both containers of one kind are compared member by member (arrays by position). */
export function diffJson(before: unknown, after: unknown): DiffNode {
  if (equal(before, after)) return { kind: 'same', value: after };
  if (!isContainer(before) || !isContainer(after) || Array.isArray(before) !== Array.isArray(after)) {
    return { kind: 'changed', before, after };
  }
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  const members = keys.map((key): [string, DiffNode] => {
    if (!Object.hasOwn(a, key)) return [key, { kind: 'removed', value: b[key] }];
    if (!Object.hasOwn(b, key)) return [key, { kind: 'added', value: a[key] }];
    return [key, diffJson(b[key], a[key])];
  });
  return { kind: 'nested', array: Array.isArray(after), members };
}

/** How many members changed, at any depth: "3 keys changed". */
export function changedCount(node: DiffNode): number {
  if (node.kind === 'same') return 0;
  if (node.kind !== 'nested') return 1;
  return node.members.reduce((sum, [, member]) => sum + changedCount(member), 0);
}
