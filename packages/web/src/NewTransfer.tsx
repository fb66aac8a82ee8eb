import { useEffect, useRef, useState, type FormEvent } from "react";
import { Amount } from "@ewallet/core/money";
import { ApiError, newIdempotencyKey, type Api, type NewTransfer } from "./api.ts";
import type { CreatedTransfer } from "./types.ts";
import { Money, Parties } from "./ui.tsx";

type Field = keyof NewTransfer;
const FIELDS: Field[] = ["senderUserId", "receiverUserId", "amount"];

/** A transfer from the signed-in user's own wallet (the only one they may send from). */
export function NewTransferDialog({ api, sender, knownUsers, onClose, onCreated }: { api: Api; sender: string; knownUsers: string[]; onClose: () => void; onCreated: (created: CreatedTransfer) => void }) {
  const [form, setForm] = useState<NewTransfer>({ senderUserId: sender, receiverUserId: knownUsers.find((u) => u !== sender) ?? "", amount: "" });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const [lastKey, setLastKey] = useState<string | undefined>();
  const first = useRef<HTMLInputElement>(null);

  useEffect(() => {
    first.current?.focus();
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);

  const fieldErrors = new Map<string, string[]>();
  for (const f of error?.fields ?? []) {
    const key = FIELDS.includes(f.path as Field) ? f.path : "(other)";
    fieldErrors.set(key, [...(fieldErrors.get(key) ?? []), key === "(other)" && f.path !== "(root)" ? `${f.path}: ${f.message}` : f.message]);
  }
  const actingAs = sender;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(undefined);
    // One submission, one fresh key: a retry of THIS request would reuse it, a new submission never does.
    const key = newIdempotencyKey();
    setLastKey(key);
    try {
      const created = await api.createTransfer({ senderUserId: form.senderUserId.trim(), receiverUserId: form.receiverUserId.trim(), amount: form.amount.trim() }, key);
      onCreated(created);
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, "CLIENT_ERROR", e instanceof Error ? e.message : String(e)));
    } finally {
      setBusy(false);
    }
  }

  const input = (field: Field, label: string, extra: { placeholder?: string; inputMode?: "decimal"; list?: string; autoFocus?: boolean; readOnly?: boolean } = {}) => {
    const errors = fieldErrors.get(field);
    return (
      <label className={`field ${errors ? "invalid" : ""}`} data-field={field}>
        <span className="field-label">{label}</span>
        <input
          ref={field === "receiverUserId" ? first : undefined}
          readOnly={extra.readOnly}
          name={field}
          value={form[field]}
          autoComplete="off"
          spellCheck={false}
          placeholder={extra.placeholder}
          inputMode={extra.inputMode}
          list={extra.list}
          aria-invalid={errors ? true : undefined}
          onChange={(e) => setForm({ ...form, [field]: e.target.value })}
        />
        {errors?.map((message) => (
          <span className="field-error" key={message} data-testid={`error-${field}`}>
            {message}
          </span>
        ))}
      </label>
    );
  };

  const other = fieldErrors.get("(other)");
  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <form className="dialog" role="dialog" aria-modal="true" aria-labelledby="new-transfer-title" onSubmit={submit} noValidate data-testid="new-transfer">
        <header className="dialog-head">
          <div>
            <h2 id="new-transfer-title">New transfer</h2>
            <p className="muted small">Sent as {actingAs}, with a fresh Idempotency-Key.</p>
          </div>
          <button type="button" className="icon-btn" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </header>
        <div className="dialog-body">
          <div className="field-row">
            {input("senderUserId", "From (you)", { readOnly: true })}
            <span className="icon-btn swap" aria-hidden>
              →
            </span>
            {input("receiverUserId", "To", { placeholder: "bob", list: "known-users-form" })}
          </div>
          {input("amount", "Amount (EUR)", { placeholder: "10.00", inputMode: "decimal" })}
          <datalist id="known-users-form">
            {knownUsers.filter((u) => u !== sender).map((u) => (
              <option key={u} value={u} />
            ))}
          </datalist>
          {Amount.safeParse(form.amount.trim()).success && form.senderUserId && form.receiverUserId ? (
            <div className="preview">
              <Money value={form.amount.trim()} currency="EUR" />
              <Parties from={form.senderUserId.trim()} to={form.receiverUserId.trim()} />
            </div>
          ) : null}
          {error ? (
            <div className="note note-error" role="alert" data-testid="form-error">
              <strong>{error.status ? `Refused (${error.status})` : "Not sent"}</strong>
              <code className="code">{error.code}</code>
              <span>{error.message}</span>
              {other?.map((m) => (
                <span key={m} className="block">
                  {m}
                </span>
              ))}
            </div>
          ) : null}
        </div>
        <footer className="dialog-foot">
          <span className="muted small mono key" title="Idempotency-Key of the last submission">
            {lastKey ? `key ${lastKey}` : ""}
          </span>
          <button type="button" className="btn ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn primary" disabled={busy} data-testid="submit-transfer">
            {busy ? "Sending…" : "Send transfer"}
          </button>
        </footer>
      </form>
    </div>
  );
}
