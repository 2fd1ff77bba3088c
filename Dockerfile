# shareguard: `docker build -t shareguard .` then
#   docker run --rm -e SLACK_BOT_TOKEN -e SLACK_APP_TOKEN -v $PWD/shareguard.yml:/app/shareguard.yml shareguard
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
COPY package.json package-lock.json ./
# tsx runs the TypeScript sources directly, so it is a runtime dependency and no build step exists.
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY demo ./demo
COPY manifest.yml tsconfig.json ./
RUN mkdir -p /app/.shareguard && chown node /app/.shareguard
USER node
# The embedded store writes here unless store.kind is dynamodb.
VOLUME /app/.shareguard
EXPOSE 3000
ENTRYPOINT ["node", "bin/shareguard.js"]
CMD ["serve", "--config", "shareguard.yml"]
