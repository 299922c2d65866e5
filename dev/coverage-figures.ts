/**
 * Prints the line coverage of src/ and cmd/ from vitest's json-summary (`npm run coverage` writes
 * .local/coverage/coverage-summary.json). cmd/ entry points run as child processes in the tests, as the
 * image runs them; in-process v8 coverage does not see those, so src/ is the figure that means something.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface Totals {
  readonly lines: { readonly total: number; readonly covered: number };
}

export function coverageByFolder(summary: Record<string, Totals>, root: string): Record<'src' | 'cmd', { covered: number; total: number }> {
  const out = { src: { covered: 0, total: 0 }, cmd: { covered: 0, total: 0 } };
  for (const [file, totals] of Object.entries(summary)) {
    if (file === 'total') continue;
    const folder = path.relative(root, file).split(path.sep)[0];
    if (folder !== 'src' && folder !== 'cmd') continue;
    out[folder].covered += totals.lines.covered;
    out[folder].total += totals.lines.total;
  }
  return out;
}

const percent = ({ covered, total }: { covered: number; total: number }) => (total === 0 ? 'n/a' : `${((100 * covered) / total).toFixed(1)} %`);

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = process.cwd();
  const file = process.argv[2] ?? path.join(root, '.local', 'coverage', 'coverage-summary.json');
  const byFolder = coverageByFolder(JSON.parse(readFileSync(file, 'utf8')) as Record<string, Totals>, root);
  console.log(
    `coverage (lines): src/ ${percent(byFolder.src)} (${byFolder.src.covered}/${byFolder.src.total}); cmd/ ${percent(byFolder.cmd)} (entry points run as child processes, not measured in process)`,
  );
}
