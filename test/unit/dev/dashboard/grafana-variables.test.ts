import { describe, expect, it } from 'vitest';

import { expandGrafanaVariables, grafanaVariables, rateIntervalSeconds } from '../../../../dev/dashboard/grafana-variables.js';

describe('rateIntervalSeconds', () => {
  it('is four scrape intervals while the step is short, and step plus one scrape interval beyond', () => {
    expect(rateIntervalSeconds({ stepSeconds: 1, scrapeIntervalSeconds: 1 })).toBe(4);
    expect(rateIntervalSeconds({ stepSeconds: 15, scrapeIntervalSeconds: 15 })).toBe(60);
    expect(rateIntervalSeconds({ stepSeconds: 60, scrapeIntervalSeconds: 15 })).toBe(75);
  });
});

describe('expandGrafanaVariables', () => {
  const values = grafanaVariables({ start: 1000, end: 1150, stepSeconds: 1 }, 1, { namespace: 'local', pod: '.*' });

  it('sets the interval variables for the range and the dashboard variables to their values, bare or braced', () => {
    const expr = 'sum by (pod) (rate(email_dispatcher_emails_sent_total{namespace=~"$namespace", pod=~"${pod}"}[$__rate_interval])) / $__interval / $__range';
    expect(expandGrafanaVariables(expr, values)).toBe('sum by (pod) (rate(email_dispatcher_emails_sent_total{namespace=~"local", pod=~".*"}[4s])) / 1s / 150s');
  });

  it('refuses a variable it has no value for, naming it', () => {
    expect(() => expandGrafanaVariables('up{cluster="$cluster"}', values)).toThrow('$cluster');
  });

  it('leaves PromQL without variables as it is', () => {
    expect(expandGrafanaVariables('time() - max(x)', {})).toBe('time() - max(x)');
  });
});
