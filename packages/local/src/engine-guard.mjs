/**
 * Runs one engine process and ties its life to the stack's, even when the stack dies by SIGKILL.
 * Engines run in their own process group (so a terminal's Ctrl-C reaches only the stack, which
 * drains the sagas before stopping them); that also means nothing stops them if the stack is
 * killed outright. This guard holds a pipe from the stack on its stdin: when the stack is gone the
 * pipe closes, and the guard stops the engine with `exitSignal`. Signals sent to the guard are
 * passed on, and it exits as the engine does.
 *   node engine-guard.mjs <exitSignal> <command> [args…]   (ENGINE_GUARD_UID/GID: run the engine as that user)
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";

const [exitSignal, command, ...args] = process.argv.slice(2);
const { ENGINE_GUARD_UID, ENGINE_GUARD_GID, ...env } = process.env;
const engine = spawn(command, args, {
  stdio: ["ignore", "inherit", "inherit"],
  env,
  ...(ENGINE_GUARD_UID ? { uid: Number(ENGINE_GUARD_UID), gid: Number(ENGINE_GUARD_GID) } : {}),
});
engine.on("error", (error) => {
  process.stderr.write(`engine-guard: cannot run ${command}: ${error.message}\n`);
  // 127: the shell's "command not found", which the stack reads as a missing program.
  process.exit(error.code === "ENOENT" ? 127 : 126);
});
engine.on("exit", (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
for (const signal of ["SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP"]) process.on(signal, () => engine.kill(signal));
process.stdin.on("close", () => engine.kill(exitSignal));
process.stdin.on("end", () => engine.kill(exitSignal));
process.stdin.resume();
