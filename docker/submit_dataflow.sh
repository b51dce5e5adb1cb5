#!/usr/bin/env bash
# Submit the streaming pipeline to Dataflow with an NVIDIA L4 GPU per worker.
#   PROJECT=... REGION=us-central1 BUCKET=... IMAGE=... MODEL=gs://.../gemma2_instruct_2b_en \
#     docker/submit_dataflow.sh [extra pipeline flags, e.g. --dry_run=True]
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PROJECT:?}" "${REGION:?}" "${BUCKET:?}" "${IMAGE:?}" "${MODEL:?}"

python -m pipeline \
  --runner=DataflowRunner \
  --project="$PROJECT" \
  --region="$REGION" \
  --temp_location="gs://$BUCKET/tmp" \
  --staging_location="gs://$BUCKET/staging" \
  --job_name="chat-pipeline-$(date +%Y%m%d-%H%M%S)" \
  --streaming \
  --input_subscription="projects/$PROJECT/subscriptions/chats-sub" \
  --output_table="$PROJECT:chats.results" \
  --review_topic="projects/$PROJECT/topics/chats-review" \
  --error_table="$PROJECT:chats.errors" \
  --error_topic="projects/$PROJECT/topics/chats-errors" \
  --model="$MODEL" \
  --sdk_container_image="$IMAGE" \
  --sdk_location=container \
  --experiments=use_runner_v2 \
  --dataflow_service_options="worker_accelerator=type:nvidia-l4;count:1;install-nvidia-driver" \
  --machine_type=g2-standard-8 \
  --disk_size_gb=100 \
  --max_num_workers=4 \
  --number_of_worker_harness_threads=4 \
  --share_model_across_processes=true \
  --max_batch_size=32 \
  "$@"
