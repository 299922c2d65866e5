/**
 * Writes docs/contracts/ from the code (npm run docs:contracts): the sign-up event's JSON Schema from its
 * zod schema, the receipt and DLQ record schemas, and the AsyncAPI document for the three topics.
 * test/unit/docs/contracts.test.ts fails when the files differ from what this writes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { buildContracts, CONTRACTS_DIR } from './build-contracts.js';

mkdirSync(CONTRACTS_DIR, { recursive: true });
for (const [name, text] of Object.entries(buildContracts())) {
  writeFileSync(join(CONTRACTS_DIR, name), text);
  console.log(`wrote ${join(CONTRACTS_DIR, name)}`);
}
