# syntax=docker/dockerfile:1
# gocacheprog-server image. Build from the repository root:
#   docker build -f infra/server.Dockerfile -t gocacheprog-server .
# Runs as uid 1000, listens on 0.0.0.0:8080 and refuses to start without the tokens file
# (/run/secrets/gocacheprog_tokens: a compose/swarm secret or a Kubernetes Secret volume), so the
# image is never an open cache on the network by accident.

# Node 24 LTS. The npm package itself still supports Node 20.19+, the image follows the current LTS.
ARG NODE_IMAGE=node:24-bookworm-slim

# npm ci checks the lock file against every workspace listed in the root package.json, so all their
# manifests come first; sources follow, so a source change reuses the installed layer.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/common/package.json packages/common/
COPY packages/cacheprog-client/package.json packages/cacheprog-client/
COPY packages/server/package.json packages/server/
COPY test/package.json test/
COPY bench/package.json bench/

FROM manifests AS build
# Install scripts are skipped: esbuild, lmdb and msgpackr ship prebuilt binaries as optional packages.
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY packages/common packages/common
COPY packages/server packages/server
RUN npm run build -w gocacheprog-server

FROM manifests AS prod-deps
# Only the server workspace's production dependencies, resolved for this image's platform.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --workspace gocacheprog-server --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE}
# OCI labels; the release workflow sets the version, commit and repository URL.
ARG VERSION=dev
ARG REVISION=unknown
ARG SOURCE=https://github.com/
LABEL org.opencontainers.image.title="gocacheprog-server" \
      org.opencontainers.image.description="Shared Go build cache server (GOCACHEPROG): S3 + Redis, or an embedded default" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}"
ENV NODE_ENV=production \
    GOCACHEPROG_SERVER_LISTEN=0.0.0.0:8080 \
    GOCACHEPROG_SERVER_DATA_DIR=/data \
    GOCACHEPROG_SERVER_TOKENS_FILE=/run/secrets/gocacheprog_tokens
WORKDIR /app
COPY --from=prod-deps /app ./
COPY --from=build /app/packages/server/dist packages/server/dist
COPY infra/healthcheck.mjs ./healthcheck.mjs
# /data holds the embedded index and outputs when no S3/Redis is configured (mount a volume there).
RUN mkdir -p /data && chown 1000:1000 /data
USER 1000:1000
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 CMD ["node", "/app/healthcheck.mjs"]
CMD ["node", "packages/server/dist/main.js", "serve"]
