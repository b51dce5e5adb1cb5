#!/usr/bin/env bash
# Build and push the GPU worker image.
#   docker/build_push.sh [--bake PRESET_DIR] [IMAGE]
# IMAGE defaults to $IMAGE or us-docker.pkg.dev/$PROJECT/chat-pipeline/worker:latest.
set -euo pipefail
cd "$(dirname "$0")/.."

BAKE=""
if [[ "${1:-}" == "--bake" ]]; then
  BAKE="$2"
  shift 2
fi
IMAGE="${1:-${IMAGE:-us-docker.pkg.dev/${PROJECT:?set PROJECT or IMAGE}/chat-pipeline/worker:latest}}"

if [[ -n "$BAKE" ]]; then
  rsync -a --delete --exclude README.md "$BAKE"/ docker/model/
fi

docker build -t "$IMAGE" .
docker push "$IMAGE"
echo "pushed $IMAGE"
