import { type OptionDef, TIMER_MAX } from "@gocacheprog/common";

/** The module proxy's part of the server's option schema (config.ts spreads it in). */
export const gomodOptionDefs = {
  gomodUpstream: {
    flag: "gomod-upstream",
    env: "GOCACHEPROG_SERVER_GOMOD_UPSTREAM",
    kind: "string",
    default: "off",
    secret: true,
    description:
      "Where /gomod fills from, in GOPROXY syntax: module proxy URLs separated by ',' (next one only on 404/410) or '|' (next one on any error), e.g. the value of `go env GOPROXY` without `,direct`. `off` = serve only what is cached. `direct` (VCS) is not supported. user:password@ in a URL is sent as Basic auth.",
  },
  gomodAnonymous: {
    flag: "gomod-anonymous",
    env: "GOCACHEPROG_SERVER_GOMOD_ANONYMOUS",
    kind: "boolean",
    description:
      "Let go read /gomod without a token even when tokens are configured. go sends credentials (URL userinfo, .netrc, GOAUTH) only over HTTPS, so a plain-HTTP server on a trusted network needs this. Only what the upstream serves can be read; nothing can be written.",
  },
  gomodUpstreamTimeout: {
    flag: "gomod-upstream-timeout",
    env: "GOCACHEPROG_SERVER_GOMOD_UPSTREAM_TIMEOUT",
    kind: "duration",
    max: TIMER_MAX,
    default: "30s",
    description:
      "Give up on an upstream that sends no response headers, or no body bytes, for this long, or whose body then averages less than 256 KiB per this long (a trickle) (504 to go).",
  },
  gomodZipMax: {
    flag: "gomod-zip-max",
    env: "GOCACHEPROG_SERVER_GOMOD_ZIP_MAX",
    kind: "bytes",
    default: "500MiB",
    description: "Largest module zip fetched and stored (go's own limit is 500 MiB); a bigger one is refused with 502 and not stored.",
  },
  gomodSumdb: {
    flag: "gomod-sumdb",
    env: "GOCACHEPROG_SERVER_GOMOD_SUMDB",
    kind: "string",
    default: "off",
    description:
      "The checksum database a module's .zip and .mod are compared with before they are stored, asked through the upstream (its sumdb/<name>/lookup, like go's lookups): e.g. the value of `go env GOSUMDB`, go's default checksum database unless set. A file it records otherwise is refused (502) and not stored; one it has no record of, or when the lookup fails, is stored after the structural checks. `off` = structural checks only.",
  },
  gomodNoSumdb: {
    flag: "gomod-nosumdb",
    env: "GOCACHEPROG_SERVER_GOMOD_NOSUMDB",
    kind: "string",
    default: "",
    description:
      "Module path patterns the checksum database is never asked about, in GONOSUMDB syntax (comma-separated globs matching path prefixes, e.g. `corp.example/*`; no [classes]): your private modules, whose paths --gomod-sumdb would otherwise send it through the upstream.",
  },
  gomodMutableTtl: {
    flag: "gomod-mutable-ttl",
    env: "GOCACHEPROG_SERVER_GOMOD_MUTABLE_TTL",
    kind: "duration",
    default: "1m",
    description:
      "How long answers that can change (@v/list, @latest, queries like @v/master.info, the checksum database's latest tree and partial tiles) are served without asking the upstream. Older ones are still served when the upstream fails.",
  },
  gomodMemory: {
    flag: "gomod-memory",
    env: "GOCACHEPROG_SERVER_GOMOD_MEMORY",
    kind: "bytes",
    default: "128MiB",
    description:
      "Memory for immutable module files (.info, .mod, .zip, checksum lookups) in front of the store, least recently served dropped first; one file takes at most 1/8 of it. A warm fleet's downloads then skip the index and blob reads. 0 = none.",
  },
  gomodMaxAge: {
    flag: "gomod-max-age",
    env: "GOCACHEPROG_SERVER_GOMOD_MAX_AGE",
    kind: "duration",
    default: "30d",
    description: "Evict module files not read for this long (0 = never); the build cache has its own --max-age.",
  },
  gomodMaxSize: {
    flag: "gomod-max-size",
    env: "GOCACHEPROG_SERVER_GOMOD_MAX_SIZE",
    kind: "bytes",
    default: "10GiB",
    description: "Size budget for module files; least recently read ones are evicted above it (0 = unlimited). Separate from --max-size.",
  },
} as const satisfies Record<string, OptionDef>;
