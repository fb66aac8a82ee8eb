/**
 * The API routes with hono/tiny's PatternRouter, held strict (src/api/hono.ts), to stay ≈ 6 KiB
 * lighter than Hono's default preset. These tests hold it to the default preset's answers: every
 * route the app declares goes into both routers, and each request path matches the same handlers,
 * in the same order, with the same parameters.
 */
import { RegExpRouter } from "hono/router/reg-exp-router";
import { SmartRouter } from "hono/router/smart-router";
import { TrieRouter } from "hono/router/trie-router";
import type { Router } from "hono/router";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/api/app.ts";
import { fromAuthorizerClaims } from "../src/api/caller.ts";
import { StrictPatternRouter } from "../src/api/hono.ts";
import { OPENAPI_DOCUMENT } from "../src/api/openapi-function.ts";

/** What `new Hono()` from "hono" routes with. */
const defaultRouter = () => new SmartRouter<number>({ routers: [new RegExpRouter(), new TrieRouter()] });

/** Matched route indexes with their parameters, whatever the router's result format. */
function matches(router: Router<number>, method: string, path: string) {
  const [handlers, stash] = router.match(method, path) as [[number, Record<string, string | number>][], string[]?];
  return handlers.map(([route, params]) => ({
    route,
    params: Object.fromEntries(Object.entries(params).map(([name, value]) => [name, stash ? stash[value as number] : value])),
  }));
}

const segments = ["", "transfers", "accounts", "openapi.json", "openapi", "deposits", "alice", "t-1", "a.b", "..", "a%2Fb", "a%20b", ":userId", "*", "{userId}", "TRANSFERS"];
function requestPaths() {
  const paths = new Set(["/", "//", "///"]);
  for (const a of segments) {
    for (const b of ["", ...segments]) {
      for (const c of ["", ...segments]) {
        const path = ["", a, b, c].join("/").replace(/\/+$/, "");
        paths.add(path || "/");
        paths.add(`${path}/`);
      }
    }
  }
  return [...paths];
}

describe("the API's router", () => {
  // The app as offline serves it, the OpenAPI document's route included (the Lambda's lacks only that).
  const routes = createApp({ authenticate: fromAuthorizerClaims, openApiDocument: OPENAPI_DOCUMENT }).routes;
  const strict = new StrictPatternRouter<number>();
  const reference = defaultRouter();
  routes.forEach((route, index) => {
    strict.add(route.method, route.path, index);
    reference.add(route.method, route.path, index);
  });

  it("is what the app routes with, and the app declares the routes the API serves", () => {
    expect(createApp({ authenticate: fromAuthorizerClaims }).router).toBeInstanceOf(StrictPatternRouter);
    expect(routes.filter((route) => route.method !== "ALL").map((route) => `${route.method} ${route.path}`)).toEqual(
      expect.arrayContaining(["POST /transfers", "GET /transfers", "GET /transfers/:transferId", "GET /accounts", "GET /accounts/:userId", "POST /accounts", "POST /accounts/:userId/deposits", "GET /openapi.json"]),
    );
  });

  it.each(["GET", "POST", "OPTIONS", "PUT", "DELETE", "HEAD", "PATCH"])("matches %s requests exactly as Hono's default router", (method) => {
    const paths = requestPaths();
    expect(paths.length).toBeGreaterThan(4000);
    const differences = paths.filter((path) => JSON.stringify(matches(strict, method, path)) !== JSON.stringify(matches(reference, method, path)));
    expect(differences).toEqual([]);
    // The corpus reaches every declared route of this method.
    const reached = new Set(paths.flatMap((path) => matches(reference, method, path).map((match) => match.route)));
    routes.forEach((route, index) => {
      if (route.method === method) expect(reached.has(index), `${route.method} ${route.path}`).toBe(true);
    });
  });

  it("refuses a trailing slash as the default router does (\"/transfers/\" is no route)", () => {
    const app = routes.flatMap((route, index) => (route.method === "ALL" ? [] : [index]));
    expect(matches(strict, "GET", "/transfers/").filter((match) => app.includes(match.route))).toEqual([]);
    expect(matches(strict, "GET", "/transfers").filter((match) => app.includes(match.route)).length).toBeGreaterThan(0);
  });
});
