/**
 * The whole dashboard as one SVG: every panel at its grid position (24 columns), drawn from the
 * series Prometheus returned for it, with the scenario's steps numbered in a legend under the title
 * and marked on every graph.
 */
import escapeXml from 'escape-html';

import type { Dashboard } from './dashboard-model.js';
import { drawPanel, type Marker, type PanelPicture } from './draw-panel.js';
import type { PanelData } from './panel-data.js';
import { type Scenario, stepLabel } from './scenario.js';

const COLUMN = 60;
const ROW = 30;
const MARGIN = 16;
const GAP = 6;
const MARKER_COLORS = ['#8AB8FF', '#CA95E5', '#FF9830', '#FADE2A', '#F2495C', '#73BF69'];

/** The scenario's steps on the time axis, `origin` being the unix second the load started. */
export function scenarioMarkers(scenario: Scenario, origin: number): Marker[] {
  return scenario.steps.map((step, i) => ({
    label: stepLabel(step),
    from: origin + step.atS,
    ...('untilS' in step ? { to: origin + step.untilS } : {}),
    color: MARKER_COLORS[i % MARKER_COLORS.length] as string,
  }));
}

/** The range, its 0:00 and the markers are every panel's. */
export interface DashboardPicture extends Pick<PanelPicture, 'range' | 'origin' | 'markers'> {
  readonly dashboard: Dashboard;
  readonly data: PanelData;
  /** Lines under the title: where the data comes from. */
  readonly caption: readonly string[];
}

/** Each step's legend entry and where it goes: left to right, on a new line where it would pass `right`. */
function legendLayout(markers: readonly Marker[], right: number): Array<{ marker: Marker; label: string; x: number; line: number }> {
  let x = MARGIN;
  let line = 0;
  return markers.map((marker, i) => {
    const label = `${i + 1} ${marker.label}${marker.to === undefined ? '' : ` (${Math.round(marker.to - marker.from)} s)`}`;
    // DejaVu Sans at 12 px averages about 7 px a character.
    const w = 19 + 7 * label.length;
    if (x > MARGIN && x + w > right) {
      x = MARGIN;
      line += 1;
    }
    const entry = { marker, label, x, line };
    x += w + 22;
    return entry;
  });
}

export function drawDashboard({ dashboard, data, range, origin, markers, caption }: DashboardPicture): string {
  const width = 24 * COLUMN + 2 * MARGIN - GAP;
  const legend = legendLayout(markers, width - MARGIN);
  const legendLines = 1 + Math.max(0, ...legend.map((e) => e.line));
  const banner = 40 + 17 * caption.length + 26 + 17 * (legendLines - 1);
  const bottom = Math.max(...dashboard.panels.map((p) => p.gridPos.y + p.gridPos.h));
  const height = banner + bottom * ROW + MARGIN;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#0B0C0E"/>`,
    `<text x="${MARGIN}" y="30" font-size="20" fill="#FFFFFF">${escapeXml(dashboard.title)}</text>`,
    ...caption.map((line, i) => `<text x="${MARGIN}" y="${52 + 17 * i}" font-size="12" fill="#CCCCDC">${escapeXml(line)}</text>`),
  ];
  for (const { marker: m, label, x, line } of legend) {
    const legendY = 40 + 17 * caption.length + 14 + 17 * line;
    parts.push(`<rect x="${x}" y="${legendY - 10}" width="14" height="12" fill="${m.color}" opacity="${m.to === undefined ? 0.9 : 0.5}"/>`);
    parts.push(`<text x="${x + 19}" y="${legendY}" font-size="12" fill="#D8D9DA">${escapeXml(label)}</text>`);
  }
  for (const panel of dashboard.panels) {
    const box = {
      x: MARGIN + panel.gridPos.x * COLUMN,
      y: banner + panel.gridPos.y * ROW,
      w: panel.gridPos.w * COLUMN - GAP,
      h: panel.gridPos.h * ROW - GAP,
    };
    parts.push(drawPanel({ panel, series: data.get(panel.id) ?? [], box, range, origin, markers }));
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
