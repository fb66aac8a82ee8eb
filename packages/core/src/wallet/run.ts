/**
 * What every Wallet function shares: its input is parsed (INVALID_INPUT) and a transient
 * database failure is reported as such (TRANSIENT_DATABASE_ERROR), through one helper each.
 */
import type { $ZodType, input as Input, output as Output } from "zod/v4/core";
import { AppError } from "../error.ts";
import { fn as validated, parse } from "../util/fn.ts";
import { toWalletError } from "./client.ts";
import { WalletError } from "./errors.ts";

/** Runs a database call; a transient failure comes out as AppError("transient"), the rest unchanged. */
export async function guard<R>(body: () => Promise<R>): Promise<R> {
  try {
    return await body();
  } catch (error) {
    throw toWalletError(error);
  }
}

/** A Wallet function taking one input object: parsed by `schema`, then guarded. */
export function fn<S extends $ZodType, R>(schema: S, body: (input: Output<S>) => Promise<R>) {
  return validated(schema, WalletError.INVALID_INPUT, (input) => guard(() => body(input)));
}

/** The same for a function with positional arguments: `input` is parsed by `schema`, then guarded. */
export async function call<S extends $ZodType, R>(schema: S, input: Input<S>, body: (input: Output<S>) => Promise<R>): Promise<R> {
  const parsed = parse(schema, input, WalletError.INVALID_INPUT);
  return guard(() => body(parsed));
}

export function notFound(userId: string): AppError {
  return new AppError("not_found", WalletError.ACCOUNT_NOT_FOUND, `no wallet account for user ${userId}`);
}

export function iso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
