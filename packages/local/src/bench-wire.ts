/**
 * What the bench counts besides time: requests per server port, read on the client sockets, and
 * the CPU each engine spent, read from /proc (so a figure per transfer holds on a busy machine).
 */
import net from "node:net";
import { readFileSync } from "node:fs";
import { childPids, dynamoLocalPids, postmasterPids } from "./processes.ts";

// ------------------------------------------------------------------ wire counters
/**
 * Counts requests per server port by watching client sockets: a write after the socket has
 * read something since its previous write (or its first write) starts a new round trip.
 * For HTTP (DynamoDB) that is one request; the X-Amz-Target header names the operation.
 */
export const wire = {
  ports: new Map<number, { roundTrips: number; targets: Map<string, number> }>(),
  counting: false,
  watch(port: number) {
    const counter = { roundTrips: 0, targets: new Map<string, number>() };
    this.ports.set(port, counter);
    return counter;
  },
  reset() {
    for (const counter of this.ports.values()) {
      counter.roundTrips = 0;
      counter.targets.clear();
    }
  },
};
const lastRead = new WeakMap<net.Socket, number>();
// A request written on a socket still connecting has no remotePort yet: remember where it connects.
const connectPort = new WeakMap<net.Socket, number>();
const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const port = typeof first === "object" && first !== null ? (first as { port?: unknown }).port : first;
  if (port !== undefined && Number.isInteger(Number(port))) connectPort.set(this, Number(port));
  return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;
const originalWrite = net.Socket.prototype.write;
net.Socket.prototype.write = function (this: net.Socket, chunk: unknown, ...rest: unknown[]) {
  const counter = wire.counting ? wire.ports.get(this.remotePort ?? connectPort.get(this) ?? -1) : undefined;
  if (counter && lastRead.get(this) !== this.bytesRead) {
    lastRead.set(this, this.bytesRead);
    counter.roundTrips += 1;
    const head = typeof chunk === "string" ? chunk.slice(0, 2000) : Buffer.isBuffer(chunk) ? chunk.subarray(0, 2000).toString("latin1") : "";
    const target = /x-amz-target:\s*\w+\.(\w+)/i.exec(head)?.[1];
    if (target) counter.targets.set(target, (counter.targets.get(target) ?? 0) + 1);
  }
  return (originalWrite as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
} as typeof net.Socket.prototype.write;

export const DYNAMO_WRITES = new Set(["PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"]);
export const DYNAMO_READS = new Set(["GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"]);
export const STREAM_CALLS = new Set(["GetRecords", "GetShardIterator", "DescribeStream", "ListStreams"]);


// ------------------------------------------------------------------ CPU per process
/** Linux reports process times in clock ticks; USER_HZ is 100 on every architecture Node supports here. */
const TICK_MS = 10;

function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may contain spaces.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined; // exited
  }
}

/** CPU milliseconds (user + system) a process has used, plus those of its children it has reaped. */
function processCpuMs(pid: number, withReapedChildren: boolean): number {
  const fields = statFields(pid);
  if (!fields) return 0;
  // stat(5): utime(14) stime(15) cutime(16) cstime(17); `fields` starts at field 3.
  const ticks = Number(fields[11]) + Number(fields[12]) + (withReapedChildren ? Number(fields[13]) + Number(fields[14]) : 0);
  return ticks * TICK_MS;
}

/** A reader of the CPU time used so far by this process, DynamoDB Local (by port) and Postgres (postmaster + backends, by port). */
export function cpuMeter(dynamoPort: number, postgresPort: number) {
  const java = dynamoLocalPids(dynamoPort);
  const postmaster = postmasterPids(postgresPort);
  return () => ({
    nodeMs: (({ user, system }) => (user + system) / 1000)(process.cpuUsage()),
    dynamoLocalMs: java.reduce((sum, pid) => sum + processCpuMs(pid, false), 0),
    // Backends that exited were reaped by the postmaster: their time is in its cutime/cstime.
    postgresMs: postmaster.reduce((sum, pid) => sum + processCpuMs(pid, true) + childPids(pid).reduce((s, child) => s + processCpuMs(child, false), 0), 0),
  });
}
