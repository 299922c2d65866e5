/**
 * Draws docs/images/dashboard-preview.png from deploy/grafana/dashboards/email-dispatcher.json:
 * every panel at its grid position with its title, its queries' legends and made-up curves. A
 * picture of the dashboard's layout for the docs, made offline (no Grafana, no Prometheus); the
 * numbers in it are synthetic and the image says so. `npm run docs:dashboard`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Resvg } from '@resvg/resvg-js';
import escapeXml from 'escape-html';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DASHBOARD_PATH = 'deploy/grafana/dashboards/email-dispatcher.json';
const OUTPUT_PATH = 'docs/images/dashboard-preview.png';

interface Panel {
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Array<{ legendFormat?: string }>;
  fieldConfig?: { defaults?: { unit?: string; mappings?: unknown[] } };
}

const COLUMN = 56;
const ROW = 30;
const MARGIN = 16;
const BANNER = 56;
const PALETTE = ['#73bf69', '#f2cc0c', '#5794f2', '#ff9830', '#f2495c', '#b877d9', '#8ab8ff', '#ffb357'];

/** Deterministic noise, so the picture only changes when the dashboard does. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

function series(count: number, next: () => number, level: number): number[] {
  const values: number[] = [];
  let value = level;
  for (let i = 0; i < count; i++) {
    value = Math.max(0.02, Math.min(0.98, value + (next() - 0.5) * 0.12 + (level - value) * 0.1));
    values.push(value);
  }
  return values;
}

/** Example label values for legends such as "{{reason}}"; partitions and replicas fan out. */
const SAMPLE_LABELS: Record<string, string[]> = {
  topic: ['user-signups'],
  partition: ['0', '1', '2', '3', '4', '5'],
  instance: ['pod-a', 'pod-b'],
  reason: ['retries_exhausted'],
  attempt: ['1'],
  class: ['transient'],
  restart: ['true'],
  result: ['ok'],
};

function expandLegend(format: string): string[] {
  const label = /\{\{(\w+)\}\}/.exec(format)?.[1];
  if (label === undefined) return [format];
  return (SAMPLE_LABELS[label] ?? [label]).flatMap((value) => expandLegend(format.replace(`{{${label}}}`, value)));
}

/** Flat lines for what is normally idle (the breaker, crashes), a dashed ceiling for capacity. */
function levelFor(legend: string, next: () => number): number | 'flat-high' | 'flat-low' {
  if (/capacity/.test(legend)) return 'flat-high';
  if (/circuit|fetch paused|crashes|publish errors/.test(legend)) return 'flat-low';
  return 0.2 + 0.6 * next();
}

function timeseries(panel: Panel, x: number, y: number, w: number, h: number, next: () => number): string {
  const legends = (panel.targets ?? []).flatMap((t) => expandLegend(t.legendFormat ?? ''));
  const plot = { x: x + 10, y: y + 30, w: w - 20, h: h - 44 - 14 * Math.ceil(Math.min(legends.length, 8) / 2) };
  const parts = [`<rect x="${plot.x}" y="${plot.y}" width="${plot.w}" height="${plot.h}" fill="#111217"/>`];
  for (let g = 1; g < 4; g++) parts.push(`<line x1="${plot.x}" x2="${plot.x + plot.w}" y1="${plot.y + (plot.h * g) / 4}" y2="${plot.y + (plot.h * g) / 4}" stroke="#2c2f36"/>`);
  legends.forEach((legend, i) => {
    const color = PALETTE[i % PALETTE.length] as string;
    const level = levelFor(legend, next);
    const values = level === 'flat-high' ? Array<number>(60).fill(0.9) : level === 'flat-low' ? Array<number>(60).fill(0.02) : series(60, next, level);
    const points = values.map((v, j) => `${(plot.x + (plot.w * j) / (values.length - 1)).toFixed(1)},${(plot.y + plot.h * (1 - v)).toFixed(1)}`).join(' ');
    const dashed = /capacity/.test(legend) ? ' stroke-dasharray="8 6"' : '';
    parts.push(`<polyline points="${points}" fill="none" stroke="${color}" stroke-width="1.6"${dashed}/>`);
    if (i < 8) {
      const lx = plot.x + (i % 2) * (plot.w / 2);
      const ly = plot.y + plot.h + 14 + 14 * Math.floor(i / 2);
      parts.push(`<rect x="${lx}" y="${ly - 8}" width="10" height="3" fill="${color}"/><text x="${lx + 14}" y="${ly - 3}" font-size="11" fill="#ccccdc">${escapeXml(legend)}</text>`);
    }
  });
  return parts.join('');
}

