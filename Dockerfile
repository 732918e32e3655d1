# syntax=docker/dockerfile:1
# keybrake: one image for the sidecar (`keybrake proxy`), the redirect init container
# (`keybrake init-redirect`) and the controller (`keybrake controller`); the pod spec picks the command.
#
# Base image: node:24.21.0-slim, the same Node release as the `node` devDependency the tests run on.
# digest: not recorded. The machine this file was written on has no registry access, so the digest
# could not be read. Before a release, resolve it and pin BOTH stages to tag@digest:
#   docker buildx imagetools inspect node:24.21.0-slim --format '{{json .Manifest.Digest}}'
#   FROM node:24.21.0-slim@sha256:<digest> AS build
# test/deploy/dockerfile.test.ts checks that both stages use this tag.

# ---- build: compile TypeScript with the full dev toolchain; nothing from here ships but dist/ ----
FROM node:24.21.0-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# Scripts are skipped: no dependency needs one to compile, and it keeps install-time code out of the build.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN node node_modules/@typescript/native/bin/tsc -p tsconfig.build.json

# ---- runtime: production dependencies + dist/ only, non-root ----
FROM node:24.21.0-slim AS runtime

ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="keybrake" \
      org.opencontainers.image.description="Egress enforcer for AI agents that spend money: sidecar, redirect init and controller" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/keybrake/keybrake" \
      org.opencontainers.image.url="https://github.com/keybrake/keybrake" \
      org.opencontainers.image.vendor="keybrake"

# iptables (nft backend, legacy fallback) and nftables for `keybrake init-redirect`;
# ca-certificates for upstream TLS and the CA bundle the sidecar writes for agents.
RUN apt-get update \
 && apt-get install -y --no-install-recommends iptables nftables ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# The sidecar UID/GID the webhook excludes from the redirect (not Istio's 1337).
RUN groupadd --system --gid 17777 keybrake \
 && useradd --system --uid 17777 --gid 17777 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin keybrake

WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force
COPY --from=build /src/dist ./dist
RUN chmod 0755 dist/cli.js \
 && ln -s /app/dist/cli.js /usr/local/bin/keybrake

USER 17777:17777
EXPOSE 17001 17020 17080 17443
ENTRYPOINT ["keybrake"]
CMD ["--help"]
