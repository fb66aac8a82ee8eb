/**
 * Input parsing for core's functions, after terminal's `fn`: a function whose input is
 * parsed by its schema (exposed as `.schema`). A failure is a validation AppError with
 * zod's issues (their paths become the API's field errors). Async, so invalid input
 * rejects the returned promise like every other failure. Typed on zod/v4/core, so it takes
 * schemas of classic zod and of zod/mini alike without loading either.
 */
import { safeParse, type $ZodType, type input, type output } from "zod/v4/core";
import { AppError } from "../error.ts";

export function parse<S extends $ZodType>(schema: S, value: unknown, code: string, what = "input"): output<S> {
  const result = safeParse(schema, value);
  if (result.success) return result.data;
  const summary = result.error.issues
    .map((issue) => (issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ");
  throw new AppError("validation", code, `Invalid ${what}: ${summary}`, result.error.issues);
}

export function fn<S extends $ZodType, R>(schema: S, invalidCode: string, body: (parsed: output<S>) => Promise<R>) {
  const run = async (raw: input<S>): Promise<R> => body(parse(schema, raw, invalidCode));
  return Object.assign(run, { schema });
}
