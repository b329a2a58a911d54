# ccscope for server deployments (docker-compose.yml): talks to ClickHouse through CLICKHOUSE_URL.
#
# `npm install` (not `npm ci`): the lockfile pins every version, but it can only record the platform
# packages of the machine it was written on (chDB's and Rolldown's native builds), and `npm ci` refuses
# a lockfile that lacks the others.

# Stage 1: build the dashboard (Vite needs its native Rolldown binding, an optional dependency).
FROM node:20-bookworm-slim AS dashboard
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY . .
RUN npx tsx scripts/build-dashboard.ts --force

# Stage 2: the server. --omit=optional leaves out chDB's embedded engine (~500 MB): this image always
# uses a ClickHouse server.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm install --omit=optional --omit=dev --no-audit --no-fund
COPY . .
COPY --from=dashboard /app/dist/dashboard ./dist/dashboard
ENV CCSCOPE_DATA_DIR=/var/lib/ccscope
EXPOSE 4317 4318 3000
HEALTHCHECK --interval=10s --timeout=3s --retries=6 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--max-semi-space-size=64", "--import", "tsx", "server/main.ts"]
