#!/bin/sh
# The health check of a `worker` container (compose healthcheck, Kubernetes livenessProbe): a
# worker has no HTTP port, so it is healthy while a BullMQ worker of this host holds its
# connection to Redis. BullMQ names that connection "<prefix>:<queue in base64>:w:<worker name>"
# (CLIENT SETNAME; its getWorkers and our GET /workers read the same CLIENT LIST), and
# worker/start-worker.ts names each worker "<hostname>.<pid>.<random>". Exit 0: found; 1: not found or
# Redis unreachable.
set -eu
: "${BIO_QUEUE_REDIS_URL:?BIO_QUEUE_REDIS_URL is not set}"
prefix="${BIO_QUEUE_PREFIX:-bioq}"
host="$(hostname)"
clients="$(redis-cli -u "$BIO_QUEUE_REDIS_URL" --no-auth-warning client list)" || exit 1
if printf '%s\n' "$clients" | grep -q " name=${prefix}:[^ ]*:w:${host}\."; then
  exit 0
fi
echo "no BullMQ worker of ${host} is connected to Redis (prefix ${prefix})" >&2
exit 1
