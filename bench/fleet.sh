#!/bin/sh
# Fleet mode against arm-standin: N machines (default 5000), 100 ms per answer,
# Resource Graph pages of 1,000; prints the run's time and request counts.
# usage: bench/fleet.sh [COUNT] [PROFILE(debug|release)] [THROTTLE_JSON]
set -eu
cd "$(dirname "$0")/.."
count=${1:-5000}
profile=${2:-debug}
throttle=${3:-'{"bucket": 12000, "refillPerSecond": 3.34}'}
if [ "$profile" = release ]; then flag=--release; else flag=; fi
cargo build -q $flag -p arm-standin -p ssh-troubleshoot-cli
bin=target/$profile
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
cat > "$dir/scenario.json" <<JSON
{"fleet": {"count": $count, "pageSize": 1000, "delayMs": 100,
  "subscriptions": ["00000000-1111-2222-3333-444444444444"],
  "resourceGroups": ["rg-east", "rg-west", "rg-lab"],
  "profiles": [{"weight": 80}, {"weight": 5, "status": "Disconnected"},
    {"weight": 5, "agentVersion": "1.28.02260.736"}, {"weight": 5, "sshPort": null, "legacyPorts": [22]},
    {"weight": 5, "sshPort": 2222}],
  "throttle": $throttle}}
JSON
"$bin/arm-standin" --scenario "$dir/scenario.json" --state-dir "$dir" --no-stdin-watch > "$dir/started.json" &
pid=$!
while [ ! -s "$dir/started.json" ]; do sleep 0.1; done
url=$(sed 's/.*"url":"\([^"]*\)".*/\1/' "$dir/started.json")
token=$("$bin/arm-standin" jwt --tid t --oid o --upn bench@example.com)
start=$(date +%s%N)
SSH_TROUBLESHOOT_ACCESS_TOKEN=$token REQUESTS_CA_BUNDLE=$dir/ca.pem \
  "$bin/ssh-troubleshoot" arc --subscription 00000000-1111-2222-3333-444444444444 \
  --arm-endpoint "$url" -o json > "$dir/report.json" || true
end=$(date +%s%N)
python3 - "$dir/report.json" "$dir/requests.jsonl" $(( (end - start) / 1000000 )) <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["fleet"]
log = [json.loads(l) for l in open(sys.argv[2])]
print(f"machines {r['scanned']}  wall {sys.argv[3]} ms  (fleet {r['durationMs']} ms)")
print("requests", json.dumps(r["requests"]))
print("stand-in saw", len(log), "requests,", sum(1 for l in log if l.get("throttled")), "answered 429")
print("counts", json.dumps(r["counts"]))
PY
