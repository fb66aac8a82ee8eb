import { useState, type FormEvent } from "react";
import { AuthError, signIn, type Session } from "./auth.ts";
import type { ResolvedConfig } from "./config.ts";

/** Username and password, checked by the stage's user pool (InitiateAuth). */
export function SignIn({ config, notice, onSignedIn }: { config: ResolvedConfig; notice?: string; onSignedIn: (session: Session) => void }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AuthError | undefined>();

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy || !username.trim() || !password) return;
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await signIn(config.auth, username.trim(), password));
    } catch (e) {
      setError(e instanceof AuthError ? e : new AuthError("CLIENT_ERROR", e instanceof Error ? e.message : String(e)));
      setPassword("");
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="signin-page">
      <form className="dialog signin" onSubmit={submit} data-testid="sign-in" aria-labelledby="sign-in-title">
        <header className="dialog-head">
          <div>
            <h2 id="sign-in-title">Sign in</h2>
            <p className="muted small">E-wallet operators' dashboard</p>
          </div>
        </header>
        <div className="dialog-body">
          {notice ? (
            <div className="note" role="status" data-testid="sign-in-notice">
              {notice}
            </div>
          ) : null}
          <label className="field">
            <span className="field-label">Username</span>
            <input name="username" autoComplete="username" autoFocus spellCheck={false} value={username} onChange={(e) => setUsername(e.target.value)} />
          </label>
          <label className="field">
            <span className="field-label">Password</span>
            <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
          </label>
          {error ? (
            <div className="note note-error" role="alert" data-testid="sign-in-error" data-code={error.code}>
              {error.message}
            </div>
          ) : null}
        </div>
        <footer className="dialog-foot">
          <button type="submit" className="btn primary" disabled={busy || !username.trim() || !password} data-testid="sign-in-submit">
            {busy ? "Signing in…" : "Sign in"}
          </button>
        </footer>
      </form>
    </div>
  );
}
