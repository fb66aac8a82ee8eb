/**
 * Authorization lives in core: every operation a route may call applies the caller's rules
 * itself (core/src/access.ts, wallet/onboarding.ts). A route that called Transfer's or Wallet's
 * operations directly would skip them, so no API source file may.
 */
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const apiDir = join(import.meta.dirname, "../src/api");
const files = readdirSync(apiDir, { recursive: true, encoding: "utf8" }).filter((file) => file.endsWith(".ts"));
// An operation is a lower-case member called on core's Transfer or Wallet (their schemas are upper-case and allowed).
const DIRECT_CALL = /\b(Transfer|Wallet)\.[a-z]\w*\s*\(/g;

describe("API authorization", () => {
  it("has API source files to check", () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)("%s calls no Transfer or Wallet operation directly (core's access operations apply the caller's rules)", (file) => {
    const source = readFileSync(join(apiDir, file), "utf8");
    expect(source.match(DIRECT_CALL) ?? []).toEqual([]);
  });
});
