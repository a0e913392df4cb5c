#!/usr/bin/env bash
# `make demo`: ingest the bundled SYNTHETIC demo corpus into ./demo-workspace and explore it.
# Idempotent: a second run adds nothing (stored ids are skipped). Later stages extend this script.
set -euo pipefail
cd "$(dirname "$0")/.."
SRO="${SRO:-.venv/bin/sro}"
WS="${SRO_DEMO_WORKSPACE:-demo-workspace}"
export LITELLM_LOCAL_MODEL_COST_MAP=True

echo "== ingest the synthetic demo corpus into $WS"
"$SRO" -w "$WS" ingest reddit-dump datasets/demo/RS_demo.zst datasets/demo/RC_demo.zst \
    --dataset solar_demo --synthetic --description "SYNTHETIC solar posts and comments (datasets/demo)"
"$SRO" -w "$WS" ingest docs datasets/demo/contracts \
    --dataset contracts_demo --synthetic --description "SYNTHETIC short contracts (datasets/demo/contracts)"
"$SRO" -w "$WS" datasets

echo "== BM25 search and regex grep"
"$SRO" -w "$WS" search solar_demo "inverter died warranty" --k 5
"$SRO" -w "$WS" grep solar_demo '\$[0-9,]+ for [0-9.]+ kW' --k 3
"$SRO" -w "$WS" search contracts_demo "governing law" --k 3
