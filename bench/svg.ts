/** Minimal hand-written SVG charts: no browser, no native dependency, diff-friendly output. */

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number) => (v >= 1000 ? `${+(v / 1000).toFixed(1)}k` : `${+v.toFixed(v < 10 ? 1 : 0)}`);

export interface Frame {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

const FRAME: Frame = { width: 760, height: 420, left: 70, right: 170, top: 46, bottom: 56 };

function document(frame: Frame, title: string, body: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${frame.width}" height="${frame.height}" viewBox="0 0 ${frame.width} ${frame.height}" font-family="Helvetica, Arial, sans-serif" font-size="12">
<rect width="100%" height="100%" fill="#fff"/>
<text x="${frame.left}" y="24" font-size="15" font-weight="bold">${esc(title)}</text>
${body.join('\n')}
</svg>
`;
}

function legend(frame: Frame, items: ReadonlyArray<{ name: string; color: string; dashed?: boolean }>): string[] {
  const x = frame.width - frame.right + 16;
  return items.map((item, i) => {
    const y = frame.top + 10 + i * 20;
    return `<line x1="${x}" x2="${x + 22}" y1="${y}" y2="${y}" stroke="${item.color}" stroke-width="3"${item.dashed ? ' stroke-dasharray="6 4"' : ''}/><text x="${x + 28}" y="${y + 4}">${esc(item.name)}</text>`;
  });
}

function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let p = Math.floor(Math.log10(min)); p <= Math.ceil(Math.log10(max)); p += 1) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** p;
      if (v >= min && v <= max) ticks.push(v);
    }
  }
  return ticks;
}

export interface LineSeries {
  readonly name: string;
  readonly color: string;
  readonly dashed?: boolean;
  /** One point per x category; undefined = no point there. */
  readonly points: ReadonlyArray<{ readonly median: number; readonly min?: number; readonly max?: number } | undefined>;
}

/** Categories on x, a log scale on y (the variants differ by orders of magnitude), min–max whiskers. */
export function logLineChart({
  title,
  xLabels,
  xTitle,
  yTitle,
  series,
}: {
  title: string;
  xLabels: readonly string[];
  xTitle: string;
  yTitle: string;
  series: readonly LineSeries[];
}): string {
  const f = FRAME;
  const values = series.flatMap((s) => s.points.flatMap((p) => (p ? [p.min ?? p.median, p.max ?? p.median] : []))).filter((v) => v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...values)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...values)));
  const plotW = f.width - f.left - f.right;
  const plotH = f.height - f.top - f.bottom;
  const x = (i: number) => f.left + (xLabels.length === 1 ? plotW / 2 : (i / (xLabels.length - 1)) * plotW * 0.9 + plotW * 0.05);
  const y = (v: number) => f.top + plotH - ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotH;
  const body: string[] = [];
  for (const t of logTicks(lo, hi))
    body.push(
      `<line x1="${f.left}" x2="${f.left + plotW}" y1="${y(t)}" y2="${y(t)}" stroke="#e5e5e5"/><text x="${f.left - 6}" y="${y(t) + 4}" text-anchor="end" fill="#555">${fmt(t)}</text>`,
    );
  xLabels.forEach((label, i) => body.push(`<text x="${x(i)}" y="${f.top + plotH + 18}" text-anchor="middle">${esc(label)}</text>`));
  body.push(`<text x="${f.left + plotW / 2}" y="${f.height - 12}" text-anchor="middle" fill="#333">${esc(xTitle)}</text>`);
  body.push(`<text transform="translate(16 ${f.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#333">${esc(yTitle)}</text>`);
  body.push(`<rect x="${f.left}" y="${f.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
  for (const s of series) {
    const pts = s.points.flatMap((p, i) => (p && p.median > 0 ? [[x(i), y(p.median), p] as const] : []));
    body.push(
      `<polyline fill="none" stroke="${s.color}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="6 4"' : ''} points="${pts.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(' ')}"/>`,
    );
    for (const [px, py, p] of pts) {
      if (p.min !== undefined && p.max !== undefined && p.max > p.min)
        body.push(`<line x1="${px}" x2="${px}" y1="${y(p.max)}" y2="${y(Math.max(p.min, lo))}" stroke="${s.color}" stroke-width="1.5"/>`);
      if (!s.dashed) body.push(`<circle cx="${px}" cy="${py}" r="3.5" fill="${s.color}"><title>${esc(`${s.name}: ${fmt(p.median)}`)}</title></circle>`);
    }
  }
  body.push(...legend(f, series));
  return document(f, title, body);
}

/** Grouped bars on a linear scale (latency percentiles per SMTP latency). */
export function groupedBarChart({
  title,
  yTitle,
  groups,
  colors,
}: {
  title: string;
  yTitle: string;
  groups: ReadonlyArray<{ label: string; bars: ReadonlyArray<{ name: string; value: number }> }>;
  colors: Readonly<Record<string, string>>;
}): string {
  const f = FRAME;
  const max = Math.max(1, ...groups.flatMap((g) => g.bars.map((b) => b.value)));
  const step = 10 ** Math.floor(Math.log10(max));
  const top = Math.ceil(max / step) * step;
  const plotW = f.width - f.left - f.right;
  const plotH = f.height - f.top - f.bottom;
  const y = (v: number) => f.top + plotH - (v / top) * plotH;
  const body: string[] = [];
  for (let t = 0; t <= top; t += top / 5)
    body.push(
      `<line x1="${f.left}" x2="${f.left + plotW}" y1="${y(t)}" y2="${y(t)}" stroke="#e5e5e5"/><text x="${f.left - 6}" y="${y(t) + 4}" text-anchor="end" fill="#555">${fmt(t)}</text>`,
    );
  const groupW = plotW / groups.length;
  groups.forEach((g, gi) => {
    const barW = (groupW * 0.7) / g.bars.length;
    g.bars.forEach((b, bi) => {
      const bx = f.left + gi * groupW + groupW * 0.15 + bi * barW;
      body.push(
        `<rect x="${bx}" y="${y(b.value)}" width="${barW - 3}" height="${f.top + plotH - y(b.value)}" fill="${colors[b.name] ?? '#888'}"><title>${esc(`${g.label} ${b.name}: ${fmt(b.value)}`)}</title></rect>`,
      );
      body.push(`<text x="${bx + (barW - 3) / 2}" y="${y(b.value) - 4}" text-anchor="middle" font-size="11">${fmt(b.value)}</text>`);
    });
    body.push(`<text x="${f.left + gi * groupW + groupW / 2}" y="${f.top + plotH + 18}" text-anchor="middle">${esc(g.label)}</text>`);
  });
  body.push(`<text transform="translate(16 ${f.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#333">${esc(yTitle)}</text>`);
  body.push(`<rect x="${f.left}" y="${f.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
  body.push(
    ...legend(
      f,
      Object.entries(colors).map(([name, color]) => ({ name, color })),
    ),
  );
  return document(f, title, body);
}

/** Lines over time on a linear scale (memory during the big drain). */
export function timeChart({
  title,
  xTitle,
  yTitle,
  series,
  limit,
}: {
  title: string;
  xTitle: string;
  yTitle: string;
  series: ReadonlyArray<{ name: string; color: string; points: ReadonlyArray<readonly [number, number]> }>;
  limit?: { value: number; label: string };
}): string {
  const f = FRAME;
  const xs = series.flatMap((s) => s.points.map(([px]) => px));
  const ys = [...series.flatMap((s) => s.points.map(([, py]) => py)), limit?.value ?? 0];
  const xMax = Math.max(1, ...xs);
  const yMax = Math.max(1, ...ys) * 1.1;
  const plotW = f.width - f.left - f.right;
  const plotH = f.height - f.top - f.bottom;
  const x = (v: number) => f.left + (v / xMax) * plotW;
  const y = (v: number) => f.top + plotH - (v / yMax) * plotH;
  const body: string[] = [];
  const yStep = 10 ** Math.floor(Math.log10(yMax / 2));
  for (let t = 0; t <= yMax; t += yStep * (yMax / yStep > 8 ? 2 : 1))
    body.push(
      `<line x1="${f.left}" x2="${f.left + plotW}" y1="${y(t)}" y2="${y(t)}" stroke="#e5e5e5"/><text x="${f.left - 6}" y="${y(t) + 4}" text-anchor="end" fill="#555">${fmt(t)}</text>`,
    );
  const xStep = 10 ** Math.floor(Math.log10(xMax / 2));
  for (let t = 0; t <= xMax; t += xStep * (xMax / xStep > 8 ? 2 : 1))
    body.push(`<text x="${x(t)}" y="${f.top + plotH + 18}" text-anchor="middle" fill="#555">${fmt(t)}</text>`);
  if (limit)
    body.push(
      `<line x1="${f.left}" x2="${f.left + plotW}" y1="${y(limit.value)}" y2="${y(limit.value)}" stroke="#d93025" stroke-dasharray="6 4"/><text x="${f.left + plotW - 4}" y="${y(limit.value) - 5}" text-anchor="end" fill="#d93025">${esc(limit.label)}</text>`,
    );
  for (const s of series)
    body.push(
      `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${s.points.map(([px, py]) => `${x(px).toFixed(1)},${y(py).toFixed(1)}`).join(' ')}"/>`,
    );
  body.push(`<text x="${f.left + plotW / 2}" y="${f.height - 12}" text-anchor="middle" fill="#333">${esc(xTitle)}</text>`);
  body.push(`<text transform="translate(16 ${f.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#333">${esc(yTitle)}</text>`);
  body.push(`<rect x="${f.left}" y="${f.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
  body.push(...legend(f, series));
  return document(f, title, body);
}
