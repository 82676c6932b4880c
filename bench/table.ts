/**
 * Markdown tables of a benchmark report: one table per section, rows in run order, with
 * throughput columns only where some case in the section gives that measure.
 */
import type { CaseResult, Report } from './harness.js';

/** "1.00" for the baseline, "12.3x slower" or "2.05x faster" for the others. */
export function formatRatio(ratio: number, isBaseline: boolean): string {
  if (isBaseline) return '1.00';
  const factor = ratio >= 1 ? ratio : 1 / ratio;
  const digits = factor >= 10 ? 1 : 2;
  return `${factor.toFixed(digits)}x ${ratio >= 1 ? 'slower' : 'faster'}`;
}

/** Three significant digits, without exponent notation for the sizes benchmarks produce. */
export function formatNumber(value: number): string {
  if (value >= 1000) return Math.round(value).toString();
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  if (value >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

interface Column {
  header: string;
  cell: (r: CaseResult) => string;
  /** Right-aligned (numbers). */
  numeric: boolean;
}

function optional(value: number | undefined): string {
  return value === undefined ? '' : formatNumber(value);
}

function columnsFor(rows: readonly CaseResult[]): Column[] {
  const columns: Column[] = [
    { header: 'case', cell: (r) => r.name, numeric: false },
    { header: 'impl', cell: (r) => r.impl, numeric: false },
    { header: 'dtype', cell: (r) => r.dtype, numeric: false },
    { header: 'median ms', cell: (r) => formatNumber(r.median_ms), numeric: true },
    { header: '±rme %', cell: (r) => r.rme.toFixed(1), numeric: true },
  ];
  if (rows.some((r) => r.gflops !== undefined)) columns.push({ header: 'GFLOP/s', cell: (r) => optional(r.gflops), numeric: true });
  if (rows.some((r) => r.gbps !== undefined)) columns.push({ header: 'GB/s', cell: (r) => optional(r.gbps), numeric: true });
  if (rows.some((r) => r.samples_per_s !== undefined)) columns.push({ header: 'samples/s', cell: (r) => optional(r.samples_per_s), numeric: true });
  if (rows.some((r) => r.percent_of !== undefined)) {
    columns.push({
      header: '% of ref',
      cell: (r) => (r.percent_of ? `${r.percent_of.percent.toFixed(1)}% of ${r.percent_of.name}` : ''),
      numeric: true,
    });
  }
  if (rows.some((r) => r.train_s !== undefined)) columns.push({ header: 'train s', cell: (r) => optional(r.train_s), numeric: true });
  if (rows.some((r) => r.load_s !== undefined)) columns.push({ header: 'load s', cell: (r) => optional(r.load_s), numeric: true });
  if (rows.some((r) => r.test_accuracy !== undefined)) {
    columns.push({ header: 'test acc', cell: (r) => (r.test_accuracy === undefined ? '' : r.test_accuracy.toFixed(4)), numeric: true });
  }
  if (rows.some((r) => r.max_rss_mb !== undefined)) columns.push({ header: 'peak RSS MB', cell: (r) => optional(r.max_rss_mb), numeric: true });
  columns.push({
    header: 'vs baseline',
    cell: (r) => (r.ratio === undefined ? '' : formatRatio(r.ratio, r.baseline === true)),
    numeric: true,
  });
  return columns;
}

/** One markdown table for the rows of a section. */
export function formatTable(rows: readonly CaseResult[]): string {
  const columns = columnsFor(rows);
  const cells = rows.map((r) => columns.map((c) => c.cell(r)));
  const widths = columns.map((c, i) => Math.max(c.header.length, 3, ...cells.map((row) => row[i].length)));
  const line = (values: string[]): string =>
    `| ${values.map((v, i) => (columns[i].numeric ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join(' | ')} |`;
  const rule = `|${columns.map((c, i) => (c.numeric ? `${'-'.repeat(widths[i] + 1)}:` : `${'-'.repeat(widths[i] + 2)}`)).join('|')}|`;
  return [line(columns.map((c) => c.header)), rule, ...cells.map(line)].join('\n');
}

/** A heading with the machine, then one table per section in order of first appearance. */
export function formatReport(report: Report): string {
  const { machine } = report;
  const parts = [`Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.platform}/${machine.arch}, ${machine.date}`];
  const sections = new Map<string, CaseResult[]>();
  for (const r of report.cases) {
    const rows = sections.get(r.section);
    if (rows) rows.push(r);
    else sections.set(r.section, [r]);
  }
  for (const [section, rows] of sections) parts.push(`## ${section}\n\n${formatTable(rows)}`);
  return `${parts.join('\n\n')}\n`;
}
