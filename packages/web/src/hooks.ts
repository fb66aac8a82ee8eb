import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from "react";

/** The current time, re-rendered every `everyMs` (for ages such as "3 s ago"). */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

function subscribeVisibility(callback: () => void) {
  document.addEventListener("visibilitychange", callback);
  return () => document.removeEventListener("visibilitychange", callback);
}

export function usePageVisible(): boolean {
  return useSyncExternalStore(subscribeVisibility, () => document.visibilityState !== "hidden");
}

export interface Polled<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** When the last successful load finished. */
  updatedAt: number | undefined;
  reload: () => void;
}

/**
 * Loads with `load` whenever `key` changes, then again `intervalMs(data)` after each
 * load finishes (never overlapping; paused while the tab is hidden). `intervalMs`
 * returning null stops polling. Results of a stale key are dropped.
 */
export function usePolling<T>(key: string, load: () => Promise<T>, intervalMs: (data: T | undefined) => number | null): Polled<T> {
  const [state, setState] = useState<{ key: string; data: T | undefined; error: unknown; loading: boolean; updatedAt: number | undefined }>({
    key,
    data: undefined,
    error: undefined,
    loading: true,
    updatedAt: undefined,
  });
  const visible = usePageVisible();
  const [reloads, setReloads] = useState(0);
  const loadRef = useRef(load);
  const intervalRef = useRef(intervalMs);
  loadRef.current = load;
  intervalRef.current = intervalMs;

  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let latest: T | undefined = state.key === key ? state.data : undefined;
    if (state.key !== key) setState({ key, data: undefined, error: undefined, loading: true, updatedAt: undefined });
    const run = async () => {
      try {
        const data = await loadRef.current();
        if (cancelled) return;
        latest = data;
        setState({ key, data, error: undefined, loading: false, updatedAt: Date.now() });
      } catch (error) {
        if (cancelled) return;
        setState((previous) => ({ ...previous, key, error, loading: false }));
      }
      if (cancelled || !visible) return;
      const next = intervalRef.current(latest);
      if (next !== null) timer = setTimeout(run, next);
    };
    void run();
    return () => {
      cancelled = true;
      if (timer) clearTimeout(timer);
    };
    // `state` is read only to keep showing data while the same key reloads.
  }, [key, visible, reloads]);

  const reload = useCallback(() => setReloads((n) => n + 1), []);
  const current = state.key === key ? state : { data: undefined, error: undefined, loading: true, updatedAt: undefined };
  return { data: current.data, error: current.error, loading: current.loading, updatedAt: current.updatedAt, reload };
}

/** Reads and follows `location.hash` as a path ("#/transfers/01J…" → "/transfers/01J…"). */
export function useHashPath(): [string, (path: string) => void] {
  const read = () => decodeURI(location.hash.replace(/^#/, "")) || "/transfers";
  const [path, setPath] = useState(read);
  useEffect(() => {
    const onChange = () => setPath(read());
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  const navigate = useCallback((next: string) => {
    if (read() !== next) location.hash = next;
  }, []);
  return [path, navigate];
}
