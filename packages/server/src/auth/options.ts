import type { OptionDef } from "@gocacheprog/common";

/** OIDC's part of the server's option schema (config.ts spreads it in). */
export const oidcOptionDefs = {
  oidcIssuers: {
    flag: "oidc-issuers",
    env: "GOCACHEPROG_SERVER_OIDC_ISSUERS",
    kind: "string",
    description:
      "Accept JWTs from these OIDC issuers besides the static tokens: comma-separated issuer URLs as in the tokens' `iss` (e.g. https://token.actions.githubusercontent.com, https://gitlab.com). Keys come from each issuer's discovery document and JWKS, refreshed when a token names a new key.",
  },
  oidcAudience: {
    flag: "oidc-audience",
    env: "GOCACHEPROG_SERVER_OIDC_AUDIENCE",
    kind: "string",
    default: "gocacheprog",
    description:
      "Audiences an OIDC token may carry (comma-separated; one must match). The client asks GitHub for `gocacheprog` unless told otherwise; the GitLab include asks for the server URL.",
  },
  oidcRules: {
    flag: "oidc-rules",
    env: "GOCACHEPROG_SERVER_OIDC_RULES",
    kind: "string",
    description:
      'Claim rules, JSON: [{"claims": {"repository": "acme/app", "ref": "refs/heads/main"}, "namespace": "app", "scope": "read-write"}, ...]; the first rule whose claims all match gives the token its namespace and scope (`*` matches anything; optional "issuer"). No match = 401.',
  },
  oidcRulesFile: {
    flag: "oidc-rules-file",
    env: "GOCACHEPROG_SERVER_OIDC_RULES_FILE",
    kind: "string",
    description: "Read the claim rules from this JSON file (after those of --oidc-rules; reloaded with the tokens file).",
  },
  oidcJwksCooldown: {
    flag: "oidc-jwks-cooldown",
    env: "GOCACHEPROG_SERVER_OIDC_JWKS_COOLDOWN",
    kind: "duration",
    default: "30s",
    description:
      "Least time between two fetches of an issuer's JWKS prompted by a token with an unknown key id: a rotated key is picked up on the first token after this, and a flood of made-up key ids costs one fetch per period.",
  },
} as const satisfies Record<string, OptionDef>;
