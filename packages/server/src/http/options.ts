import { type OptionDef, TIMER_MAX } from "@gocacheprog/common";

/** The HTTP server's limits: the part of the server's option schema about requests and connections (config.ts spreads it in). */
export const httpOptionDefs = {
  maxInFlight: {
    flag: "max-in-flight",
    env: "GOCACHEPROG_SERVER_MAX_IN_FLIGHT",
    kind: "int",
    min: "0",
    default: "256",
    description:
      "Requests in progress at once (a request counts until its response is over and its work done, even when the client hung up); more are answered at once with 503 and Retry-After instead of queueing. /healthz, /readyz and /metrics are never refused (0 = no limit).",
  },
  maxInFlightPerToken: {
    flag: "max-in-flight-per-token",
    env: "GOCACHEPROG_SERVER_MAX_IN_FLIGHT_PER_TOKEN",
    kind: "int",
    min: "0",
    default: "64",
    description:
      "Requests in progress at once per token; more get 429 and Retry-After, so one flooding token cannot take the whole server (a client holds at most --remote-connections plus --upload-concurrency; raise this when many runners share one token). Unknown tokens share one such budget; open access has none (0 = no limit).",
  },
  requestTimeout: {
    flag: "request-timeout",
    env: "GOCACHEPROG_SERVER_REQUEST_TIMEOUT",
    kind: "duration",
    max: TIMER_MAX,
    default: "10m",
    description:
      "Longest time to receive one whole request, body included (Node's requestTimeout): a client trickling an upload is cut off after it. Allow for your largest output on your slowest link (0 = no limit).",
  },
  headersTimeout: {
    flag: "headers-timeout",
    env: "GOCACHEPROG_SERVER_HEADERS_TIMEOUT",
    kind: "duration",
    max: TIMER_MAX,
    default: "30s",
    description: "Longest time to receive a request's headers (Node's headersTimeout), so idle half-open requests cannot pile up.",
  },
  idleTimeout: {
    flag: "idle-timeout",
    env: "GOCACHEPROG_SERVER_IDLE_TIMEOUT",
    kind: "duration",
    max: TIMER_MAX,
    default: "2m",
    description:
      "Longest a connection may go without a byte moving once its response has begun (a client that stopped reading a download or a warm-start stream): it is closed, stopping its reads (its admission slots come back once those have ended). Time before the response (a module fill, a slow upload) does not count (0 = no limit).",
  },
} as const satisfies Record<string, OptionDef>;
