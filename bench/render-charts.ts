/** npm run bench:chart [-- results.json] — re-renders docs/bench/*.svg and the report (results.md) from a saved result. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { renderCharts } from './chart.js';
import { formatReport } from './report.js';
import type { BenchResult } from './result.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const file = path.resolve(process.argv[2] ?? path.join(ROOT, 'bench', 'results', 'latest.json'));
const result = JSON.parse(readFileSync(file, 'utf8')) as BenchResult;
for (const written of renderCharts(result, path.join(ROOT, 'docs', 'bench'))) console.log(`wrote ${path.relative(ROOT, written)}`);
const report = file.replace(/\.json$/, '.md');
writeFileSync(report, `${formatReport(result)}\n`);
console.log(`wrote ${path.relative(ROOT, report)}`);
