/** The scale bench's tables: one list table per size, then the growth table over all sizes. */
import { ms } from './stats.ts';
import type { ScaleStep } from './scale.ts';

export const SCALE_LIST_TARGET_MS = 100;

const n = (value: number) => value.toLocaleString('en-US');
const load = (step: ScaleStep) => step.loadAverage.map((v) => v.toFixed(1)).join(' / ');

/** `audit.list` at one size, every case. */
export function scaleListTable(label: string, step: ScaleStep): string {
  const rows = step.list.map((r) => {
    if (r.missing) return `| ${r.case} | — | — | — | ${r.missing} |`;
    const verdict =
      r.p95 <= SCALE_LIST_TARGET_MS ? `≤ ${SCALE_LIST_TARGET_MS} ms ✓` : `> ${SCALE_LIST_TARGET_MS} ms ✗ missed`;
    const calls = r.calls !== undefined && r.calls < 30 ? ` (${r.calls} calls)` : '';
    return `| ${r.case}${calls} | ${n(r.total ?? 0)} | ${ms(r.p50)} ms | ${ms(r.p95)} ms | ${verdict} |`;
  });
  const loaded =
    step.loadSeconds > 0
      ? `grown to this size with set-based SQL in ${step.loadSeconds.toFixed(0)} s (then VACUUM ANALYZE ${step.vacuumSeconds.toFixed(0)} s)`
      : 'already loaded';
  return [
    `### audit.list with its exact total at ${n(step.entries)} entries, ${label}`,
    '',
    `${n(step.entries)} entries in the measured organization, ${n(step.others)} over nine others, ${loaded}. The first total after the load counted the final days once: ${ms(step.firstCountMs)} ms. Load average (1/5/15 min) after the step: ${load(step)}.`,
    '',
    '| case | total | p50 | p95 | target |',
    '|---|---:|---:|---:|---|',
    ...rows,
  ].join('\n');
}

/** The growth table: write overhead, list p95 and memory at each size. */
export function growthTable(label: string, steps: ScaleStep[]): string {
  const write = (step: ScaleStep, operation: string) => {
    const r = step.writes.find((w) => w.operation === operation);
    return r ? `${ms(r.audited)} ms (${(r.audited / r.plain).toFixed(2)}×)` : '—';
  };
  const rows = steps.map((step) => {
    const measured = step.list.filter((r) => !r.missing);
    const worst = measured.reduce<(typeof measured)[number] | undefined>(
      (a, b) => (!a || b.p95 > a.p95 ? b : a),
      undefined,
    );
    const first = measured.find((r) => r.case === 'no filter');
    const deep = measured.find((r) => r.case.endsWith('by cursor'));
    const ratio = first && deep ? `${(deep.p50 / first.p50).toFixed(2)}×` : '—';
    return `| ${n(step.entries)} | ${write(step, 'single create')} | ${write(step, 'deleteMany 1,000 rows')} | ${first ? ms(first.p95) : '—'} ms | ${worst ? `${ms(worst.p95)} ms (${worst.case})` : '—'} | ${ratio} | ${step.memory.nodeRssMb.toFixed(0)} MB (heap ${step.memory.nodeHeapMb.toFixed(0)}) | ${step.memory.postgresAnonMb.toFixed(0)} MB | ${load(step)} |`;
  });
  return [
    `### Growth, ${label}`,
    '',
    'Audited write (ratio to plain Prisma on the same table), list p95, deep cursor page against page 1 (p50), and the peak memory of the process serving the list (Node RSS) and of its PostgreSQL backends (private memory, RssAnon) during the list cases.',
    '',
    '| entries | single create | deleteMany 1,000 | list p95, no filter | list p95, slowest case | deep page by cursor / page 1 | Node RSS | PostgreSQL backends | load average |',
    '|---:|---:|---:|---:|---|---:|---:|---:|---|',
    ...rows,
  ].join('\n');
}
