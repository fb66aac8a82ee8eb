/**
 * The wallet steps load core's schemas through zod/mini, not classic zod (issue 12: classic zod
 * was ~440 of their ~500 KiB). Two things keep that true and harmless:
 *   - the wallet steps' bundle holds no classic zod and no locale but English (esbuild's metafile
 *     says how many bytes each input file put in the output);
 *   - a process that loaded only zod/mini words zod's own messages exactly as classic zod does
 *     (mini registers no locale by itself; core/src/util/zod.ts registers English).
 * This file imports no module that loads classic zod, so the messages below come from mini alone.
 */
import { build } from "esbuild";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { StepEvent } from "../src/saga/document.ts";
import { handlerEntry, SAGA_STEPS, STEP_NAMES } from "../src/saga/registry.ts";
import { Wallet } from "../src/wallet/wallet.ts";

const root = resolve(import.meta.dirname, "../../..");

describe("zod/mini on the wallet steps' path", () => {
  it("keeps classic zod out of every wallet step's bundle", async () => {
    // The files infra deploys for the wallet (Postgres) steps, from core's registry.
    const files = new Set(STEP_NAMES.filter((name) => SAGA_STEPS[name].store === "postgres").map((name) => handlerEntry(name).file));
    expect(files.size).toBeGreaterThan(0);
    for (const step of files) {
      const result = await build({
        entryPoints: [join(root, `${step}.ts`)],
        bundle: true,
        write: false,
        metafile: true,
        format: "esm",
        platform: "node",
        target: "node22",
        logLevel: "error",
      });
      const [output] = Object.values(result.metafile.outputs);
      const inputs = Object.entries(output!.inputs).filter(([, input]) => input.bytesInOutput > 0).map(([path]) => path);
      expect(inputs.some((path) => path.includes("zod/v4/mini/")), step).toBe(true);
      expect(inputs.filter((path) => path.includes("zod/v4/classic/")), step).toEqual([]);
      // A zod namespace passed along whole (`export { z }`) keeps every locale: ~260 KiB.
      expect(inputs.filter((path) => path.includes("zod/v4/locales/") && !path.endsWith("/en.js")), step).toEqual([]);
    }
  });

  it("words zod's default messages in English, as classic zod does", () => {
    const parsed = StepEvent.safeParse({ executionId: "" });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`)).toEqual([
      "saga: Invalid input: expected object, received undefined",
      "executionId: Too small: expected string to have >=1 characters",
    ]);
  });

  it("keeps the wallet's own messages and codes", async () => {
    await expect(Wallet.debit({ transferId: "01JABCDEFGHJKMNPQRSTVWXYZ0", userId: "alice", amount: "0.001" } as never)).rejects.toMatchObject({
      code: "INVALID_INPUT",
      message: 'Invalid input: amount: amount must be a decimal string with at most two decimals, such as "12.34"',
    });
    await expect(Wallet.ledger("alice", { limit: 0 })).rejects.toMatchObject({
      code: "INVALID_INPUT",
      message: "Invalid input: limit: Too small: expected number to be >=1",
    });
  });
});
