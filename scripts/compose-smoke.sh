#!/usr/bin/env bash
# Smoke test of docker-compose.yml, for a machine with Docker. Brings the stack up with one store
# profile, then through the API with an API key: provisions a collection, upserts items with an
# Embedding Studio upsertion task, searches, backs the collection up to the compose S3 bucket,
# wipes the store and vecflow's data volume (a fresh state), restores from S3, and checks the
# row counts and the search again. The stack and its volumes are removed on exit (KEEP=1 keeps them).
#
#   scripts/compose-smoke.sh [pgvector|qdrant]        # default pgvector
#
# Needs docker (Compose v2), curl and jq. It runs its own Compose project (SMOKE_PROJECT, default
# vecflow-smoke: never your stack's) on the ports docker-compose.yml publishes: stop a running stack first.
#
# Against a vecflow that is already running instead (no Compose; the restore goes into the
# collection emptied by a deletion task rather than into a wiped store):
#   SMOKE_API_URL=http://127.0.0.1:8000 SMOKE_API_KEY=<admin key> S3_BUCKET=<bucket> scripts/compose-smoke.sh
set -euo pipefail

store=${1:-pgvector}
case $store in pgvector | qdrant) ;; *)
  echo "usage: $0 [pgvector|qdrant]" >&2
  exit 2
  ;;
esac
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bucket=${S3_BUCKET:-vecflow}
collection=smoke_$(date +%s)_$$
prefix=compose-smoke/$collection
tmp=$(mktemp -d)
external=${SMOKE_API_URL:+1}

say() { printf '\n== %s\n' "$*"; }
fail() {
  echo "compose-smoke: FAILED: $*" >&2
  exit 1
}
tools=(curl jq)
[ -n "$external" ] || tools+=(docker)
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || fail "needs $tool on PATH"
done

# One HTTP request: prints the status code; the body is left in $tmp/body.
request() {
  local args=(-sS -o "$tmp/body" -w '%{http_code}' -X "$1" -H "Authorization: ApiKey $key")
  if [ $# -ge 3 ]; then args+=(-H 'content-type: application/json' --data-binary "$3"); fi
  curl "${args[@]}" "$url$2" || true # on no answer, curl's status is 000
}
# A request that must succeed: prints the JSON body.
api() {
  local status
  status=$(request "$@")
  [ "$status" -lt 400 ] || fail "$1 $2 answered $status: $(cat "$tmp/body")"
  cat "$tmp/body"
}
# Polls a job until its status is done; prints its last JSON.
wait_done() {
  local body status deadline=$((SECONDS + ${2:-300}))
  while :; do
    body=$(api GET "$1")
    status=$(jq -r .status <<<"$body")
    case $status in
    done) break ;;
    failed | canceled | refused) fail "$1 is $status: $body" ;;
    esac
    [ "$SECONDS" -lt "$deadline" ] || fail "$1 still $status after ${2:-300} s: $body"
    sleep 2
  done
  printf '%s' "$body"
}
expect() { # DESCRIPTION ACTUAL EXPECTED
  [ "$2" = "$3" ] || fail "$1: got $2, expected $3"
  echo "ok: $1 = $2"
}
search() { api POST "/api/v1/collections/$collection/search" '{"text": "rivers carry water to the sea", "k": 10}'; }
# The five items are found, the one about rivers first.
expect_all_found() {
  local hits
  hits=$(search)
  expect 'search hits' "$(jq '.results | length' <<<"$hits")" 5
  expect 'nearest item' "$(jq -r '.results[0].id' <<<"$hits")" doc-2
}

project=${SMOKE_PROJECT:-vecflow-smoke}
compose() { docker compose -p "$project" -f "$root/docker-compose.yml" --profile "$store" "$@"; }
started=
finish() {
  local code=$?
  if [ -n "$started" ]; then
    if [ "$code" -ne 0 ]; then
      compose ps -a || true
      compose logs --tail 60 "vecflow-worker-$store" "vecflow-api-$store" || true
    fi
    if [ "${KEEP:-0}" = 1 ]; then echo "KEEP=1: the stack stays up (project $project)"; else compose down -v --remove-orphans || true; fi
  fi
  rm -rf "$tmp"
  exit "$code"
}
trap finish EXIT

