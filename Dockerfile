# The IRC bridge as an image: built in one stage (compilers, dev dependencies, TypeScript), run
# from a second one holding only the compiled bridge and its production dependencies, as a
# non-root user whose only writable place is /data (config, registration, database, key files).
#
#   podman build --format docker -t bridgekit-irc .    (or docker build -t bridgekit-irc .)
#   podman run -v bridgekit-data:/data -p 8090:8090 bridgekit-irc
#
# podman keeps the HEALTHCHECK only in the docker image format (--format docker, or
# BUILDAH_FORMAT=docker); its OCI default drops it with a warning. A complete stack with Synapse
# and an IRC server: docs/compose/README.md.
#
# /data/config.yaml must set metrics.enabled: true and metrics.bind_address: 127.0.0.1 (or
# 0.0.0.0) for the HEALTHCHECK, which asks /ready on metrics.port (8093 unless
# BRIDGEKIT_READY_URL says otherwise); docs/compose/bridge/config.yaml is an example.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
# better-sqlite3 compiles itself when its prebuilt binary cannot be downloaded; the node
# image ships Node's headers under /usr/local, so node-gyp needs no download either.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local
WORKDIR /src
# Manifests first: the dependency layer is reused until the lockfile changes.
COPY package.json package-lock.json ./
COPY packages/appservice/package.json packages/appservice/
COPY bridges/irc/package.json bridges/irc/
COPY examples/echo/package.json examples/echo/
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json ./
COPY packages/appservice packages/appservice
COPY bridges/irc bridges/irc
COPY examples/echo examples/echo
COPY build build
# The validators and the bundle (with its code cache, about 60 % less CPU per start) as in `npm run build`.
RUN npx tsc -b packages/appservice bridges/irc \
 && node build/precompile-validators.js \
 && node build/bundle-bins.js \
 && npm prune --omit=dev --no-audit --no-fund \
 && mkdir -p /out/packages/appservice /out/bridges/irc \
 && cp -a package.json node_modules /out/ \
 && cp -a packages/appservice/package.json packages/appservice/dist /out/packages/appservice/ \
 && cp -a bridges/irc/package.json bridges/irc/dist /out/bridges/irc/ \
 && for d in packages/appservice bridges/irc; do if [ -d "$d/node_modules" ]; then cp -a "$d/node_modules" "/out/$d/"; fi; done
COPY config.sample.yaml registration.sample.yaml /out/

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    BRIDGEKIT_READY_URL=http://127.0.0.1:8093/ready
RUN groupadd --system bridgekit \
 && useradd --system --gid bridgekit --home-dir /data --shell /usr/sbin/nologin bridgekit \
 && mkdir -p /data && chown bridgekit:bridgekit /data
COPY --from=build /out /app
USER bridgekit
WORKDIR /data
VOLUME /data
# 8090: the appservice API (the homeserver pushes here); 8093: /metrics, /health, /ready.
EXPOSE 8090 8093
# SIGTERM drains for shutdown.drain_seconds, then QUITs IRC: give `docker stop` / `podman stop`
# a --time above that bound.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.BRIDGEKIT_READY_URL).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/bridges/irc/dist/main.js"]
CMD ["run", "--config", "/data/config.yaml"]
