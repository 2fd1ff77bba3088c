# shareguard: `docker build -t shareguard .` then
#   docker run --rm -e SLACK_BOT_TOKEN -e SLACK_APP_TOKEN -v $PWD/shareguard.yml:/app/shareguard.yml shareguard
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/bundle-worker.ts ./scripts/
# `prepare` compiles src/ into dist/ and bundles the scan worker (scripts/bundle-worker.ts).
RUN npm ci --no-audit --no-fund

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
COPY package.json package-lock.json ./
# No scripts: the build is copied from the first stage (its compiler and bundler are dev dependencies).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY --from=build /app/dist ./dist
COPY demo ./demo
COPY manifest.yml ./
RUN mkdir -p /app/.shareguard && chown node /app/.shareguard
USER node
# The embedded store writes here unless store.kind is dynamodb.
VOLUME /app/.shareguard
EXPOSE 3000
ENTRYPOINT ["node", "bin/shareguard.js"]
CMD ["serve", "--config", "shareguard.yml"]
