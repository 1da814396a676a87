import type { OptionDef } from "@gocacheprog/common";

/** The status page's part of the server's option schema (config.ts spreads it in). */
export const statusOptionDefs = {
  statusPublic: {
    flag: "status-public",
    env: "GOCACHEPROG_SERVER_STATUS_PUBLIC",
    kind: "boolean",
    description:
      "Show the status page (/ and /v1/status) of every namespace to anyone who can reach the server, without a token. Off: a namespace token sees its namespace, an admin token all.",
  },
  statusUrl: {
    flag: "status-url",
    env: "GOCACHEPROG_SERVER_STATUS_URL",
    kind: "string",
    description: "`gocacheprog-server status` asks this server (base URL). Empty = http://<--listen>.",
  },
  statusTokenFile: {
    flag: "status-token-file",
    env: "GOCACHEPROG_SERVER_STATUS_TOKEN_FILE",
    kind: "string",
    description: "`gocacheprog-server status` sends the token in this file (an admin token shows every namespace).",
  },
} as const satisfies Record<string, OptionDef>;
