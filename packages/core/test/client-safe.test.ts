/**
 * The definitions the dashboard imports instead of copying (issue 13) must stay client-safe:
 * bundled for a browser, they pull in no store, SDK or Node built-in. And the one TransferId
 * rule holds on every side: what Transfer.create mints is what the wallet and the saga accept.
 */
import { build } from "esbuild";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { TransferId } from "../src/transfer/info.ts";
import { newTransferId } from "../src/transfer/create.ts";
import { SagaInput } from "../src/saga/document.ts";
import { TransactionId } from "../src/wallet/schema.ts";

const core = resolve(import.meta.dirname, "../src");

describe("client-safe modules", () => {
  it("bundle for a browser with nothing but zod and core's own pure modules", async () => {
    for (const entry of ["transfer/info.ts", "wallet/schema.ts", "money.ts", "saga/registry.ts"]) {
      const result = await build({
        entryPoints: [join(core, entry)],
        bundle: true,
        write: false,
        metafile: true,
        format: "esm",
        platform: "browser",
        logLevel: "silent",
      });
      const inputs = Object.keys(result.metafile.inputs);
      const foreign = inputs.filter((path) => !path.includes("node_modules/.pnpm/zod@") && !path.startsWith("packages/core/src/"));
      expect(foreign, entry).toEqual([]);
      expect(inputs.filter((path) => /electrodb|@aws-sdk|postgres|ulid|node:/.test(path)), entry).toEqual([]);
    }
  });
});

describe("one transfer id", () => {
  it("is what create mints, and what the saga and the wallet's inbox keys accept", () => {
    for (let i = 0; i < 50; i++) {
      const id = newTransferId();
      expect(TransferId.safeParse(id).success, id).toBe(true);
      expect(SagaInput.safeParse({ transferId: id, senderUserId: "alice", receiverUserId: "bob", amount: "1.00" }).success).toBe(true);
      for (const kind of ["DEBIT", "CREDIT", "REFUND", "REVERSE"]) expect(TransactionId.safeParse(`${kind}#${id}`).success).toBe(true);
    }
    for (const notAnId of ["", "t-1", "bench-7", "01JNOTATRANSFER0000000000", "81JA0000000000000000000000"]) {
      expect(TransferId.safeParse(notAnId).success, notAnId).toBe(false);
    }
  });
});
