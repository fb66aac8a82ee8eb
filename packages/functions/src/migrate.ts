/** Runs on every deploy (infra/storage.ts): applies core's migrations, copied next to the bundle. */
import { join } from "node:path";
import { migrate } from "@ewallet/core/wallet/migrate";

export async function handler() {
  const dir = process.env.LAMBDA_TASK_ROOT ? join(process.env.LAMBDA_TASK_ROOT, "migrations") : undefined;
  const result = await migrate(undefined, { dir });
  console.log(JSON.stringify({ level: "info", message: "migrations applied", applied: result.applied }));
  return result;
}
