import { describe, expect, it } from 'vitest';

import type { Dashboard } from '../../../../dev/dashboard/dashboard-model.js';
import { drawDashboard, scenarioMarkers } from '../../../../dev/dashboard/draw-dashboard.js';
import { elapsedLabel, fitLegend, segments, thresholdColor } from '../../../../dev/dashboard/draw-panel.js';
import { DASHBOARD_SCENARIO } from '../../../../dev/dashboard/scenario.js';
import { readText } from '../../../support/deploy/repo-files.js';

const dashboard = JSON.parse(readText('deploy/grafana/dashboards/email-dispatcher.json')) as Dashboard;
const range = { start: 1_000, end: 1_160, stepSeconds: 1 };
const origin = 1_005;
const flat = (value: number) => Array.from({ length: 161 }, (_, i) => [1_000 + i, value] as const);
const panelId = (title: string) => dashboard.panels.find((p) => p.title === title)?.id as number;

describe('drawDashboard', () => {
  const svg = drawDashboard({
    dashboard,
    data: new Map([
      [panelId('SMTP circuit'), [{ legend: 'SMTP circuit', points: flat(0) }]],
      [panelId('Sent / s'), [{ legend: 'Sent / s', points: flat(40) }]],
      [panelId('Throughput'), [{ legend: 'sent/s email-dispatcher-a', points: flat(20) }]],
    ]),
    range,
    origin,
    markers: scenarioMarkers(DASHBOARD_SCENARIO, origin),
    caption: ['Real data'],
  });

  it('draws every panel with its title, and the scenario steps in the legend', () => {
    for (const panel of dashboard.panels) expect(svg).toContain(`>${panel.title}</text>`);
    expect(svg).toContain('>6 both SMTP relays down (25 s)</text>');
    expect(svg).toContain('>5 primary SMTP relay down (fallback takes over) (20 s)</text>');
    expect(svg).toContain('>1 email-dispatcher-b starts</text>');
  });

  it('wraps the scenario legend onto more lines rather than past the right edge', () => {
    const width = Number(/<svg [^>]*width="(\d+)"/.exec(svg)?.[1]);
    const legend = [...svg.matchAll(/<text x="(\d+)" y="(\d+)" font-size="12" fill="#D8D9DA">(\d [^<]*)<\/text>/g)].map(([, x, y, label]) => ({
      x: Number(x),
      y: Number(y),
      label: label as string,
    }));
    expect(legend).toHaveLength(DASHBOARD_SCENARIO.steps.length);
    // DejaVu Sans at 12 px averages about 7 px a character.
    for (const { x, label } of legend) expect(x + 7 * label.length, label).toBeLessThanOrEqual(width);
    expect(new Set(legend.map((l) => l.y)).size).toBeGreaterThan(1);
    // The panels start below the last legend line.
    const firstPanelY = Math.min(...[...svg.matchAll(/<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="[\d.]+" rx=/g)].map(([, y]) => Number(y)));
    expect(firstPanelY).toBeGreaterThan(Math.max(...legend.map((l) => l.y)));
  });

  it('shows a stat as its last value, mapped to text where the panel maps it', () => {
    expect(svg).toContain('>closed</text>');
    expect(svg).toContain('>40.0/s</text>');
  });

  it('draws a series with its legend, last and max, and says No data where Prometheus returned none', () => {
    expect(svg).toContain('>sent/s email-dispatcher-a</text>');
    expect(svg).toContain('>20/s  max 20/s</text>');
    expect(svg).toContain('>No data</text>');
  });

  it('labels the time axis from the start of the load', () => {
    expect(svg).toContain('>0:00</text>');
    expect(svg).toContain('>2:30</text>');
  });
});

describe('panel helpers', () => {
  it('breaks a line where samples are missing for more than two steps', () => {
    const runs = segments(
      [
        [0, 1],
        [1, 1],
        [2, 1],
        [10, 1],
        [11, 1],
      ],
      1,
    );
    expect(runs.map((r) => r.map(([t]) => t))).toEqual([
      [0, 1, 2],
      [10, 11],
    ]);
  });

  it('prints elapsed time as m:ss, negative before the origin', () => {
    expect(elapsedLabel(95)).toBe('1:35');
    expect(elapsedLabel(-5)).toBe('-0:05');
  });

  it('fits a legend entry to its cell: last and max, then last alone, then the name cut short', () => {
    expect(fitLegend('RSS email-dispatcher-a', '146 MiB', '150 MiB', 400)).toEqual({ name: 'RSS email-dispatcher-a', values: '146 MiB  max 150 MiB' });
    expect(fitLegend('RSS email-dispatcher-a', '146 MiB', '150 MiB', 240)).toEqual({ name: 'RSS email-dispatcher-a', values: '146 MiB' });
    expect(fitLegend('RSS email-dispatcher-a', '146 MiB', '150 MiB', 180).name).toMatch(/^RSS email-dis.*…$/);
  });

  it('colours a value by the highest threshold step it reaches', () => {
    const steps = [
      { color: 'green', value: null },
      { color: 'red', value: 1 },
    ];
    expect(thresholdColor(steps, 0)).toBe('green');
    expect(thresholdColor(steps, 1)).toBe('red');
  });
});
