# syntax=docker/dockerfile:1
# The query service (API.md: port 4200), run from source on Node 24 (native type stripping, as in development).
# Build from the repository root (infra/README.md):
#   docker build -f infra/docker/query-service.Dockerfile -t csu-ledger/query-service .

FROM node:24-slim AS deps
WORKDIR /app
# The pnpm that package.json's packageManager names (corepack's signature check fails on some networks).
RUN npm install --global --no-fund --no-audit pnpm@10.34.9
COPY . .
# Only what this service runs: its workspace packages and their production dependencies, exactly as locked.
RUN pnpm install --frozen-lockfile --prod --filter "@csu-ledger/query-service..."

FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production \
    LEDGER_HOST=0.0.0.0 \
    LEDGER_QUERY_PORT=4200 \
    LEDGER_DATA_DIR=/data
# The code stays owned by root and read-only to the service; only the data folder (read models) is its own.
COPY --from=deps /app /app
# /keys: the mount point of the ledger-keys volume, whose first mount takes this owner (infra/compose).
RUN mkdir -p /data /keys && chown node:node /data /keys
USER node
EXPOSE 4200
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.LEDGER_QUERY_PORT || 4200) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "services/query-service/src/main.ts"]
