#!/bin/bash
# Two release builds of the service, one sitting: reads, authorizations and
# operators' decisions on a fresh default demo each time, the builds taking
# turns (before, after, before, after) so that a drift of the machine falls
# on both. Usage: docs/bench/before-after.sh BEFORE_DIR AFTER_DIR
# (each a target/release holding riskdesk-server and riskdesk-loadgen).
set -u
BEFORE=$1 AFTER=$2
run() { # name, directory of binaries, port, round
  local name=$1 dir=$2 port=$3 data=$(mktemp -d)/$1-$4
  rm -rf $data; mkdir -p $data
  $dir/riskdesk-server demo --data $data --addr 127.0.0.1:$port --json > $data/demo.json 2> $data/log &
  local pid=$!
  for i in $(seq 120); do grep -q url $data/demo.json 2>/dev/null && break; sleep 1; done
  RISKDESK_DATA_KEY_FILE=$data/data.key $dir/riskdesk-server service-client --database sqlite://$data/riskdesk.db add loadgen > $data/key.txt 2>>$data/log
  echo "== $name round $4: reads"
  $dir/riskdesk-loadgen --demo-json $data/demo.json --clients 50 --seconds 15 2>&1 | tail -12
  echo "== $name round $4: authorize"
  $dir/riskdesk-loadgen --demo-json $data/demo.json --clients 50 --seconds 15 --authorize "$(cat $data/key.txt)" 2>&1 | tail -8
  echo "== $name round $4: decide"
  $dir/riskdesk-loadgen --demo-json $data/demo.json --clients 8 --seconds 15 --decide 2>&1 | tail -8
  kill $pid; wait $pid 2>/dev/null
  rm -rf "$(dirname $data)"
}
for round in 1 2; do
  run before "$BEFORE" 8651 $round
  run after "$AFTER" 8652 $round
done
