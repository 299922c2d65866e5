/**
 * One Grafana panel as hand-written SVG: a time series (y axis in the panel's one unit, a table legend
 * with last and max, the scenario's steps marked) or a stat (last value, mapped text, threshold colour,
 * sparkline).
 */
import escapeXml from 'escape-html';

import type { Panel, ThresholdStep } from './dashboard-model.js';
import { axisTicks, formatValue } from './format-value.js';
import type { QueryRange } from './grafana-variables.js';
import type { LegendSeries } from './panel-data.js';

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** A scenario step on the time axis: a band from `from` to `to`, or a line at `from` (unix seconds). */
export interface Marker {
  readonly label: string;
  readonly from: number;
  readonly to?: number;
  readonly color: string;
}

export interface PanelPicture {
  readonly panel: Panel;
  readonly series: readonly LegendSeries[];
  readonly box: Box;
  readonly range: QueryRange;
  /** Unix seconds that the time axis labels 0:00 (the start of the load). */
  readonly origin: number;
  readonly markers: readonly Marker[];
}

/** Grafana's classic palette, in its order. */
const PALETTE = ['#7EB26D', '#EAB839', '#6ED0E0', '#EF843C', '#E24D42', '#1F78C1', '#BA43A9', '#705DA0', '#508642', '#CCA300', '#447EBC', '#C15C17'];
/** Grafana's named colours (dark theme), and darker ones behind a stat's white text. */
const NAMED: Record<string, { line: string; fill: string }> = {
  green: { line: '#73BF69', fill: '#37872D' },
  red: { line: '#F2495C', fill: '#C4162A' },
  yellow: { line: '#FADE2A', fill: '#CC9D00' },
  orange: { line: '#FF9830', fill: '#E55400' },
  blue: { line: '#5794F2', fill: '#1F60C4' },
};
const TEXT = '#CCCCDC';
const MUTED = '#8E8E9A';
const GRID = '#2C2F36';
const LEGEND_ROW = 14;

const f = (n: number): string => n.toFixed(1);
const text = (x: number, y: number, body: string, attrs = ''): string => `<text x="${f(x)}" y="${f(y)}"${attrs}>${escapeXml(body)}</text>`;

