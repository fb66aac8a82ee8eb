/**
 * Core's schemas as the OpenAPI generator needs them (build time only: openapi-document.ts).
 *
 * Core and the routes define schemas in zod/mini, so no handler bundles classic zod (issue 12).
 * The generator, though, asks every schema for classic zod's `.meta()`. So before the document is
 * generated, each schema that holds a zod/mini part is rebuilt as classic zod from the same
 * definition: the same checks, messages and transforms (the very objects, not copies), only the
 * classic methods added.
 */
import { z } from "@hono/zod-openapi";
import type * as core from "zod/v4/core";

type Constructor = new (def: core.$ZodTypeDef) => core.$ZodType;
const CLASSIC: Record<string, Constructor> = {
  string: z.ZodString,
  number: z.ZodNumber,
  boolean: z.ZodBoolean,
  unknown: z.ZodUnknown,
  never: z.ZodNever,
  enum: z.ZodEnum,
  object: z.ZodObject,
  array: z.ZodArray,
  tuple: z.ZodTuple,
  optional: z.ZodOptional,
  default: z.ZodDefault,
  pipe: z.ZodPipe,
  transform: z.ZodTransform,
} as unknown as Record<string, Constructor>;

/** String formats have constructors of their own (they set the format the document shows). */
const CLASSIC_FORMAT: Record<string, Constructor> = {
  datetime: z.ZodISODateTime,
} as unknown as Record<string, Constructor>;

function isSchema(value: unknown): value is core.$ZodType {
  return typeof value === "object" && value !== null && "_zod" in value;
}

function isClassic(schema: core.$ZodType): boolean {
  return typeof (schema as { meta?: unknown }).meta === "function";
}

const rebuilt = new WeakMap<core.$ZodType, core.$ZodType>();

/** The schema itself when it is classic all the way down; otherwise a classic rebuild of its definition. */
export function classic<T extends core.$ZodType>(schema: T): T {
  const done = rebuilt.get(schema);
  if (done) return done as T;
  const def = schema._zod.def as unknown as Record<string, unknown>;
  let changed = !isClassic(schema);
  const convert = (value: unknown): unknown => {
    if (!isSchema(value)) return value;
    const converted = classic(value);
    if (converted !== value) changed = true;
    return converted;
  };
  const next: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(def)) {
    if (key === "checks") next[key] = value; // checks are shared as they are (a check holds no child schema)
    else if (key === "shape" && value && typeof value === "object")
      next[key] = Object.fromEntries(Object.entries(value).map(([field, child]) => [field, convert(child)]));
    else if (Array.isArray(value)) next[key] = value.map(convert);
    else next[key] = convert(value);
  }
  if (!changed) {
    rebuilt.set(schema, schema);
    return schema;
  }
  const Classic = (def.type === "string" && CLASSIC_FORMAT[def.format as string]) || CLASSIC[def.type as string];
  if (!Classic) throw new Error(`no classic zod rebuild for a zod/mini ${String(def.type)} schema (add it to CLASSIC)`);
  const result = new Classic(next as unknown as core.$ZodTypeDef);
  // Metadata (a description) is zod's global registry's, keyed by the schema object: the rebuild carries it.
  const meta = z.globalRegistry.get(schema);
  if (meta) z.globalRegistry.add(result, meta);
  rebuilt.set(schema, result);
  return result as T;
}

/**
 * A copy of a route declaration with every schema it holds as classic zod (see `classic`);
 * `named` gives the schemas the document names as components (their classic form, with its refId).
 */
export function withClassicSchemas<T>(node: T, named: ReadonlyMap<core.$ZodType, core.$ZodType> = new Map()): T {
  if (isSchema(node)) return (named.get(node) ?? classic(node)) as T;
  if (Array.isArray(node)) return node.map((item) => withClassicSchemas(item, named)) as T;
  if (typeof node !== "object" || node === null) return node;
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, withClassicSchemas(value, named)])) as T;
}
