/**
 * What the CLI prints. Following https://clig.dev: humans get aligned tables and a live progress line on a
 * terminal; a pipe gets plain tab-separated lines (one record a line, no header, no colour, no \r) so grep
 * and cut work; --json gives the API's own JSON.
 */

export interface BatchLike {
  id: string;
  status: string;
  owner?: string;
  profile?: string | null;
  amount: number;
  counts: Record<string, number>;
  createdAt?: string | null;
  releaseAt?: string | null;
  error?: { code: string; message: string } | null;
  instances?: Array<{ instanceId: string; state: string; zoneId?: string | null; privateIp?: string | null; publicIp?: string | null }>;
}

/** `Running 2, Pending 1` in a stable order. */
export function countsText(counts: Record<string, number>): string {
  const order = ['Running', 'Starting', 'Pending', 'Stopping', 'Stopped', 'Reclaimed', 'Lost', 'Released'];
  const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
  const keys = Object.keys(counts).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return keys.map((k) => `${k} ${counts[k]}`).join(', ') || 'no instances yet';
}

export function elapsed(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

function table(rows: string[][], tty: boolean, header: string[]): string {
  if (!tty) return rows.map((r) => r.join('\t')).join('\n');
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  return all.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ')).join('\n');
}

export function listText(batches: BatchLike[], tty: boolean): string {
  const withOwner = batches.some((b) => b.owner !== undefined);
  const header = ['ID', 'STATUS', ...(withOwner ? ['OWNER'] : []), 'PROFILE', 'AMOUNT', 'CREATED', 'INSTANCES'];
  const rows = batches.map((b) => [b.id, b.status, ...(withOwner ? [b.owner ?? ''] : []), b.profile ?? '-', String(b.amount), b.createdAt ?? '-', countsText(b.counts)]);
  if (tty && rows.length === 0) return 'no batches';
  return table(rows, tty, header);
}

export function batchText(b: BatchLike, tty: boolean): string {
  const head = tty
    ? [`${b.id}  ${b.status}${b.owner ? `  owner ${b.owner}` : ''}  ${b.profile ?? ''} x${b.amount}  ${countsText(b.counts)}`, ...(b.releaseAt ? [`released automatically at ${b.releaseAt}`] : []), ...(b.error ? [`error: ${b.error.code}: ${b.error.message}`] : [])]
    : [[b.id, b.status, countsText(b.counts), ...(b.error ? [b.error.code] : [])].join('\t')];
  const rows = (b.instances ?? []).map((i) => [i.instanceId, i.state, i.zoneId ?? '-', i.privateIp ?? '-', i.publicIp ?? '-']);
  if (rows.length === 0) return head.join('\n');
  return [...head, table(rows, tty, ['INSTANCE', 'STATE', 'ZONE', 'PRIVATE IP', 'PUBLIC IP'])].join('\n');
}

/** The progress of a followed batch: the live line on a terminal, one plain line per change elsewhere. */
export function progressText(b: BatchLike, ms: number): string {
  return `${b.id} ${b.status} ${countsText(b.counts)} ${elapsed(ms)}`;
}
