/**
 * Finding the engines' processes (pgrep), for what acts on them from outside: the bench reads
 * their CPU time, the soak pauses and resumes them, tests check that none outlived the stack.
 */
import { execFileSync } from "node:child_process";

function pgrep(args: string[]): number[] {
  try {
    return execFileSync("pgrep", args, { encoding: "utf8" }).trim().split("\n").filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

/** Processes whose full command line matches the (extended) regular expression. */
export const pidsMatching = (pattern: string): number[] => pgrep(["-f", pattern]);

/** The processes `pid` forked (e.g. the postmaster's backends). */
export const childPids = (pid: number): number[] => pgrep(["-P", String(pid)]);

/**
 * The engine processes themselves, by the port they serve. Anchored at the command, because the
 * engine guard's command line (engine-guard.mjs) names the engine and its port too.
 */
export const dynamoLocalPids = (port: number | string) => pidsMatching(`^\\S*java .*DynamoDBLocal.jar.*-port ${port}\\b`);
export const postmasterPids = (port: number | string) => pidsMatching(`^\\S*postgres -D .* -p ${port}\\b`);
