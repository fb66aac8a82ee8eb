import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { Session } from "./auth.ts";
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

export function App({
  config,
  session,
  getToken,
  onSignOut,
}: {
  config: ResolvedConfig;
  session: Session;
  getToken: () => string | undefined;
  onSignOut: (message?: string) => void;
}) {
  const admin = session.groups.includes("admin");
  const onUnauthorized = useCallback((error: ApiError) => onSignOut(`The API refused your session (${error.code}: ${error.message}). Sign in again.`), [onSignOut]);
  const api = useMemo(() => createApi(config, { getToken, onUnauthorized }), [config, getToken, onUnauthorized]);
  const [path, navigate] = useHashPath();
  const [, section = "transfers", id] = path.split("/").map((part) => decodeURIComponent(part));
  const [filters, setFilters] = useState<TransferFilters>({ status: "", user: "" });
  const [showNew, setShowNew] = useState(false);
  const [refreshToken, setRefreshToken] = useState(0);

  // Every account and the conservation totals are for operators; a user sees their own wallet.
  const accounts = usePolling(
    `accounts:${refreshToken}`,
    () => (admin ? api.listAccounts() : new Promise<never>(() => {})),
    () => (!admin ? null : section === "accounts" ? ACCOUNTS_FAST_MS : 10_000),
  );
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
            <span className="brand-sub">Transfer saga · {admin ? "operator" : "wallet"}</span>
          </span>
        </a>
        <nav className="tabs">
          <a href="#/transfers" className={section === "transfers" ? "active" : ""}>
            Transfers
          </a>
          {admin ? (
            <a href="#/accounts" className={section === "accounts" ? "active" : ""}>
              Accounts
            </a>
          ) : (
            <a href={`#/accounts/${encodeURIComponent(session.username)}`} className={section === "accounts" ? "active" : ""}>
              My wallet
            </a>
          )}
        </nav>
        <div className="topbar-right">
          {admin ? (
            <a href="#/accounts" className="pill-link" title="Open the accounts view">
              <ConservationBadge totals={accounts.data?.totals} />
            </a>
          ) : null}
          <span className="api-host mono" title={`API ${config.apiUrl}`}>
            <span className={`dot ${accounts.error ? "bad" : accounts.data || !admin ? "ok" : ""}`} />
            {host}
          </span>
          <span
            className="session mono"
            data-testid="session"
            data-username={session.username}
            data-admin={admin ? "true" : "false"}
            title={`Signed in as ${session.username}${admin ? " (operator)" : ""}; session renewed before ${new Date(session.expiresAt).toLocaleTimeString()}`}
          >
            {session.username}
            {admin ? " · operator" : ""}
          </span>
          <button className="btn ghost small" onClick={() => onSignOut()} data-testid="sign-out">
            Sign out
          </button>
          <button className="btn primary" onClick={() => setShowNew(true)} data-testid="open-new-transfer">
            <svg className="btn-icon" viewBox="0 0 16 16" aria-hidden>
              <path d="M8 3v10M3 8h10" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
            </svg>
            New transfer
          </button>
        </div>
      </header>

      {section === "accounts" ? (
        <main className={`page ${id ? "with-panel" : ""}`}>
          {admin ? <AccountsView accounts={accounts} selectedUser={id} onSelect={(userId) => navigate(`/accounts/${encodeURIComponent(userId)}`)} /> : null}
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
          sender={session.username}
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
