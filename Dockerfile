# Nimbus in a container: docker compose up (see compose.yaml and docs/operations.md).
# Stage 1 builds the server and the client and installs the production dependencies (native modules
# compiled here); stage 2 is the runtime, as a non-root user, with what terminals and the sandbox need.

FROM node:20-bookworm-slim AS build
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so that a change to the sources does not install them again.
COPY package.json package-lock.json ./
COPY scripts/install-lambda-sdk.mjs scripts/
COPY server/lambda/runtimes/nodejs-sdk/package.json server/lambda/runtimes/nodejs-sdk/package-lock.json server/lambda/runtimes/nodejs-sdk/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
# bubblewrap: the workspace sandbox; git, procps, less, vim-tiny: what people expect in a terminal;
# python3 with boto3: Python Lambda functions; ripgrep: fast find in files; tini: signals and zombies.
RUN apt-get update \
  && apt-get install -y --no-install-recommends \
    bubblewrap ca-certificates git less procps python3 python3-boto3 ripgrep tini vim-tiny \
  && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 --shell /bin/bash nimbus \
  && install -d -o nimbus -g nimbus -m 0700 /data
WORKDIR /opt/nimbus
COPY --from=build /src/package.json ./
COPY --from=build /src/bin ./bin
COPY --from=build /src/dist ./dist
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/server/lambda/runtimes ./server/lambda/runtimes
COPY --from=build /src/scripts/install-lambda-sdk.mjs ./scripts/
# Links Debian's boto3 for Python functions (the Node.js SDK came from the build stage).
RUN node scripts/install-lambda-sdk.mjs
ENV NIMBUS_DATA_DIR=/data \
  NIMBUS_HOST=0.0.0.0 \
  NIMBUS_LOG_FORMAT=json \
  PORT=8080
USER nimbus
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080' + (process.env.NIMBUS_BASE_PATH || '') + '/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "bin/nimbus.js"]
