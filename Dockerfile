# syntax=docker/dockerfile:1
# Kura in a container: `docker build -t kura .`, then see compose.yaml (Kura + PostgreSQL +
# MinIO) or run it alone on SQLite and local disk:
#   docker run -d -p 8080:8080 -v kura-data:/var/lib/kura -e PUBLIC_URL=http://files.example:8080 kura
# Settings are Kura's environment variables (README, deploy/kura.env.example).

ARG NODE_VERSION=22

# --- build: the tool chain, TypeScript and every dependency -----------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
# Dependencies first (a cached layer while only the sources change); the root "prepare"
# script (tsc) needs the sources, so scripts are run afterwards for the native modules only.
RUN npm ci --no-audit --no-fund --ignore-scripts \
 && npm rebuild better-sqlite3 argon2 sharp
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bin ./bin
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -f dist/.tsbuildinfo

# --- runtime: compiled code and production dependencies, no compiler, not root ---------------
FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/var/lib/kura \
    LOG_FORMAT=json
RUN groupadd --system kura \
 && useradd --system --gid kura --home-dir /var/lib/kura --shell /usr/sbin/nologin kura \
 && mkdir -p /var/lib/kura \
 && chown kura:kura /var/lib/kura
WORKDIR /opt/kura
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/bin ./bin
RUN ln -s /opt/kura/bin/kura.js /usr/local/bin/kura
USER kura
# SQLite database, local blobs, staging files, unfinished sliced uploads.
VOLUME ["/var/lib/kura"]
EXPOSE 8080
# node's own fetch: the slim image has no curl. Kura answers /healthz once its database and
# blob store answer.
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM drains in-flight requests (KURA_SHUTDOWN_GRACE_SECONDS) before exiting.
STOPSIGNAL SIGTERM
CMD ["node", "/opt/kura/bin/kura.js", "serve"]
