/**
 * `pnpm run access-plans`: writes packages/core/src/transfer/plans/<group>.json, every DynamoDB
 * request core makes of the transfer table as ElectroDB builds it from the entities, with markers
 * for run-time values (see packages/core/src/transfer/plans.ts). Run it after changing an entity
 * or a plan; packages/core/test/access-plans.test.ts fails while a file is stale.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { accessPlanFiles } from "../packages/core/src/transfer/plans.ts";

for (const [group, text] of Object.entries(accessPlanFiles())) {
  const file = join(import.meta.dirname, `../packages/core/src/transfer/plans/${group}.json`);
  writeFileSync(file, text);
  console.log(`wrote ${file}`);
}
