# syntax=docker/dockerfile:1
# coverage-graph: the GraphQL API and the seeder, in one image.
#   docker build -t coverage-graph .
#   docker run --rm -e NEO4J_URI=bolt://neo4j:7687 coverage-graph seed
#   docker run --rm -p 4000:4000 -e NEO4J_URI=bolt://neo4j:7687 coverage-graph        (serve)
# docker-compose.yml runs Neo4j, a one-shot seed and the API together.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: all dependencies, GraphQL codegen + tsc -> dist/ (the coverage page -> dist/web) ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# tsconfig.json also includes test/ and bench/; only src/ is copied, so only dist/src is built.
COPY tsconfig.json codegen.yml ./
COPY schema ./schema
COPY scripts/copy-web.mjs ./scripts/copy-web.mjs
COPY src ./src
RUN npm run build

# ---- runtime: production dependencies, compiled code, the SDL and the seed sources ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the package has no install/prepare scripts of its own, and the only dependency
# with one (@apollo/protobufjs postinstall) merely creates an empty folder; skipping lifecycle
# scripts keeps this step from ever reaching for a dev-only tool.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    && npm cache clean --force
# The code finds schema/ and seed/ relative to the project root (/app), two levels above dist/src.
COPY --from=build /app/dist ./dist
COPY schema ./schema
COPY seed ./seed

# The official node image ships an unprivileged "node" user, uid/gid 1000 (numeric, so that Kubernetes'
# runAsNonRoot can verify it); the app's files stay root-owned and read-only to it.
USER 1000:1000

EXPOSE 4000
# No curl in the slim image: Node's built-in fetch probes the liveness endpoint.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

ENTRYPOINT ["node", "dist/src/cli.js"]
CMD ["serve"]
