#!/bin/bash
# NAME
#	test-metrics.sh - signet-milter's Prometheus listener, scraped for real
# SYNOPSIS
#	tests/integration/test-metrics.sh
# DESCRIPTION
#	signet-milter with metrics: listen: 127.0.0.1:PORT behind a private
#	Postfix; after 40 signed and 5 passed messages and a reload:
#
#	- GET /metrics passes promtool check metrics, and says
#	  signet_messages_total 40 signed for example.com, 5 passed for
#	  "other", 40 signing-latency observations, 1 reload, the process
#	  metrics; other paths get 404;
#	- a private Prometheus server (Debian's prometheus) scrapes it:
#	  up is 1 and the query signet_messages_total gives the same
#	  numbers;
#	- the alert rules of contrib/prometheus pass promtool check rules,
#	  and the Grafana dashboard of contrib/grafana is valid JSON whose
#	  queries name only metrics the milter exposes.
# DIAGNOSTICS
#	"N passed, N failed"; exit 0, 1, 77 (not root), 99 (missing tool).
# LICENSE
#	MIT; see LICENSE in the source distribution.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

it_init metrics
it_need promtool prometheus
it_need prometheus prometheus
it_need curl curl
IT_USER=nobody
IT_GROUP=postfix
it_keys "$IT_TMP/keys" example.com
it_keys_owned "$IT_TMP/keys" "$IT_TMP/keys-nobody" nobody
mkdir -p "$IT_TMP/run"
SOCK=unix:$IT_TMP/run/signet.sock
METRICS_PORT=$(it_port metrics)
IT_USED_PORTS="$IT_USED_PORTS$METRICS_PORT "
PROM_PORT=$(it_port prometheus)
CFG=$IT_TMP/signet.yaml
it_config "$CFG" "$SOCK" "$IT_TMP/keys-nobody" rsa,ed
cat >>"$CFG" <<EOF
metrics:
  listen: 127.0.0.1:$METRICS_PORT
EOF
it_message "$IT_TMP/msg" "Sender <sender@example.com>"
it_message "$IT_TMP/msg-other" "Other <someone@elsewhere.example>"
it_postfix_start "$SOCK"
it_milter_start "$CFG"
it_wait_listen "$METRICS_PORT" "signet-milter's metrics listener"

PROM_PID=
# it_cleanup_hook - stop the private Prometheus
it_cleanup_hook() {
	[ -z "$PROM_PID" ] || { kill "$PROM_PID" 2>/dev/null; wait "$PROM_PID" 2>/dev/null; }
}

it_send 40 "$IT_TMP/msg" || it_die "smtp-source failed"
it_send 5 "$IT_TMP/msg-other" || it_die "smtp-source failed"
it_wait_delivered 45
it_milter_reload
sleep 1

M=$IT_TMP/metrics.txt
curl -sf "http://127.0.0.1:$METRICS_PORT/metrics" >"$M" ||
	it_die "GET /metrics failed"
it_check "promtool check metrics" sh -c "promtool check metrics <'$M'"

# metric - the value of the sample whose line starts with NAME{LABELS}
metric() {
	awk -v k="$1" 'index($0, k " ") == 1 { print $NF }' "$M"
}

# expect_eq - one case: GOT must equal WANT
expect_eq() {
	if [ "$2" = "$3" ]; then it_pass "$1 ($2)"; else it_fail "$1" "got '$2', want '$3'"; fi
}

expect_eq "signed messages of example.com" \
	"$(metric 'signet_messages_total{domain="example.com",sender="network",outcome="signed"}')" 40
expect_eq "passed messages of other domains" \
	"$(metric 'signet_messages_total{domain="other",sender="unmanaged",outcome="passed"}')" 5
expect_eq "signing latency observations" \
	"$(metric signet_signing_duration_seconds_count)" 40
expect_eq "reloads" "$(metric 'signet_reloads_total{result="ok"}')" 1
it_check "process metrics" grep -q '^process_resident_memory_bytes [1-9]' "$M"
expect_eq "other paths: 404" \
	"$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$METRICS_PORT/")" 404

# A real Prometheus scrape.
cat >"$IT_TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: signet
    static_configs:
      - targets: ["127.0.0.1:$METRICS_PORT"]
rule_files:
  - $srcdir/contrib/prometheus/signet-alerts.yml
EOF
mkdir -p "$IT_TMP/prom"
prometheus --config.file="$IT_TMP/prometheus.yml" \
	--storage.tsdb.path="$IT_TMP/prom" \
	--web.listen-address="127.0.0.1:$PROM_PORT" >"$IT_TMP/prometheus.log" 2>&1 &
PROM_PID=$!
it_wait_listen "$PROM_PORT" prometheus
q="http://127.0.0.1:$PROM_PORT/api/v1/query"
got=
for i in $(seq 60); do
	got=$(curl -sf "$q" --data-urlencode \
		'query=signet_messages_total{job="signet",domain="example.com",outcome="signed"}' |
		"$PYTHON" -c 'import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "")' 2>/dev/null || true)
	[ -z "$got" ] || break
	sleep 0.5
done
expect_eq "Prometheus scraped signet_messages_total" "$got" 40
expect_eq "Prometheus: up" "$(curl -sf "$q" --data-urlencode 'query=up{job="signet"}' |
	"$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["data"]["result"][0]["value"][1])')" 1
it_check "promtool check rules contrib/prometheus/signet-alerts.yml" \
	promtool check rules "$srcdir/contrib/prometheus/signet-alerts.yml"
it_check "Grafana dashboard: JSON naming only exposed metrics" "$PYTHON" -c '
import json, re, sys
d = json.load(open(sys.argv[1]))
exposed = set(re.findall(r"^([a-z_]+?)(?:_bucket|_sum|_count)?[ {]", open(sys.argv[2]).read(), re.M))
exprs = [t["expr"] for p in d["panels"] for t in p.get("targets", [])]
assert exprs, "no queries"
for e in exprs:
    for name in re.findall(r"\b((?:signet|process)_[a-z_]+)", e):
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        assert name in exposed or base in exposed, (name, e)
' "$srcdir/contrib/grafana/signet-dashboard.json" "$M"
it_check "milter exits cleanly on SIGTERM" it_milter_stop
it_summary
