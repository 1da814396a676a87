import { settlesWithin } from "@gocacheprog/common";
import { type DestinationStream, type Logger, pino } from "pino";

export type { Logger };

/**
 * Structured logs. Bearer tokens travel in the authorization header, so every place a header map
 * could end up in a log line is redacted, not just the one we log today.
 */
export const REDACT_PATHS = [
  "req.headers.authorization",
  "headers.authorization",
  "authorization",
  "*.authorization",
  "token",
  "*.token",
  "redisUrl",
  "*.redisUrl",
  "redisPassword",
  "*.redisPassword",
  "tokens",
  "*.tokens",
  // Node's URL errors (ERR_INVALID_URL) keep the refused text as `input`, and pino's err serializer copies it:
  // a mistyped --redis-url or --status-url would put its password in the log.
  "err.input",
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, base: { service: "gocacheprog-server" }, redact: { paths: REDACT_PATHS, censor: "[redacted]" } };
  return pino(options, destination ?? stderr());
}

type Stderr = ReturnType<typeof pino.destination>;
let stderrStream: Stderr | undefined;

/**
 * Asynchronous and bounded: with pino's default synchronous writes, a stderr reader that stops
 * reading (a stalled log shipper, a dead parent) blocks the whole server in a retry loop. Here a
 * stalled reader costs at most 8 MiB of buffered lines, then lines are dropped.
 */
function stderr(): Stderr {
  if (!stderrStream) {
    // minLength 1 writes every line at once like minLength 0, but makes flush(cb) wait for the
    // buffer to drain instead of calling back immediately.
    stderrStream = pino.destination({ dest: 2, sync: false, minLength: 1, maxLength: 8 * 1024 * 1024 });
    stderrStream.on("error", () => {});
  }
  return stderrStream;
}

/** Before exiting: write out buffered lines, but give up (dropping them) if stderr does not drain in time. */
export async function flushLogs(timeoutMs: number): Promise<void> {
  const stream = stderrStream;
  if (!stream || (stream as unknown as { destroyed: boolean }).destroyed) return;
  const flushed = await settlesWithin(new Promise<void>((resolve) => stream.flush(() => resolve())), timeoutMs);
  // pino flushes synchronously on exit, which would spin forever on a stalled pipe.
  if (!flushed) stream.destroy();
}
