/**
 * The whole dashboard as one SVG: every panel at its grid position (24 columns), drawn from the
 * series Prometheus returned for it, with the scenario's steps numbered in a legend under the title
 * and marked on every graph.
 */
import escapeXml from 'escape-html';
import type { Dashboard } from './dashboard-model.js';
import { drawPanel, type Marker, type PanelPicture } from './draw-panel.js';
import type { PanelData } from './panel-data.js';
import { stepLabel, type Scenario } from './scenario.js';

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

export function drawDashboard({ dashboard, data, range, origin, markers, caption }: DashboardPicture): string {
  const banner = 40 + 17 * caption.length + 26;
  const bottom = Math.max(...dashboard.panels.map((p) => p.gridPos.y + p.gridPos.h));
  const width = 24 * COLUMN + 2 * MARGIN - GAP;
  const height = banner + bottom * ROW + MARGIN;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#0B0C0E"/>`,
    `<text x="${MARGIN}" y="30" font-size="20" fill="#FFFFFF">${escapeXml(dashboard.title)}</text>`,
    ...caption.map((line, i) => `<text x="${MARGIN}" y="${52 + 17 * i}" font-size="12" fill="#CCCCDC">${escapeXml(line)}</text>`),
  ];
  let x = MARGIN;
  const legendY = 40 + 17 * caption.length + 14;
  markers.forEach((m, i) => {
    const label = `${i + 1} ${m.label}${m.to === undefined ? '' : ` (${Math.round(m.to - m.from)} s)`}`;
    parts.push(`<rect x="${x}" y="${legendY - 10}" width="14" height="12" fill="${m.color}" opacity="${m.to === undefined ? 0.9 : 0.5}"/>`);
    parts.push(`<text x="${x + 19}" y="${legendY}" font-size="12" fill="#D8D9DA">${escapeXml(label)}</text>`);
    // DejaVu Sans at 12 px averages about 7 px a character.
    x += 19 + 7 * label.length + 22;
  });
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
