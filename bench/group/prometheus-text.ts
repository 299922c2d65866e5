/**
 * The sum of every sample of `name` in a Prometheus text exposition (all label sets), or undefined
 * when the metric has no sample. Enough to read the service's counters and gauges per process.
 */
export function metricSum(text: string, name: string): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    // `name{labels} value` or `name value`; not `name_suffix …`.
    let valuePart: string;
    if (rest.startsWith('{')) {
      const close = rest.lastIndexOf('}');
      if (close === -1) continue;
      valuePart = rest.slice(close + 1);
    } else if (rest.startsWith(' ')) {
      valuePart = rest;
    } else {
      continue;
    }
    const value = Number(valuePart.trim().split(/\s+/)[0]);
    if (Number.isFinite(value)) sum = (sum ?? 0) + value;
  }
  return sum;
}
