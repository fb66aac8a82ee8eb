import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { createApi, type ApiError } from "./api.ts";
import { ACCOUNTS_FAST_MS, AccountPanel, AccountsView } from "./Accounts.tsx";
import type { ResolvedConfig } from "./config.ts";
import { useHashPath, usePolling } from "./hooks.ts";
import { NewTransferDialog } from "./NewTransfer.tsx";
import { remember } from "./seen.ts";
import { TransferDetailPanel } from "./TransferDetail.tsx";
import { TransfersView, type TransferFilters } from "./Transfers.tsx";
import { ConservationBadge } from "./ui.tsx";

function Logo() {
  return (
    <svg className="logo" viewBox="0 0 32 32" aria-hidden>
      <defs>
        <linearGradient id="logo-g" x1="0" y1="0" x2="1" y2="1">
          <stop offset="0" stopColor="#818cf8" />
          <stop offset="1" stopColor="#22d3ee" />
        </linearGradient>
      </defs>
      <rect width="32" height="32" rx="9" fill="url(#logo-g)" />
      <path d="M9 12.5h13.5l-4-4M23 19.5H9.5l4 4" stroke="#0b1020" strokeWidth="2.6" fill="none" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}

function TokenBar({ config, unauthorized, onToken }: { config: ResolvedConfig; unauthorized: ApiError | undefined; onToken: (token: string | undefined) => void }) {
  const [value, setValue] = useState("");
  const needed = (config.deployed && !config.adminToken) || unauthorized;
  if (!needed) return null;
  if (unauthorized && config.tokenSource === "config") {
    return (
      <div className="tokenbar">
        <span>
          <strong>The API refused the configured token</strong> ({unauthorized.code}: {unauthorized.message}). Reload the page for fresh tokens, or check config.json.
        </span>
      </div>
    );
  }
  return (
    <form
      className="tokenbar"
      onSubmit={(e) => {
        e.preventDefault();
        if (value.trim()) onToken(value.trim());
      }}
    >
      <span>
        {unauthorized ? (
          <>
            <strong>The API refused the token</strong> ({unauthorized.code}: {unauthorized.message}).
          </>
        ) : (
          <strong>This API needs an access token.</strong>
        )}{" "}
        Paste one (kept in this browser only):
      </span>
      <input type="password" aria-label="Access token" placeholder="eyJhbGciOi…" value={value} onChange={(e) => setValue(e.target.value)} />
      <button className="btn primary small" type="submit">
        Use token
      </button>
      {config.tokenSource === "pasted" ? (
        <button className="btn ghost small" type="button" onClick={() => onToken(undefined)}>
          Forget token
        </button>
      ) : null}
    </form>
  );
}

export function App({ config, onToken }: { config: ResolvedConfig; onToken: (token: string | undefined) => void }) {
  const [unauthorized, setUnauthorized] = useState<ApiError | undefined>();
  const api = useMemo(() => createApi(config, { onUnauthorized: setUnauthorized }), [config]);
  const [path, navigate] = useHashPath();
  const [, section = "transfers", id] = path.split("/").map((part) => decodeURIComponent(part));
  const [filters, setFilters] = useState<TransferFilters>({ status: "", user: "" });
  const [showNew, setShowNew] = useState(false);
  const [refreshToken, setRefreshToken] = useState(0);

  const accounts = usePolling(`accounts:${refreshToken}`, () => api.listAccounts(), () => (section === "accounts" ? ACCOUNTS_FAST_MS : 10_000));
  // Entering the accounts view refreshes at once instead of at the next slow tick.
  const reloadAccounts = accounts.reload;
  const previousSection = useRef(section);
  useEffect(() => {
    if (previousSection.current !== section && section === "accounts") reloadAccounts();
    previousSection.current = section;
  }, [section, reloadAccounts]);
  const knownUsers = useMemo(
    () => (accounts.data?.items ?? []).filter((a) => a.kind === "user").map((a) => a.userId).sort(),
    [accounts.data],
  );
  const onFilters = useCallback((next: TransferFilters) => setFilters(next), []);
  const host = (() => {
    try {
      return new URL(config.apiUrl).host;
    } catch {
      return config.apiUrl;
    }
  })();

  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href="#/transfers">
          <Logo />
          <span>
            <span className="brand-name">E-wallet</span>
            <span className="brand-sub">Transfer saga · operator</span>
          </span>
        </a>
        <nav className="tabs">
          <a href="#/transfers" className={section === "transfers" ? "active" : ""}>
            Transfers
          </a>
          <a href="#/accounts" className={section === "accounts" ? "active" : ""}>
            Accounts
          </a>
        </nav>
        <div className="topbar-right">
          <a href="#/accounts" className="pill-link" title="Open the accounts view">
            <ConservationBadge totals={accounts.data?.totals} />
          </a>
          <span className="api-host mono" title={`API ${config.apiUrl}${config.adminToken ? " · authenticated" : ""}`}>
            <span className={`dot ${accounts.error ? "bad" : accounts.data ? "ok" : ""}`} />
            {host}
          </span>
          <button className="btn primary" onClick={() => setShowNew(true)} data-testid="open-new-transfer">
            <svg className="btn-icon" viewBox="0 0 16 16" aria-hidden>
              <path d="M8 3v10M3 8h10" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
            </svg>
            New transfer
          </button>
        </div>
      </header>
      <TokenBar
        config={config}
        unauthorized={unauthorized}
        onToken={(token) => {
          setUnauthorized(undefined);
          onToken(token);
        }}
      />

      {section === "accounts" ? (
        <main className={`page ${id ? "with-panel" : ""}`}>
          <AccountsView accounts={accounts} selectedUser={id} onSelect={(userId) => navigate(`/accounts/${encodeURIComponent(userId)}`)} />
          {id ? <AccountPanel key={id} api={api} userId={id} onClose={() => navigate("/accounts")} onTransfer={(transferId) => navigate(`/transfers/${transferId}`)} /> : null}
        </main>
      ) : (
        <main className={`page ${id ? "with-panel" : ""}`}>
          <TransfersView
            api={api}
            filters={filters}
            onFilters={onFilters}
            selectedId={id}
            onSelect={(transferId) => navigate(`/transfers/${transferId}`)}
            knownUsers={knownUsers}
            refreshToken={refreshToken}
          />
          {id ? (
            <TransferDetailPanel
              key={id}
              api={api}
              transferId={id}
              onClose={() => navigate("/transfers")}
              onAccount={(userId) => navigate(`/accounts/${encodeURIComponent(userId)}`)}
            />
          ) : null}
        </main>
      )}

      {showNew ? (
        <NewTransferDialog
          api={api}
          config={config}
          knownUsers={knownUsers}
          onClose={() => setShowNew(false)}
          onCreated={(created) => {
            remember([{ ...created, updatedAt: created.createdAt }]);
            setShowNew(false);
            setRefreshToken((n) => n + 1);
            navigate(`/transfers/${created.transferId}`);
          }}
        />
      ) : null}
    </div>
  );
}