if [ -n "$external" ]; then
  url=${SMOKE_API_URL%/}
  key=${SMOKE_API_KEY:?set SMOKE_API_KEY to an admin API key of that vecflow}
else
  url=http://127.0.0.1:8000
  key=smoke-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
  export VECFLOW_API_KEYS=$key # a bare key: admin
  say "docker compose --profile $store up (project $project)"
  started=1
  compose up -d --wait --wait-timeout 900 --build
fi

say "ready"
expect 'GET /ready' "$(request GET /ready)" 200

say "provision $collection (model hash-256, blue)"
api POST /api/v1/internal/collections \
  "$(jq -nc --arg c "$collection" '{collection: $c, embedding_model_id: "hash-256", deploy_as_blue: true}')" | jq -c .

say "upsert 5 items (upsertion task)"
items=$(jq -nc --arg c "$collection" '{task_id: "smoke-upsert-\($c)", collection: $c, items: [
  {object_id: "doc-1", payload: {text: "apples grow on trees in the orchard", n: 1}},
  {object_id: "doc-2", payload: {text: "rivers carry water to the sea", n: 2}},
  {object_id: "doc-3", payload: {text: "engines turn fuel into motion", n: 3}},
  {object_id: "doc-4", payload: {text: "violins have four strings", n: 4}},
  {object_id: "doc-5", payload: {text: "glaciers move slowly down valleys", n: 5}}]}')
api POST /api/v1/embeddings/upsertion-tasks/run "$items" | jq -c '{id, status}'
task=$(wait_done "/api/v1/embeddings/upsertion-tasks/smoke-upsert-$collection")
expect 'upserted items' "$(jq .processed_count <<<"$task")" 5
expect 'failed items' "$(jq '.failed_items | length' <<<"$task")" 0

say "search"
expect_all_found

say "back up $collection to s3://$bucket/$prefix"
api POST /api/v1/backups "$(jq -nc --arg c "$collection" --arg b "$bucket" --arg p "$prefix" \
  '{backup_id: "smoke-backup-\($c)", s3: {bucket: $b, prefix: $p}, collections: [$c]}')" | jq -c '{id, status}'
backup=$(wait_done "/api/v1/backups/smoke-backup-$collection" 600)
expect 'rows backed up' "$(jq .rows_total <<<"$backup")" 5

if [ -n "$external" ]; then
  say "empty $collection (deletion task)"
  api POST /api/v1/embeddings/deletion-tasks/run "$(jq -nc --arg c "$collection" \
    '{task_id: "smoke-delete-\($c)", collection: $c, object_ids: ["doc-1", "doc-2", "doc-3", "doc-4", "doc-5"]}')" >/dev/null
  wait_done "/api/v1/embeddings/deletion-tasks/smoke-delete-$collection" >/dev/null
  expect 'items left' "$(search | jq '.results | length')" 0
else
  say "fresh state: remove the $store store and vecflow's data volume, start again"
  compose stop "vecflow-api-$store" "vecflow-worker-$store" "$store"
  compose rm -f "vecflow-api-$store" "vecflow-worker-$store" "$store"
  docker volume rm "${project}_$store" "${project}_vecflow-data"
  compose up -d --wait --wait-timeout 900
  expect "search in the wiped $collection" "$(request POST "/api/v1/collections/$collection/search" '{"text": "x"}')" 404
fi

say "restore $collection from s3://$bucket/$prefix"
api POST /api/v1/restores "$(jq -nc --arg c "$collection" --arg b "$bucket" --arg p "$prefix" \
  '{restore_id: "smoke-restore-\($c)", s3: {bucket: $b, prefix: $p}, collections: [$c]}')" | jq -c '{id, status}'
restore=$(wait_done "/api/v1/restores/smoke-restore-$collection" 600)
expect 'rows restored' "$(jq .rows_done <<<"$restore")" 5
expect 'count/digest mismatches' "$(jq '.mismatches | length' <<<"$restore")" 0

say "search after the restore"
expect_all_found
expect 'blue model' "$(api GET /api/v1/collections | jq -r --arg c "$collection" '.collections[] | select(.collection == $c) | .blue')" hash-256

say "compose smoke test passed ($store)"
