import { StrictMode, useCallback, useEffect, useRef, useState } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.tsx";
import { AuthError, loadSession, refresh, refreshDelayMs, saveSession, type Session } from "./auth.ts";
import { loadConfig, type ResolvedConfig } from "./config.ts";
import { SignIn } from "./SignIn.tsx";
import "./styles.css";

const RETRY_REFRESH_MS = 5_000;

/** Holds the session: signs in, refreshes it before its access token expires, signs out. */
function Root({ config }: { config: ResolvedConfig }) {
  const [session, setSession] = useState<Session | undefined>(() => loadSession());
  const [notice, setNotice] = useState<string | undefined>();
  // The API client reads the current token through this, so a refresh never restarts the app.
  const current = useRef(session);
  current.current = session;

  const update = useCallback((next: Session | undefined, message?: string) => {
    saveSession(next);
    current.current = next;
    setSession(next);
    setNotice(message);
  }, []);

  useEffect(() => {
    if (!session) return;
    let timer: ReturnType<typeof setTimeout>;
    let cancelled = false;
    const run = async () => {
      try {
        const next = await refresh(config.auth, session);
        if (!cancelled) update(next);
      } catch (error) {
        if (cancelled) return;
        if (error instanceof AuthError && error.code !== "NETWORK_ERROR") {
          update(undefined, `Your session ended (${error.message}). Sign in again.`);
        } else if (Date.now() < session.expiresAt) {
          timer = setTimeout(run, RETRY_REFRESH_MS);
        } else {
          update(undefined, "Your session expired while the sign-in service was unreachable. Sign in again.");
        }
      }
    };
    timer = setTimeout(run, refreshDelayMs(session));
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [session, config.auth, update]);

  if (!session) return <SignIn config={config} notice={notice} onSignedIn={(next) => update(next)} />;
  return (
    <App
      // Another user starts the app afresh; a refresh of the same user's tokens does not.
      key={session.username}
      config={config}
      session={session}
      getToken={() => current.current?.accessToken}
      onSignOut={(message) => update(undefined, message)}
    />
  );
}

const root = createRoot(document.getElementById("root")!);
loadConfig().then(
  (config) =>
    root.render(
      <StrictMode>
        <Root config={config} />
      </StrictMode>,
    ),
  (error: unknown) =>
    root.render(
      <div className="fatal">
        <h1>The dashboard could not start</h1>
        <p>{error instanceof Error ? error.message : String(error)}</p>
      </div>,
    ),
);
