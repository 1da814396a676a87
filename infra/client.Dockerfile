# syntax=docker/dockerfile:1
# gocacheprog client image: the single-file client and nothing else, to copy into a Go build stage:
#   COPY --from=ghcr.io/<owner>/gocacheprog:0 /gocacheprog /usr/local/bin/gocacheprog
# The executable is Node 24 with the client injected (a Node SEA): it needs glibc and libstdc++, which the
# Debian-based golang images have, so this image is a carrier and is never run itself (scratch has no libc).
# Built by the release workflow, per platform, from a context holding the release executables
# gocacheprog-linux-amd64 and gocacheprog-linux-arm64.
FROM scratch
ARG TARGETARCH
ARG VERSION=dev
ARG REVISION=unknown
ARG SOURCE=https://github.com/
LABEL org.opencontainers.image.title="gocacheprog" \
      org.opencontainers.image.description="GOCACHEPROG client for Go builds (single file, for COPY --from)" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}"
COPY --chmod=0755 gocacheprog-linux-${TARGETARCH} /gocacheprog
USER 65532:65532
ENTRYPOINT ["/gocacheprog"]
