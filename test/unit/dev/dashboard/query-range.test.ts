import { describe, expect, it } from 'vitest';

import { formatLegend, seriesFromMatrix } from '../../../../dev/dashboard/query-range.js';

describe('seriesFromMatrix', () => {
  it('reads each series of a query_range answer, leaving out NaN and infinite samples', () => {
    const body = {
      status: 'success',
      data: {
        resultType: 'matrix',
        result: [
          {
            metric: { pod: 'a' },
            values: [
              [1000, '1.5'],
              [1001, 'NaN'],
              [1002, '+Inf'],
              [1003, '2'],
            ],
          },
        ],
      },
    };
    expect(seriesFromMatrix(body)).toEqual([
      {
        labels: { pod: 'a' },
        points: [
          [1000, 1.5],
          [1003, 2],
        ],
      },
    ]);
  });

  it("throws Prometheus' own error", () => {
    expect(() => seriesFromMatrix({ status: 'error', errorType: 'bad_data', error: 'parse error at char 5' })).toThrow('parse error at char 5');
  });
});

describe('formatLegend', () => {
  it("fills {{label}} with the series' value, empty when it has none", () => {
    expect(formatLegend('sent/s {{pod}}', { pod: 'email-dispatcher-a' })).toBe('sent/s email-dispatcher-a');
    expect(formatLegend('{{topic}}/{{ partition }}', { topic: 't', partition: '3' })).toBe('t/3');
    expect(formatLegend('circuit {{pod}}', {})).toBe('circuit ');
  });

  it('names a series by its labels when there is no legend format', () => {
    expect(formatLegend(undefined, { reason: 'invalid_event' })).toBe('{reason="invalid_event"}');
  });
});
