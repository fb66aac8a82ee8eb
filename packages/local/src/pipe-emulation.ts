/**
 * The parts of EventBridge Pipes the offline stack needs, applied to core's pipe
 * definitions: the event a DynamoDB stream record becomes, event-pattern matching
 * (exact-value arrays, nested objects), input templates (`<$.path>` placeholders) and
 * the target input (a JSON array of the batch). Unsupported pattern operators throw,
 * so a filter that the cloud would read differently can never pass silently here.
 */
import type { AttributeValue, _Record } from "@aws-sdk/client-dynamodb-streams";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function matchesPattern(pattern: unknown, event: unknown): boolean {
  if (Array.isArray(pattern)) {
    for (const candidate of pattern) {
      if (candidate !== null && typeof candidate === "object") {
        throw new Error(`Unsupported event-pattern operator: ${JSON.stringify(candidate)}`);
      }
    }
    // A pattern array matches a scalar equal to one of its values (or an array sharing one).
    const values = Array.isArray(event) ? event : [event];
    return values.some((value) => pattern.includes(value as never));
  }
  if (pattern !== null && typeof pattern === "object") {
    if (event === null || typeof event !== "object") return false;
    return Object.entries(pattern).every(([key, sub]) => matchesPattern(sub, (event as Record<string, unknown>)[key]));
  }
  throw new Error(`Event-pattern leaves must be arrays, got ${JSON.stringify(pattern)}`);
}

function valueAt(event: Json, path: string): Json | undefined {
  if (!path.startsWith("$.")) throw new Error(`Unsupported input-template path ${path}`);
  let current: Json | undefined = event;
  for (const key of path.slice(2).split(".")) {
    if (current === null || typeof current !== "object" || Array.isArray(current)) return undefined;
    current = current[key];
  }
  return current;
}

/** Renders a Pipes input template against one (JSON-serialisable) event and parses the result. */
export function renderInputTemplate(template: string, event: unknown): unknown {
  const json = JSON.parse(JSON.stringify(event)) as Json;
  const rendered = template.replace(/("?)<(\$[^>]*)>("?)/g, (_match, open: string, path: string, close: string) => {
    const value = valueAt(json, path);
    if (value === undefined) throw new Error(`Input template path ${path} is missing in the event`);
    // Inside quotes a string is spliced in escaped; elsewhere the value goes in as JSON.
    if (open && close) return typeof value === "string" ? JSON.stringify(value) : JSON.stringify(JSON.stringify(value));
    return `${open}${JSON.stringify(value)}${close}`;
  });
  return JSON.parse(rendered);
}

type JsonAttributeValue = { [type: string]: Json };

/** An attribute value as it is on the wire (JSON): binary as base64, numbers as strings, maps and lists recursively. */
function attributeValueJson(value: AttributeValue): JsonAttributeValue {
  const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.M !== undefined) return { M: imageJson(value.M) };
  if (value.L !== undefined) return { L: value.L.map(attributeValueJson) };
  const [type, scalar] = Object.entries(value).find(([, v]) => v !== undefined) as [string, Json];
  return { [type]: scalar };
}

function imageJson(image: Record<string, AttributeValue>): Record<string, JsonAttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, attributeValueJson(value)]));
}

/** The event Pipes receives for one DynamoDB stream record ("Amazon DynamoDB stream as a source"). */
export interface PipesDynamoDBStreamEvent {
  eventID: string;
  eventName: string;
  eventVersion: string;
  eventSource: "aws:dynamodb";
  awsRegion: string;
  dynamodb: {
    /** UNIX epoch seconds (the SDK hands back a Date; the wire and Pipes carry the number). */
    ApproximateCreationDateTime?: number;
    Keys: Record<string, JsonAttributeValue>;
    NewImage?: Record<string, JsonAttributeValue>;
    OldImage?: Record<string, JsonAttributeValue>;
    SequenceNumber: string;
    SizeBytes: number;
    StreamViewType: string;
  };
  eventSourceARN: string;
  userIdentity?: { principalId: string; type: string };
}

/** A stream record read with the SDK (GetRecords), as the pipe sees it: JSON, plus the stream's ARN as eventSourceARN. */
export function pipesDynamoDBEvent(record: _Record, eventSourceARN: string): PipesDynamoDBStreamEvent {
  const stream = record.dynamodb ?? {};
  const created = stream.ApproximateCreationDateTime;
  return {
    eventID: record.eventID!,
    eventName: record.eventName!,
    eventVersion: record.eventVersion!,
    eventSource: "aws:dynamodb",
    awsRegion: record.awsRegion!,
    dynamodb: {
      ...(created ? { ApproximateCreationDateTime: Math.floor(created.getTime() / 1000) } : {}),
      Keys: imageJson(stream.Keys ?? {}),
      ...(stream.NewImage ? { NewImage: imageJson(stream.NewImage) } : {}),
      ...(stream.OldImage ? { OldImage: imageJson(stream.OldImage) } : {}),
      SequenceNumber: stream.SequenceNumber!,
      SizeBytes: stream.SizeBytes!,
      StreamViewType: stream.StreamViewType!,
    },
    eventSourceARN,
    ...(record.userIdentity ? { userIdentity: { principalId: record.userIdentity.PrincipalId!, type: record.userIdentity.Type! } } : {}),
  };
}

/**
 * What a Lambda or Step Functions target receives for a batch: one JSON array of the batch's
 * events, each rendered by the input template on its own, "even if the batch size is 1"
 * ("Amazon EventBridge Pipes batching and concurrency").
 */
export function renderTargetInput(template: string | undefined, batch: unknown[]): unknown[] {
  return batch.map((event) => (template === undefined ? JSON.parse(JSON.stringify(event)) : renderInputTemplate(template, event)));
}
