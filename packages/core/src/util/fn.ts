/**
 * Input parsing for core's functions, after terminal's `fn`: a function whose input is
 * parsed by its schema (exposed as `.schema`). A failure is a validation AppError with
 * zod's issues (their paths become the API's field errors). Async, so invalid input
 * rejects the returned promise like every other failure.
 */
import type { z } from "zod";
import { AppError } from "../error.ts";

export function parse<S extends z.ZodType>(schema: S, input: unknown, code: string, what = "input"): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const summary = result.error.issues
    .map((issue) => (issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ");
  throw new AppError("validation", code, `Invalid ${what}: ${summary}`, result.error.issues);
}

export function fn<S extends z.ZodType, R>(schema: S, invalidCode: string, body: (input: z.output<S>) => Promise<R>) {
  const run = async (input: z.input<S>): Promise<R> => body(parse(schema, input, invalidCode));
  return Object.assign(run, { schema });
}
