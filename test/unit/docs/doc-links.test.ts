import { existsSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { docPages, headingAnchors, linkTargets, readRepoFile, REPO_ROOT } from '../../support/markdown.js';

/** Every relative link of one page that points at no file, or at a heading its Markdown file lacks. */
function brokenLinks(page: string): string[] {
  const broken: string[] = [];
  for (const target of linkTargets(readRepoFile(page))) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: — not checked here
    const [file = '', anchor] = target.split('#');
    const linked = file === '' ? page : path.posix.normalize(path.posix.join(path.posix.dirname(page), decodeURI(file)));
    if (!existsSync(path.join(REPO_ROOT, linked))) {
      broken.push(`${target} (no file ${linked})`);
      continue;
    }
    if (anchor !== undefined && linked.endsWith('.md') && !headingAnchors(readRepoFile(linked)).has(anchor)) {
      broken.push(`${target} (no heading #${anchor} in ${linked})`);
    }
  }
  return broken;
}

describe('links in the README, CONTRIBUTING.md and docs/', () => {
  it.each(docPages())('%s: every relative link points at an existing file and heading', (page) => {
    expect(brokenLinks(page)).toEqual([]);
  });

  it('anchors are the ones GitHub makes', () => {
    const anchors = headingAnchors(
      '# Health, metrics and logs\n## 1. Composing inside `sendMail` (fixed)\n```\n# not a heading\n```\n## Results\n## Results\n',
    );
    expect([...anchors]).toEqual(['health-metrics-and-logs', '1-composing-inside-sendmail-fixed', 'results', 'results-1']);
  });
});
