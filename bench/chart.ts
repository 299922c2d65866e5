/**
 * npm run bench:chart — renders bench/results/latest.json into docs/bench/throughput-L<ms>.svg:
 * delivered messages/s vs concurrency for B0, B1, B1′ and ours (median bar, min–max whisker).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

interface Stat { median: number; min: number; max: number }
interface Row { latencyMs: number; concurrency: number; wMs: number; B0: Stat; B1: Stat; "B1'": Stat; ours: Stat }

const result = JSON.parse(readFileSync(new URL('results/latest.json', import.meta.url), 'utf8')) as { rows: Row[] };
const VARIANTS = [
  ['B0', 'B0 raw send (ceiling)', '#9aa0a6'],
  ['B1', 'B1 naive eachMessage', '#e8710a'],
  ["B1'", 'B1′ partitions in parallel', '#f9ab00'],
  ['ours', 'ours', '#1a73e8'],
] as const;
const out = new URL('../docs/bench/', import.meta.url);
mkdirSync(out, { recursive: true });

for (const latency of [...new Set(result.rows.map((r) => r.latencyMs))]) {
  const rows = result.rows.filter((r) => r.latencyMs === latency);
  const max = Math.max(...rows.flatMap((r) => VARIANTS.map(([k]) => r[k].max)), 1);
  const [W, H, left, top, bottom] = [720, 380, 70, 40, 70];
  const plotH = H - top - bottom;
  const groupW = (W - left - 20) / rows.length;
  const barW = (groupW - 30) / VARIANTS.length;
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const parts: string[] = [];
  parts.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">Delivered emails/s vs concurrency, SMTP latency ${latency} ms</text>`);
  for (let t = 0; t <= 4; t += 1) {
    const v = (max * t) / 4;
    parts.push(`<line x1="${left}" x2="${W - 20}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${left - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11">${Math.round(v)}</text>`);
  }
  rows.forEach((row, g) => {
    const x0 = left + g * groupW + 15;
    VARIANTS.forEach(([key, , color], i) => {
      const s = row[key];
      const x = x0 + i * barW;
      parts.push(`<rect x="${x}" y="${y(s.median)}" width="${barW - 4}" height="${top + plotH - y(s.median)}" fill="${color}"><title>${key}: ${s.median.toFixed(0)}/s</title></rect>`);
      parts.push(`<line x1="${x + (barW - 4) / 2}" x2="${x + (barW - 4) / 2}" y1="${y(s.min)}" y2="${y(s.max)}" stroke="#333"/>`);
      parts.push(`<text x="${x + (barW - 4) / 2}" y="${y(s.median) - 4}" text-anchor="middle" font-size="10">${s.median.toFixed(0)}</text>`);
    });
    parts.push(`<text x="${x0 + (groupW - 30) / 2}" y="${top + plotH + 18}" text-anchor="middle" font-size="12">C = ${row.concurrency}</text>`);
  });
  VARIANTS.forEach(([, label, color], i) => {
    const x = left + i * 160;
    parts.push(`<rect x="${x}" y="${H - 28}" width="12" height="12" fill="${color}"/><text x="${x + 18}" y="${H - 18}" font-size="12">${label}</text>`);
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>${parts.join('')}</svg>\n`;
  writeFileSync(new URL(`throughput-L${latency}.svg`, out), svg);
  console.log(`wrote docs/bench/throughput-L${latency}.svg`);
}
