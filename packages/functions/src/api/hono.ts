/**
 * The API's Hono: hono/tiny's PatternRouter instead of the default preset's RegExpRouter and
 * TrieRouter (≈ 6 KiB less in the Lambda bundle, issue 12), held to the default preset's routing.
 * PatternRouter alone lets a trailing slash through ("/transfers/" would reach "/transfers"); the
 * default router is strict, so that request found no route, and neither does it here.
 * test/router.test.ts compares both routers on the app's own routes.
 */
import { HonoBase, type HonoOptions } from "hono/hono-base";
import { PatternRouter } from "hono/router/pattern-router";
import type { Env, Schema } from "hono/types";
import type { Result, Router } from "hono/router";

/** PatternRouter with strict trailing slashes: a route matches "/a/" only if it was declared so (or ends with "*"). */
export class StrictPatternRouter<T> implements Router<T> {
  readonly name = "StrictPatternRouter";
  readonly #loose = new PatternRouter<{ handler: T; slash: boolean | "any" }>();

  add(method: string, path: string, handler: T): void {
    this.#loose.add(method, path, { handler, slash: path.endsWith("*") ? "any" : path.endsWith("/") });
  }

  match(method: string, path: string): Result<T> {
    const slash = path.endsWith("/");
    const [matched] = this.#loose.match(method, path) as [[{ handler: T; slash: boolean | "any" }, Record<string, string>][]];
    return [matched.filter(([route]) => route.slash === "any" || route.slash === slash).map(([route, params]) => [route.handler, params])];
  }
}

export class Hono<E extends Env = Env, S extends Schema = {}, BasePath extends string = "/"> extends HonoBase<E, S, BasePath> {
  constructor(options: HonoOptions<E> = {}) {
    super({ router: new StrictPatternRouter(), ...options });
  }
}
