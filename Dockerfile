# The bio-mcp-queue image: Node 22 with every tool the catalog runs (from Debian's packages, as
# scripts/tool-packages.tsv lists them), redis-server and redis-cli. It runs any command of the
# CLI (`serve`, `worker`, `doctor`, `stdio`); docker-compose.yml and deploy/k8s/ run it as the
# HTTP server and as one worker service per queue family. redis-server is for the stdio mode
# (`docker run -i --rm bio-mcp-queue:local stdio` without BIO_QUEUE_REDIS_URL starts its private
# Redis in the data dir), redis-cli for the workers' health check.
FROM node:22-bookworm-slim

# The tools' apt packages, read from the list the catalog generates (column 3; the test
# oracles are not needed in the image; redis-server, which brings redis-cli, is named first).
COPY scripts/tool-packages.tsv /tmp/tool-packages.tsv
RUN apt-get update \
 && apt-get install -y --no-install-recommends redis-server $(awk -F '\t' '!/^#/ && $6 != "tests" && $1 != "redis-server" { print $3 }' /tmp/tool-packages.tsv | sort -u) \
 && rm -rf /var/lib/apt/lists/* /tmp/tool-packages.tsv

WORKDIR /app

# Dependencies first, so a source change does not reinstall them. --ignore-scripts: the prepare
# script builds, and the sources are not here yet.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts

COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY tools ./tools
COPY worker ./worker
COPY fixtures ./fixtures
# The build's last step bundles the executable (dist/src/cli/main.js) with rolldown, a dev dependency.
COPY scripts/bundle-cli.ts ./scripts/
RUN npm run build && npm prune --omit=dev

# The workers' health check (they have no HTTP port): is this container's BullMQ worker
# connected to Redis?
COPY scripts/worker-healthcheck.sh /usr/local/bin/bio-mcp-queue-worker-healthcheck

# Work dirs, results, databases and cached indexes; a volume so they outlive the container.
RUN mkdir -p /data && chown node:node /data
ENV BIO_QUEUE_DATA_DIR=/data
VOLUME ["/data"]
USER node
# `serve` (docker-compose.yml passes --port 8000).
EXPOSE 8000

ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["--help"]
