/**
 * The dashboard offline: serves packages/web's built `dist/` (what S3/CloudFront serve in
 * the cloud) on 127.0.0.1, plus `GET /config.json` telling the page where the API and the
 * sign-in endpoint are (never a token: people sign in). Builds the dashboard first when `dist/` is missing or older than
 * its sources, so `pnpm start` works on a fresh clone.
 */
import { serve, type ServerType } from "@hono/node-server";
import { spawn } from "node:child_process";
import { createReadStream, existsSync, readdirSync, statSync } from "node:fs";
import { stat } from "node:fs/promises";
import { dirname, extname, join, normalize, resolve, sep } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { freePort } from "./engines.ts";

export const WEB_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../web");
export const DEFAULT_DIST_DIR = join(WEB_DIR, "dist");

export interface DashboardOptions {
  /** HTTP port; 0 or absent picks a free one. */
  port?: number;
  apiUrl: string;
  /** The Cognito-compatible sign-in endpoint (InitiateAuth) and the dashboard's app client id. */
  auth: { url: string; clientId: string };
  /** Serve this directory instead of packages/web/dist (then it is never built). */
  distDir?: string;
}

export interface Dashboard {
  url: string;
  stop(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** Newest modification time under `path` (files only), skipping node_modules and dist. */
function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "dist" || entry.name.startsWith(".")) continue;
    newest = Math.max(newest, newestMtime(join(path, entry.name)));
  }
  return newest;
}

/** True when packages/web/dist is missing or older than the dashboard's sources. */
export function dashboardNeedsBuild(webDir = WEB_DIR): boolean {
  const built = join(webDir, "dist", "index.html");
  if (!existsSync(built)) return true;
  const sources = Math.max(
    ...["src", "index.html", "vite.config.ts", "package.json"].map((name) => newestMtime(join(webDir, name))),
  );
  return sources > statSync(built).mtimeMs;
}

/** Runs packages/web's `vite build` in a child process (with this Node), so no Vite state lands here. */
export async function buildDashboard(webDir = WEB_DIR): Promise<void> {
  const viteBin = join(webDir, "node_modules", "vite", "bin", "vite.js");
  if (!existsSync(viteBin)) throw new Error(`Cannot build the dashboard: ${viteBin} is missing (run pnpm install)`);
  const output: string[] = [];
  await new Promise<void>((resolvePromise, reject) => {
    const child = spawn(process.execPath, [viteBin, "build", "--logLevel", "warn"], { cwd: webDir, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code, signal) =>
      code === 0 ? resolvePromise() : reject(new Error(`vite build failed (${signal ?? `exit ${code}`}):\n${output.join("")}`)),
    );
  });
}

/**
 * DNS rebinding: a page on evil.example can make its own name resolve to 127.0.0.1 and then read
 * this server same-origin, with its own name in the Host header. Only our loopback names pass.
 */
export function isOwnHost(host: string | null, port: number): boolean {
  return host !== null && [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].includes(host.toLowerCase());
}

let building: Promise<void> | undefined;

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const distDir = resolve(options.distDir ?? DEFAULT_DIST_DIR);
  if (!options.distDir && dashboardNeedsBuild()) {
    // One build at a time within this process.
    building ??= buildDashboard().finally(() => (building = undefined));
    await building;
  }
  if (!existsSync(join(distDir, "index.html"))) throw new Error(`No dashboard build in ${distDir} (index.html missing)`);

  const config = JSON.stringify({
    apiUrl: options.apiUrl.replace(/\/+$/, ""),
    auth: { endpoint: options.auth.url, clientId: options.auth.clientId },
  });

  async function file(path: string, cache: string): Promise<Response | undefined> {
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    const body = Readable.toWeb(createReadStream(path)) as ReadableStream;
    return new Response(body, {
      headers: {
        "content-type": CONTENT_TYPES[extname(path).toLowerCase()] ?? "application/octet-stream",
        "content-length": String(info.size),
        "cache-control": cache,
        "x-content-type-options": "nosniff",
      },
    });
  }

  async function handle(request: Request): Promise<Response> {
    if (request.method !== "GET" && request.method !== "HEAD") return new Response("Method not allowed", { status: 405, headers: { allow: "GET, HEAD" } });
    const { pathname } = new URL(request.url);
    if (pathname === "/config.json") {
      if (!isOwnHost(request.headers.get("host"), port)) return new Response("Misdirected request", { status: 421 });
      return new Response(config, { headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" } });
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return new Response("Bad request", { status: 400 });
    }
    const target = normalize(join(distDir, decoded));
    if (target !== distDir && !target.startsWith(distDir + sep)) return new Response("Not found", { status: 404 });
    // Hashed assets never change; everything else is revalidated.
    const cache = decoded.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache";
    const found = (await file(target, cache)) ?? (decoded.endsWith("/") ? await file(join(target, "index.html"), "no-cache") : undefined);
    // The app routes by hash (#/transfers/…), so there is no history-API fallback to serve.
    return found ?? new Response("Not found", { status: 404 });
  }

  const port = options.port === undefined || options.port === 0 ? await freePort() : options.port;
  const server: ServerType = await new Promise((resolveServer, reject) => {
    const s = serve({ fetch: handle, port, hostname: "127.0.0.1" }, () => resolveServer(s));
    s.once("error", reject);
  });

  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolveStop) => {
        // Open keep-alive connections (a browser) must not hold the close.
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolveStop());
      }),
  };
}