/** `m:ss` since `origin`, negative before it. */
export function elapsedLabel(seconds: number): string {
  const s = Math.round(Math.abs(seconds));
  return `${seconds < 0 ? '-' : ''}${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Runs of points without a gap longer than two steps: a missing series is a gap, not a line across it. */
export function segments(points: LegendSeries['points'], stepSeconds: number): Array<LegendSeries['points']> {
  const runs: Array<Array<readonly [number, number]>> = [];
  let previous: number | undefined;
  for (const point of points) {
    if (previous === undefined || point[0] - previous > 2 * stepSeconds) runs.push([]);
    runs.at(-1)?.push(point);
    previous = point[0];
  }
  return runs;
}

/** A series' colour and dash from the panel's overrides (by series name), else the palette. */
function styleOf(panel: Panel, legend: string, index: number): { color: string; dash: string } {
  let color = PALETTE[index % PALETTE.length] as string;
  let dash = '';
  for (const override of panel.fieldConfig?.overrides ?? []) {
    if (override.matcher.id !== 'byName' || override.matcher.options !== legend) continue;
    for (const { id, value } of override.properties) {
      const fixed = (value as { fixedColor?: string }).fixedColor;
      if (id === 'color' && fixed !== undefined) color = NAMED[fixed]?.line ?? fixed;
      if (id === 'custom.lineStyle') dash = ` stroke-dasharray="${((value as { dash?: number[] }).dash ?? [6, 6]).join(' ')}"`;
    }
  }
  return { color, dash };
}

function markerShapes(plot: Box, markers: readonly Marker[], xOf: (t: number) => number): string[] {
  return markers.map((m, i) => {
    const x1 = xOf(m.from);
    const tag = text(x1 + 3, plot.y + 11, String(i + 1), ` font-size="10" fill="${m.color}"`);
    if (m.to === undefined)
      return `<line x1="${f(x1)}" x2="${f(x1)}" y1="${f(plot.y)}" y2="${f(plot.y + plot.h)}" stroke="${m.color}" stroke-dasharray="3 3" opacity="0.8"/>${tag}`;
    return `<rect x="${f(x1)}" y="${f(plot.y)}" width="${f(xOf(m.to) - x1)}" height="${f(plot.h)}" fill="${m.color}" opacity="0.13"/>${tag}`;
  });
}

/** Average advance of DejaVu Sans per character at 11 px (legend names) and 10 px (values). */
const NAME_CHAR = 6.4;
const VALUE_CHAR = 5.9;

/**
 * A legend entry in `width` px: name, last and max; without max when that does not fit; the name cut
 * short with … when even that does not.
 */
export function fitLegend(name: string, last: string, max: string, width: number): { name: string; values: string } {
  const room = (values: string): number => width - 27 - 10 - values.length * VALUE_CHAR;
  const full = `${last}  max ${max}`;
  if (name.length * NAME_CHAR <= room(full)) return { name, values: full };
  const chars = Math.floor(room(last) / NAME_CHAR);
  return { name: name.length <= chars ? name : `${name.slice(0, Math.max(1, chars - 1))}…`, values: last };
}

function timeseries({ panel, series, box, range, origin, markers }: PanelPicture): string {
  const unit = panel.fieldConfig?.defaults?.unit;
  // Two legend columns only where each still holds a replica's name and its values.
  const columns = series.length > 4 && box.w >= 600 ? 2 : 1;
  const legendHeight = Math.ceil(series.length / columns) * LEGEND_ROW;
  const plot: Box = { x: box.x + 62, y: box.y + 30, w: box.w - 72, h: box.h - 30 - 20 - legendHeight - 6 };
  const max = Math.max(panel.fieldConfig?.defaults?.max ?? 0, ...series.flatMap((s) => s.points.map(([, v]) => v)));
  const ticks = axisTicks(max, unit, panel.fieldConfig?.defaults?.decimals);
  const top = ticks.at(-1) ?? 1;
  const xOf = (t: number): number => plot.x + (plot.w * (t - range.start)) / (range.end - range.start);
  const yOf = (v: number): number => plot.y + plot.h * (1 - Math.min(v, top) / top);
  const parts = [`<rect x="${f(plot.x)}" y="${f(plot.y)}" width="${f(plot.w)}" height="${f(plot.h)}" fill="#111217"/>`];
  for (const tick of ticks) {
    parts.push(`<line x1="${f(plot.x)}" x2="${f(plot.x + plot.w)}" y1="${f(yOf(tick))}" y2="${f(yOf(tick))}" stroke="${GRID}"/>`);
    parts.push(text(plot.x - 5, yOf(tick) + 4, formatValue(tick, unit), ` font-size="10" fill="${MUTED}" text-anchor="end"`));
  }
  for (let t = origin + 30 * Math.ceil((range.start - origin) / 30); t <= range.end; t += 30) {
    parts.push(`<line x1="${f(xOf(t))}" x2="${f(xOf(t))}" y1="${f(plot.y)}" y2="${f(plot.y + plot.h)}" stroke="${GRID}"/>`);
    parts.push(text(xOf(t), plot.y + plot.h + 13, elapsedLabel(t - origin), ` font-size="10" fill="${MUTED}" text-anchor="middle"`));
  }
  parts.push(...markerShapes(plot, markers, xOf));
  const cell = plot.w / columns;
  series.forEach((s, i) => {
    const { color, dash } = styleOf(panel, s.legend, i);
    for (const run of segments(s.points, range.stepSeconds)) {
      const line = run.map(([t, v]) => `${f(xOf(t))},${f(yOf(v))}`).join(' ');
      const first = run[0];
      const last = run.at(-1);
      if (first === undefined || last === undefined) continue;
      if (!dash) parts.push(`<polygon points="${f(xOf(first[0]))},${f(yOf(0))} ${line} ${f(xOf(last[0]))},${f(yOf(0))}" fill="${color}" opacity="0.08"/>`);
      parts.push(`<polyline points="${line}" fill="none" stroke="${color}" stroke-width="1.4"${dash}/>`);
    }
    const lx = plot.x + (i % columns) * cell;
    const ly = plot.y + plot.h + 32 + LEGEND_ROW * Math.floor(i / columns);
    const values = s.points.map(([, v]) => v);
    const entry =
      values.length === 0
        ? { name: s.legend, values: 'no data' }
        : fitLegend(s.legend, formatValue(values.at(-1) ?? 0, unit), formatValue(Math.max(...values), unit), cell);
    parts.push(`<rect x="${f(lx)}" y="${f(ly - 6)}" width="12" height="3" fill="${color}"/>`);
    parts.push(text(lx + 17, ly - 2, entry.name, ` font-size="11" fill="${TEXT}"`));
    parts.push(text(lx + cell - 10, ly - 2, entry.values, ` font-size="10" fill="${MUTED}" text-anchor="end"`));
  });
  if (series.length === 0) parts.push(text(plot.x + plot.w / 2, plot.y + plot.h / 2, 'No data', ` font-size="13" fill="${MUTED}" text-anchor="middle"`));
  return parts.join('\n');
}

/** The colour of the highest threshold step at or below `value` (the base step has value null). */
export function thresholdColor(steps: readonly ThresholdStep[], value: number): string | undefined {
  return steps.filter((s) => s.value === null || value >= s.value).at(-1)?.color;
}

function stat({ panel, series, box, range }: PanelPicture): string {
  const defaults = panel.fieldConfig?.defaults ?? {};
  const points = series[0]?.points ?? [];
  const last = points.at(-1)?.[1];
  const mapped = last === undefined ? undefined : defaults.mappings?.map((m) => m.options[String(last)]).find((o) => o !== undefined);
  const body = last === undefined ? 'No data' : (mapped?.text ?? formatValue(last, defaults.unit, defaults.decimals));
  const colorName = mapped?.color ?? (last === undefined ? undefined : thresholdColor(defaults.thresholds?.steps ?? [], last));
  const fill = NAMED[colorName ?? '']?.fill ?? colorName ?? '#22252B';
  const inner: Box = { x: box.x + 6, y: box.y + 26, w: box.w - 12, h: box.h - 32 };
  const parts = [`<rect x="${f(inner.x)}" y="${f(inner.y)}" width="${f(inner.w)}" height="${f(inner.h)}" rx="3" fill="${fill}"/>`];
  const max = Math.max(...points.map(([, v]) => v), 0) || 1;
  const spark = points.map(
    ([t, v]) => `${f(inner.x + (inner.w * (t - range.start)) / (range.end - range.start))},${f(inner.y + inner.h - (inner.h * 0.45 * v) / max)}`,
  );
  if (spark.length > 1) parts.push(`<polyline points="${spark.join(' ')}" fill="none" stroke="#FFFFFF" stroke-opacity="0.45" stroke-width="1.2"/>`);
  parts.push(text(inner.x + inner.w / 2, inner.y + inner.h / 2 + 4, body, ' font-size="28" font-weight="bold" text-anchor="middle" fill="#FFFFFF"'));
  return parts.join('\n');
}

/** A panel's frame, title and body; a row is its title alone. */
export function drawPanel(picture: PanelPicture): string {
  const { panel, box } = picture;
  if (panel.type === 'row') {
    return `${text(box.x, box.y + 20, panel.title, ` font-size="15" font-weight="bold" fill="#D8D9DA"`)}<line x1="${f(box.x)}" x2="${f(box.x + box.w)}" y1="${f(box.y + 26)}" y2="${f(box.y + 26)}" stroke="${GRID}"/>`;
  }
  const frame = `<rect x="${f(box.x)}" y="${f(box.y)}" width="${f(box.w)}" height="${f(box.h)}" rx="2" fill="#181B1F" stroke="${GRID}"/>`;
  const title = text(box.x + 10, box.y + 18, panel.title, ` font-size="13" font-weight="bold" fill="#D8D9DA"`);
  return [frame, title, panel.type === 'stat' ? stat(picture) : timeseries(picture)].join('\n');
}
