# The bio-mcp-queue image: Node 20 with BLAST+ and redis-cli from Debian. It runs any command of
# the CLI (`serve`, `worker`, `doctor`, `stdio`); docker-compose.yml runs it as the HTTP server
# and as the BLAST workers.
FROM node:20-bookworm-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends ncbi-blast+ redis-tools \
 && rm -rf /var/lib/apt/lists/*

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
RUN npm run build && npm prune --omit=dev

# Work dirs, results and databases; a volume so they outlive the container.
RUN mkdir -p /data && chown node:node /data
ENV BIO_QUEUE_DATA_DIR=/data
VOLUME ["/data"]
USER node
# `serve` (docker-compose.yml passes --port 8000).
EXPOSE 8000

ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["--help"]
