# ccscope for server deployments (docker-compose.yml): talks to ClickHouse through CLICKHOUSE_URL.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# --omit=optional leaves out chDB's embedded engine (~500 MB): this image always uses a server.
RUN npm ci --omit=optional --no-audit --no-fund
COPY . .
ENV CCSCOPE_DATA_DIR=/var/lib/ccscope
EXPOSE 4317 4318 3000
HEALTHCHECK --interval=10s --timeout=3s --retries=6 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["npx", "tsx", "server/main.ts"]
