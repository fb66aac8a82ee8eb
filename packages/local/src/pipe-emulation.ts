/**
 * The parts of EventBridge Pipes the offline stack needs, applied to core's pipe
 * definitions: event-pattern matching (exact-value arrays, nested objects) and
 * input templates (`<$.path>` placeholders). Unsupported pattern operators throw,
 * so a filter that the cloud would read differently can never pass silently here.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function matchesPattern(pattern: unknown, event: unknown): boolean {
  if (Array.isArray(pattern)) {
    for (const candidate of pattern) {
      if (candidate !== null && typeof candidate === "object") {
        throw new Error(`Unsupported event-pattern operator: ${JSON.stringify(candidate)}`);
      }
    }
    // A pattern array matches a scalar equal to one of its values (or an array sharing one).
    const values = Array.isArray(event) ? event : [event];
    return values.some((value) => pattern.includes(value as never));
  }
  if (pattern !== null && typeof pattern === "object") {
    if (event === null || typeof event !== "object") return false;
    return Object.entries(pattern).every(([key, sub]) => matchesPattern(sub, (event as Record<string, unknown>)[key]));
  }
  throw new Error(`Event-pattern leaves must be arrays, got ${JSON.stringify(pattern)}`);
}

function valueAt(event: Json, path: string): Json | undefined {
  if (!path.startsWith("$.")) throw new Error(`Unsupported input-template path ${path}`);
  let current: Json | undefined = event;
  for (const key of path.slice(2).split(".")) {
    if (current === null || typeof current !== "object" || Array.isArray(current)) return undefined;
    current = current[key];
  }
  return current;
}

/** Renders a Pipes input template against one (JSON-serialisable) event and parses the result. */
export function renderInputTemplate(template: string, event: unknown): unknown {
  const json = JSON.parse(JSON.stringify(event)) as Json;
  const rendered = template.replace(/("?)<(\$[^>]*)>("?)/g, (_match, open: string, path: string, close: string) => {
    const value = valueAt(json, path);
    if (value === undefined) throw new Error(`Input template path ${path} is missing in the event`);
    // Inside quotes a string is spliced in escaped; elsewhere the value goes in as JSON.
    if (open && close) return typeof value === "string" ? JSON.stringify(value) : JSON.stringify(JSON.stringify(value));
    return `${open}${JSON.stringify(value)}${close}`;
  });
  return JSON.parse(rendered);
}
