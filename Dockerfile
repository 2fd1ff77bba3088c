# shareguard: `docker build -t shareguard .`, then either the embedded store on a named volume (it
# survives `docker rm` and image upgrades):
#   docker volume create shareguard-data
#   docker run -d --name shareguard --restart unless-stopped -e SLACK_BOT_TOKEN -e SLACK_APP_TOKEN \
#     -v shareguard-data:/app/.shareguard -v "$PWD/shareguard.yml:/app/shareguard.yml:ro" shareguard
# or the DynamoDB store (store.kind: dynamodb; nothing kept in the container), the config as text:
#   docker run -d --name shareguard -e SLACK_BOT_TOKEN -e SLACK_APP_TOKEN -e AWS_REGION \
#     -e SHAREGUARD_CONFIG_YAML="$(cat shareguard.yml)" shareguard
# /healthz and /metrics answer on port 3000 in both Slack modes (docs/operations.md).

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/bundle-worker.ts ./scripts/
# `prepare` compiles src/ into dist/ and bundles the scan worker (scripts/bundle-worker.ts).
RUN npm ci --no-audit --no-fund

FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Runtime dependencies only (no tsx, esbuild, TypeScript); no scripts: the build comes from the first stage.
# Only node_modules leaves this stage, so npm's cache never reaches the image.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json manifest.yml manifest.http.yml ./
COPY demo ./demo
RUN mkdir -p /app/.shareguard && chown node /app/.shareguard
USER node
# The embedded store writes here unless store.kind is dynamodb: mount a named volume on it.
VOLUME /app/.shareguard
# Slack HTTP mode (PORT) and, in Socket Mode, /healthz and /metrics (the health port defaults to PORT).
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["node", "dist/healthcheck.js"]
ENTRYPOINT ["node", "dist/main.js"]
CMD ["serve"]