function stat(panel: Panel, x: number, y: number, w: number, h: number, next: () => number): string {
  const hasMapping = (panel.fieldConfig?.defaults?.mappings ?? []).length > 0;
  const unit = panel.fieldConfig?.defaults?.unit;
  const text = hasMapping ? 'closed'
    : panel.title.startsWith('Ready') ? '2'
    : panel.title.startsWith('Dead') ? '0.00/s'
    : unit === 'ops' ? `${(40 + next() * 5).toFixed(1)}/s`
    : String(Math.round(next() * 400));
  const fill = '#1f3d28';
  return `<rect x="${x + 6}" y="${y + 26}" width="${w - 12}" height="${h - 32}" rx="3" fill="${fill}"/>` +
    `<text x="${x + w / 2}" y="${y + h / 2 + 20}" font-size="30" font-weight="bold" text-anchor="middle" fill="#ffffff">${escapeXml(text)}</text>`;
}

export function renderDashboardSvg(dashboard: { title: string; panels: Panel[] }): string {
  const next = random(20_251_122);
  const bottom = Math.max(...dashboard.panels.map((p) => p.gridPos.y + p.gridPos.h));
  const width = 24 * COLUMN + 2 * MARGIN;
  const height = BANNER + bottom * ROW + 2 * MARGIN;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#0b0c0e"/>`,
    `<text x="${MARGIN}" y="28" font-size="20" fill="#ffffff">${escapeXml(dashboard.title)}</text>`,
    `<text x="${MARGIN}" y="48" font-size="12" fill="#f2cc0c">Layout rendering of ${DASHBOARD_PATH}: titles and queries are real, the curves and numbers are synthetic, not live data.</text>`,
  ];
  for (const panel of dashboard.panels) {
    const x = MARGIN + panel.gridPos.x * COLUMN;
    const y = BANNER + MARGIN + panel.gridPos.y * ROW;
    const w = panel.gridPos.w * COLUMN - 6;
    const h = panel.gridPos.h * ROW - 6;
    if (panel.type === 'row') {
      parts.push(`<text x="${x}" y="${y + 20}" font-size="15" font-weight="bold" fill="#d8d9da">${escapeXml(panel.title)}</text>`);
      continue;
    }
    parts.push(`<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="2" fill="#181b1f" stroke="#2c2f36"/>`);
    parts.push(`<text x="${x + 10}" y="${y + 18}" font-size="13" fill="#d8d9da">${escapeXml(panel.title)}</text>`);
    parts.push(panel.type === 'stat' ? stat(panel, x, y, w, h, next) : timeseries(panel, x, y, w, h, next));
  }
  parts.push('</svg>');
  return parts.join('\n');
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dashboard = JSON.parse(readFileSync(ROOT + DASHBOARD_PATH, 'utf8')) as { title: string; panels: Panel[] };
  const png = new Resvg(renderDashboardSvg(dashboard), { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
  mkdirSync(dirname(ROOT + OUTPUT_PATH), { recursive: true });
  writeFileSync(ROOT + OUTPUT_PATH, png);
  console.log(`wrote ${OUTPUT_PATH} (${png.length} bytes)`);
}
