/**
 * Standard workflows outlive the process that started them: offline, executions in flight are
 * journaled (one JSON line each time one enters a task state, one when it finishes), so that
 * `pnpm start` after a crash or a kill resumes each at the task it was in, with the document that
 * task received — as a redrive does. Every task is idempotent (the inbox, conditional moves), so
 * re-running the task that was in flight is safe, just as a Lambda retry is.
 */
import { closeSync, existsSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";

export interface JournalEntry {
  executionId: string;
  state: string;
  input: unknown;
}

type Line = { e: string; s?: string; i?: unknown; done?: true };

/** Rewrite the file with only the running executions after this many finished ones. */
const COMPACT_EVERY = 5_000;

export class ExecutionJournal {
  private fd: number;
  private readonly running = new Map<string, JournalEntry>();
  private finishedSinceCompaction = 0;

  /** Opens the journal; `pending` are the executions a previous process left unfinished. */
  constructor(private readonly path: string) {
    this.pending = existsSync(path) ? ExecutionJournal.unfinished(readFileSync(path, "utf8")) : [];
    for (const entry of this.pending) this.running.set(entry.executionId, entry);
    this.fd = openSync(path, "a");
    this.compact();
  }

  readonly pending: JournalEntry[];

  private static unfinished(text: string): JournalEntry[] {
    const open = new Map<string, JournalEntry>();
    for (const raw of text.split("\n")) {
      if (!raw) continue;
      let line: Line;
      try {
        line = JSON.parse(raw) as Line;
      } catch {
        continue; // A line cut short by a kill: the entry before it still holds.
      }
      if (line.done) open.delete(line.e);
      else if (line.s) open.set(line.e, { executionId: line.e, state: line.s, input: line.i });
    }
    return [...open.values()];
  }

  private write(line: Line) {
    writeSync(this.fd, JSON.stringify(line) + "\n");
  }

  entered(entry: JournalEntry) {
    this.running.set(entry.executionId, entry);
    this.write({ e: entry.executionId, s: entry.state, i: entry.input });
  }

  finished(executionId: string) {
    if (!this.running.delete(executionId)) return;
    this.write({ e: executionId, done: true });
    if (++this.finishedSinceCompaction >= COMPACT_EVERY) this.compact();
  }

  /** Keeps the file as small as what is running. */
  private compact() {
    this.finishedSinceCompaction = 0;
    const next = `${this.path}.next`;
    const fd = openSync(next, "w");
    for (const entry of this.running.values()) writeSync(fd, JSON.stringify({ e: entry.executionId, s: entry.state, i: entry.input }) + "\n");
    closeSync(fd);
    renameSync(next, this.path);
    closeSync(this.fd);
    this.fd = openSync(this.path, "a");
  }

  close() {
    closeSync(this.fd);
  }
}
