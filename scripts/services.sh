#!/usr/bin/env bash
# Local Kafka (KRaft, single combined node) + ClickHouse for Vigía development and tests.
#
#   scripts/services.sh up      start both (idempotent) and wait until each really answers
#   scripts/services.sh down    stop both (SIGTERM, then SIGKILL after 30 s); data is kept
#   scripts/services.sh status  show whether each one is up, and where (exit 3 if one is down)
#   scripts/services.sh reset   down, then delete Kafka and ClickHouse data (the jar cache is kept)
#
# Everything listens on 127.0.0.1 only. Settings (environment):
#   VIGIA_KAFKA_PORT=9092  VIGIA_KAFKA_CONTROLLER_PORT=9093
#   VIGIA_CLICKHOUSE_PORT=9000 (native)  VIGIA_CLICKHOUSE_HTTP_PORT=8123
#   VIGIA_STATE_DIR=<repo>/.state        VIGIA_SERVICES_TIMEOUT=120 (seconds per service)
#   VIGIA_KAFKA_HEAP_OPTS="-Xmx1G -Xms256m"
#   VIGIA_CLICKHOUSE_DATABASE=vigia      the database (and <database>_public) the users may use
#   VIGIA_CLICKHOUSE_GRAFANA_MAX_EXECUTION_TIME=10 (seconds a query of vigia_grafana may run)
#
# State folder layout:
#   cache/kafka-lib/   Kafka jars copied from Maven Central (scripts/kafka/pom.xml), reused
#   kafka/             server.properties, cluster-id, data/, logs/ (server.log, kafka.out), kafka.pid
#   kafka/secrets/     ca.pem (the local CA clients trust), admin.env and pipeline.env (the SCRAM
#                      credentials as VIGIA_KAFKA_* variables), admin.properties (Java tools)
#
# Kafka listens with SASL_SSL (SCRAM-SHA-512, TLS from a CA generated here) on VIGIA_KAFKA_PORT,
# with the StandardAuthorizer (no ACL, no access) and no automatic topic creation; the
# controller listener (SASL PLAIN) is on loopback only. `vigia kafka setup` then grants the
# pipeline principal its ACLs.
#   clickhouse/        config.xml, users.xml (0600, rewritten on every `up`), data/, tmp/, logs/,
#                      clickhouse.pid
#   clickhouse/secrets/ migrate.password, pipeline.password, grafana.password (0600, folder 0700):
#                      the users vigia_migrate (DDL), vigia_pipeline (the stages) and vigia_grafana
#                      (reads <database>_public only); users.xml holds their SHA-256 only. The
#                      user default stays the loopback-only administrator (the tests use it).
#
# Needs: Java 17+ (Kafka 4.x), Maven (first run only, to fetch the jars), openssl (the CA and
# the passwords), and the Debian clickhouse-server/clickhouse-client packages (installed with
# apt-get when missing).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)

HOST=127.0.0.1
KAFKA_PORT=${VIGIA_KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${VIGIA_KAFKA_CONTROLLER_PORT:-9093}
CH_TCP_PORT=${VIGIA_CLICKHOUSE_PORT:-9000}
CH_HTTP_PORT=${VIGIA_CLICKHOUSE_HTTP_PORT:-8123}
STATE_DIR=${VIGIA_STATE_DIR:-$REPO_DIR/.state}
START_TIMEOUT=${VIGIA_SERVICES_TIMEOUT:-120}
STOP_TIMEOUT=30
KAFKA_HEAP_OPTS=${VIGIA_KAFKA_HEAP_OPTS:--Xmx1G -Xms256m}

case $STATE_DIR in
  /*) ;;
  *) STATE_DIR=$PWD/$STATE_DIR ;;
esac

CACHE_DIR=$STATE_DIR/cache
KAFKA_LIB=$CACHE_DIR/kafka-lib
KAFKA_POM=$SCRIPT_DIR/kafka/pom.xml
KAFKA_LOG4J=$SCRIPT_DIR/kafka/log4j2.properties
KAFKA_TOOLS_LOG4J=$SCRIPT_DIR/kafka/log4j2-tools.properties
KAFKA_DIR=$STATE_DIR/kafka
KAFKA_DATA=$KAFKA_DIR/data
KAFKA_LOGS=$KAFKA_DIR/logs
KAFKA_PROPS=$KAFKA_DIR/server.properties
KAFKA_PIDFILE=$KAFKA_DIR/kafka.pid
KAFKA_CLUSTER_ID_FILE=$KAFKA_DIR/cluster-id
# The local CA, the broker's key and the principals' credentials (0600, in a 0700 folder).
KAFKA_SECRETS=$KAFKA_DIR/secrets
# Principals: the administrator (super user: topics, ACLs, agencies) and the pipeline (the
# stages, with the ACLs `vigia kafka setup` grants); the controller's is loopback-only.
KAFKA_ADMIN=vigia-admin
KAFKA_PIPELINE=vigia-pipeline
# A Kafka broker of ours is the process whose command line contains this.
KAFKA_MARKER="kafka.Kafka $KAFKA_PROPS"

CH_TEMPLATE_DIR=$SCRIPT_DIR/clickhouse
CH_DIR=$STATE_DIR/clickhouse
CH_LOGS=$CH_DIR/logs
CH_CONFIG=$CH_DIR/config.xml
CH_PIDFILE=$CH_DIR/clickhouse.pid
CH_MARKER="--config-file=$CH_CONFIG"
# The ClickHouse users' passwords (0600, in a 0700 folder) and who may use which database.
CH_SECRETS=$CH_DIR/secrets
CH_USERS="migrate pipeline grafana" # vigia_<who>, password in $CH_SECRETS/<who>.password
CH_DATABASE=${VIGIA_CLICKHOUSE_DATABASE:-vigia}
CH_GRAFANA_MAX_EXECUTION_TIME=${VIGIA_CLICKHOUSE_GRAFANA_MAX_EXECUTION_TIME:-10}

say() { printf 'services: %s\n' "$*"; }
warn() { printf 'services: %s\n' "$*" >&2; }
die() {
  warn "$@"
  exit 1
}

usage() {
  cat <<EOF
usage: scripts/services.sh up|down|status|reset

  up      start Kafka ($HOST:$KAFKA_PORT) and ClickHouse ($HOST:$CH_TCP_PORT, http $CH_HTTP_PORT)
          and wait until both answer; a no-op when they already do
  down    stop both, keeping their data
  status  print whether each one is up (exit status 3 when one is down)
  reset   down, then delete their data under $STATE_DIR (the jar cache is kept)
EOF
}

check_settings() {
  local name value
  for name in VIGIA_KAFKA_PORT VIGIA_KAFKA_CONTROLLER_PORT VIGIA_CLICKHOUSE_PORT VIGIA_CLICKHOUSE_HTTP_PORT; do
    case $name in
      VIGIA_KAFKA_PORT) value=$KAFKA_PORT ;;
      VIGIA_KAFKA_CONTROLLER_PORT) value=$KAFKA_CONTROLLER_PORT ;;
      VIGIA_CLICKHOUSE_PORT) value=$CH_TCP_PORT ;;
      *) value=$CH_HTTP_PORT ;;
    esac
    if ! [[ $value =~ ^[0-9]+$ ]] || ((value < 1 || value > 65535)); then
      die "$name=$value is not a TCP port number"
    fi
  done
  if [[ $(printf '%s\n' "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "$CH_TCP_PORT" "$CH_HTTP_PORT" | sort -u | wc -l) -ne 4 ]]; then
    die "the four ports must differ (kafka $KAFKA_PORT, kafka controller $KAFKA_CONTROLLER_PORT, clickhouse $CH_TCP_PORT, clickhouse http $CH_HTTP_PORT)"
  fi
  [[ $START_TIMEOUT =~ ^[0-9]+$ ]] || die "VIGIA_SERVICES_TIMEOUT=$START_TIMEOUT is not a number of seconds"
  # As clickhouse.database in the configuration: a plain identifier (it is pasted into XML).
  [[ $CH_DATABASE =~ ^[A-Za-z_][A-Za-z0-9_]{0,63}$ ]] ||
    die "VIGIA_CLICKHOUSE_DATABASE=$CH_DATABASE must be a plain identifier (letters, digits, '_')"
  [[ $CH_GRAFANA_MAX_EXECUTION_TIME =~ ^[1-9][0-9]{0,3}$ ]] ||
    die "VIGIA_CLICKHOUSE_GRAFANA_MAX_EXECUTION_TIME=$CH_GRAFANA_MAX_EXECUTION_TIME must be a number of seconds from 1 to 9999"
  # The state path is pasted into XML and Java properties files.
  [[ $STATE_DIR != *[\&\<\>\\]* ]] || die "VIGIA_STATE_DIR=$STATE_DIR: the characters & < > \\ are not supported"
}

# ---------------------------------------------------------------------------------------------
# Processes: a service is "ours" when its command line contains its marker (the path of its
# config file in this state folder); the pid file is only a hint, stale ones are removed.

CMDLINE=
read_cmdline() { # pid -> CMDLINE; fails when the process is gone (or a zombie)
  local -a args
  CMDLINE=
  mapfile -d '' -t args 2>/dev/null <"/proc/$1/cmdline" || return 1
  ((${#args[@]} > 0)) || return 1
  CMDLINE="${args[*]}"
}

is_ours() { # pid marker
  read_cmdline "$1" && [[ $CMDLINE == *"$2"* ]]
}

FOUND_PID=
find_pid() { # marker pidfile -> FOUND_PID; fails when not running
  local marker=$1 pidfile=$2 pid=
  FOUND_PID=
  if [[ -s $pidfile ]]; then
    read -r pid <"$pidfile" || true
    if [[ $pid =~ ^[0-9]+$ ]] && is_ours "$pid" "$marker"; then
      FOUND_PID=$pid
      return 0
    fi
  fi
  # No (valid) pid file: look for the process anyway, so that a lost pid file never leads
  # to a second copy.
  local p
  for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    [[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
    if is_ours "$pid" "$marker"; then
      FOUND_PID=$pid
      break
    fi
  done
  if [[ -n $FOUND_PID ]]; then
    [[ -d ${pidfile%/*} ]] && echo "$FOUND_PID" >"$pidfile"
    return 0
  fi
  if [[ -e $pidfile ]]; then
    rm -f "$pidfile"
  fi
  return 1
}

port_open() { # port
  # shellcheck disable=SC2016  # $1/$2 are expanded by the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$HOST" "$1" 2>/dev/null
}

port_owner() { # port -> short description of who listens there, if ss can tell
  local out=
  if command -v ss >/dev/null 2>&1; then
    out=$(ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'users:(.*)' | head -n 1 || true)
  fi
  printf '%s' "${out:-another process}"
}

ensure_ports_free() { # service-name port...
  local name=$1 port
  shift
  for port in "$@"; do
    if port_open "$port"; then
      die "cannot start $name: $HOST:$port is already in use by $(port_owner "$port"), which is not a service of this script for $STATE_DIR. Stop it, or choose other ports (VIGIA_KAFKA_PORT, VIGIA_KAFKA_CONTROLLER_PORT, VIGIA_CLICKHOUSE_PORT, VIGIA_CLICKHOUSE_HTTP_PORT)."
    fi
  done
}

show_logs() { # file... : tail of each existing, non-empty one, on stderr
  local f
  for f in "$@"; do
    if [[ -s $f ]]; then
      warn "---- last lines of $f ----"
      tail -n 40 "$f" >&2
    fi
  done
}

# wait_until name marker pidfile check-function log-file...
wait_until() {
  local name=$1 marker=$2 pidfile=$3 check=$4
  shift 4
  local deadline=$((SECONDS + START_TIMEOUT)) pid
  until "$check"; do
    if ! find_pid "$marker" "$pidfile"; then
      show_logs "$@"
      die "$name exited during startup (logs above)"
    fi
    pid=$FOUND_PID
    if ((SECONDS >= deadline)); then
      show_logs "$@"
      die "$name (pid $pid) did not answer within ${START_TIMEOUT}s (logs above); it is left running, 'scripts/services.sh down' stops it"
    fi
    sleep 1
  done
}

stop_service() { # name marker pidfile -> 0 if it was running
  local name=$1 marker=$2 pidfile=$3 pid deadline
  if ! find_pid "$marker" "$pidfile"; then
    return 1
  fi
  pid=$FOUND_PID
  say "stopping $name (pid $pid)..."
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + STOP_TIMEOUT))
  while is_ours "$pid" "$marker"; do
    if ((SECONDS >= deadline)); then
      warn "$name (pid $pid) still running after ${STOP_TIMEOUT}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 1
      break
    fi
    sleep 0.5
  done
  rm -f "$pidfile"
  say "$name stopped"
}

# Start a command detached from this shell (own session, no terminal, fd 9 = lock closed),
# with stdout+stderr appended to a log file, and record its pid.
launch() { # workdir logfile pidfile command...
  local workdir=$1 logfile=$2 pidfile=$3
  shift 3
  (
    cd "$workdir"
    setsid nohup "$@" </dev/null >>"$logfile" 2>&1 9>&- &
    echo $! >"$pidfile"
  )
}

# ---------------------------------------------------------------------------------------------
# Kafka

JAVA=
ensure_java() {
  local out major
  JAVA=java
  if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then
    JAVA=$JAVA_HOME/bin/java
  fi
  if ! command -v "$JAVA" >/dev/null 2>&1; then
    die "java not found: Kafka 4.x needs Java 17 or newer; install OpenJDK 17, e.g. apt-get install -y openjdk-17-jre-headless"
  fi
  out=$("$JAVA" -version 2>&1) || die "'$JAVA -version' failed: $out"
  if [[ $out =~ version\ \"1\.([0-9]+) ]] || [[ $out =~ version\ \"([0-9]+) ]]; then
    major=${BASH_REMATCH[1]}
    if ((major < 17)); then
      die "java $major found ($JAVA), but Kafka 4.x needs Java 17 or newer; install OpenJDK 17, e.g. apt-get install -y openjdk-17-jre-headless (and make it the default java, or set JAVA_HOME)"
    fi
  fi
}

kafka_jars_ok() {
  [[ -f $KAFKA_LIB/.pom.sha256 && $(<"$KAFKA_LIB/.pom.sha256") == "$1" ]] &&
    compgen -G "$KAFKA_LIB/kafka_2.13-*.jar" >/dev/null &&
    compgen -G "$KAFKA_LIB/kafka-tools-*.jar" >/dev/null
}

# The jars are (re)fetched when the cache is missing or scripts/kafka/pom.xml changed.
ensure_kafka_jars() {
  local want tmp log
  want=$(sha256sum "$KAFKA_POM" | cut -d' ' -f1)
  if kafka_jars_ok "$want"; then
    return 0
  fi
  if ! command -v mvn >/dev/null 2>&1; then
    die "mvn not found: Maven is needed (once) to download the Kafka jars into $KAFKA_LIB; install it, e.g. apt-get install -y maven"
  fi
  mkdir -p "$CACHE_DIR"
  tmp=$CACHE_DIR/kafka-lib.tmp
  log=$CACHE_DIR/mvn.log
  rm -rf "$tmp"
  say "downloading the Kafka jars with Maven into $KAFKA_LIB (only when missing or when scripts/kafka/pom.xml changes)..."
  if ! mvn -q -B -f "$KAFKA_POM" dependency:copy-dependencies \
    -DoutputDirectory="$tmp" -DincludeScope=runtime >"$log" 2>&1; then
    show_logs "$log"
    die "mvn could not download the Kafka jars (log: $log); Maven Central must be reachable"
  fi
  compgen -G "$tmp/kafka_2.13-*.jar" >/dev/null || die "mvn finished but no kafka_2.13 jar is in $tmp (log: $log)"
  echo "$want" >"$tmp/.pom.sha256"
  rm -rf "$KAFKA_LIB"
  mv "$tmp" "$KAFKA_LIB"
}

kafka_java() { # class args... : run a Kafka tool class from the cache, quietly
  "$JAVA" -Xmx256m -Dlog4j2.configurationFile="$KAFKA_TOOLS_LOG4J" -cp "$KAFKA_LIB/*" "$@"
}

write_kafka_properties() {
  local admin_pw controller_pw
  admin_pw=$(<"$KAFKA_SECRETS/admin.password")
  controller_pw=$(<"$KAFKA_SECRETS/controller.password")
  # The file holds the administrator's password: made anew 0600 (a file left by the earlier,
  # plaintext script would keep its 0644 through a plain truncation).
  rm -f "$KAFKA_PROPS"
  (
    umask 077
    {
      cat <<EOF
# Generated by scripts/services.sh on every start: edit the script, not this file.
# Single-node KRaft cluster (combined broker + controller), loopback only.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
listeners=SASL_SSL://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=SASL_SSL://$HOST:$KAFKA_PORT
listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SASL_PLAINTEXT
inter.broker.listener.name=SASL_SSL
controller.listener.names=CONTROLLER

# Clients: SCRAM-SHA-512 over TLS only.
listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$KAFKA_ADMIN" password="$admin_pw";
ssl.keystore.type=PEM
ssl.keystore.location=$KAFKA_SECRETS/broker-keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$KAFKA_SECRETS/ca.pem
ssl.client.auth=none
# The controller (SCRAM needs the metadata the controller serves, so PLAIN, on loopback).
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="controller" password="$controller_pw" user_controller="$controller_pw";

# No ACL, no access; the administrator and the controller only are super users.
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:$KAFKA_ADMIN;User:controller
# A session re-authenticates at least this often, so a rotated or removed agency's open
# connections end within five minutes, not when the agency chooses to reconnect.
connections.max.reauth.ms=300000
EOF
      kafka_common_properties
    } >"$KAFKA_PROPS"
  )
}

# The broker settings that do not concern security (scripts/plain-kafka.sh shares them).
kafka_common_properties() {
  cat <<EOF

log.dirs=$KAFKA_DATA
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# Topics are created by the administrator (agencies) and by the pipeline (its own), never by
# a client that merely names one.
auto.create.topics.enable=false

num.network.threads=2
num.io.threads=4
log.retention.hours=168
log.retention.check.interval.ms=300000
EOF
}

# The CA, the broker's certificate and the principals' passwords, made once per state folder.
ensure_kafka_secrets() {
  local d=$KAFKA_SECRETS who user
  if [[ -s $d/ca.pem && -s $d/broker-keystore.pem && -s $d/admin.env && -s $d/pipeline.env && -s $d/controller.password ]]; then
    return 0
  fi
  if [[ -f $KAFKA_DIR/secured ]]; then
    die "$d is incomplete but the Kafka storage holds SCRAM users made with its passwords: new passwords would lock everyone out. Restore the folder, or start over with 'scripts/services.sh reset' (deletes the local Kafka and ClickHouse data)"
  fi
  command -v openssl >/dev/null 2>&1 || die "openssl not found: it makes the local CA for Kafka's TLS; install it, e.g. apt-get install -y openssl"
  say "making the local CA, the broker's certificate and the credentials in $d..."
  (
    umask 077
    mkdir -p "$d"
    chmod 700 "$d"
    cd "$d"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 -subj "/CN=Vigia local CA" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout broker.key -out broker.csr -subj "/CN=localhost" 2>/dev/null
    printf 'subjectAltName=IP:%s,DNS:localhost\nextendedKeyUsage=serverAuth\n' "$HOST" >broker.ext
    openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out broker.pem -days 825 \
      -extfile broker.ext 2>/dev/null
    cat broker.key broker.pem >broker-keystore.pem
    rm -f broker.csr broker.ext
    for who in admin pipeline controller; do
      openssl rand -hex 24 >"$who.password"
    done
    for who in admin pipeline; do
      user=$KAFKA_ADMIN
      [[ $who == pipeline ]] && user=$KAFKA_PIPELINE
      cat >"$who.env" <<EOF
VIGIA_KAFKA_BROKERS=$HOST:$KAFKA_PORT
VIGIA_KAFKA_SASL_MECHANISM=scram-sha-512
VIGIA_KAFKA_SASL_USERNAME=$user
VIGIA_KAFKA_SASL_PASSWORD=$(<"$who.password")
VIGIA_KAFKA_TLS=true
VIGIA_KAFKA_TLS_CA_FILE=$d/ca.pem
EOF
    done
    cat >admin.properties <<EOF
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$KAFKA_ADMIN" password="$(<admin.password)";
ssl.truststore.type=PEM
ssl.truststore.location=$d/ca.pem
EOF
    chmod 600 ./*
  ) || die "cannot make the Kafka secrets in $d"
}

# A real Kafka protocol exchange over TLS: ApiVersions (answered before SASL authentication)
# on the broker port, through openssl; ready when the answer echoes our correlation id with
# no error. `vigia kafka setup`, which runs next, waits until the broker takes requests.
kafka_ready() {
  local out
  local -a b
  [[ -s $KAFKA_SECRETS/ca.pem ]] || return 1
  # size=15 | api_key=18 api_version=0 correlation_id="VIGA" client_id="vigia"
  # (pipefail off: head closing the pipe early is the point, not a failure)
  # (-no_ign_eof: s_client ends a second after the request, not at the 5 s timeout)
  out=$(set +o pipefail; { printf '\x00\x00\x00\x0f\x00\x12\x00\x00\x56\x49\x47\x41\x00\x05vigia'; sleep 1; } |
    timeout 5 openssl s_client -quiet -no_ign_eof -verify_return_error -CAfile "$KAFKA_SECRETS/ca.pem" \
      -connect "$HOST:$KAFKA_PORT" 2>/dev/null | head -c 10 | od -An -v -tx1)
  # answer: size(4) correlation_id(4) error_code(2)
  read -r -a b <<<"${out//$'\n'/ }"
  ((${#b[@]} == 10)) && [[ ${b[*]:4:4} == "56 49 47 41" && ${b[*]:8:2} == "00 00" ]]
}

# A real Kafka protocol exchange, without starting a JVM: Metadata v4 request (the oldest
# version Kafka 4.x accepts) on the broker port; ready when the answer lists a broker.
# The broker only processes requests once it has caught up with the controller and is
# unfenced, so topics can be created as soon as this succeeds.
plaintext_kafka_ready() {
  local out
  local -a b
  # size=20 | api_key=3 api_version=4 correlation_id="VIGA" client_id="vigia" | topics=null(all) allow_auto_topic_creation=false
  # shellcheck disable=SC2016  # $1/$2 are expanded by the inner bash
  out=$(timeout 5 bash -c '
    exec 3<>"/dev/tcp/$1/$2" || exit 1
    printf "\x00\x00\x00\x14\x00\x03\x00\x04\x56\x49\x47\x41\x00\x05vigia\xff\xff\xff\xff\x00" >&3
    head -c 20 <&3 | od -An -v -tx1' _ "$HOST" "$KAFKA_PORT" 2>/dev/null) || return 1
  # answer: size(4) correlation_id(4) throttle_time_ms(4) brokers.count(4) brokers[0].node_id(4)
  read -r -a b <<<"${out//$'\n'/ }"
  ((${#b[@]} == 20)) && [[ ${b[*]:4:4} == "56 49 47 41" && ${b[*]:12:4} != "00 00 00 00" ]]
}

# plain_kafka_properties node-id voters: the roles and listeners of a PLAINTEXT broker and
# controller (the benchmark broker's and the cluster's); kafka_common_properties follows.
plain_kafka_properties() {
  cat <<EOF
process.roles=broker,controller
node.id=$1
controller.quorum.voters=$2
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
EOF
}

# launch_plain_kafka cluster-id what: formats the PLAINTEXT broker of $KAFKA_PROPS if its
# storage is new (the benchmark broker's and the cluster's) and starts it.
launch_plain_kafka() {
  local -a heap
  mkdir -p "$KAFKA_DATA" "$KAFKA_LOGS"
  if [[ ! -f $KAFKA_DATA/meta.properties ]]; then
    kafka_java kafka.tools.StorageTool format --ignore-formatted -t "$1" -c "$KAFKA_PROPS" \
      >"$KAFKA_LOGS/format.log" 2>&1 || {
      show_logs "$KAFKA_LOGS/format.log"
      die "formatting the storage of $2 failed"
    }
  fi
  read -r -a heap <<<"$KAFKA_HEAP_OPTS"
  say "starting $2 on $HOST:$KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT)..."
  launch "$KAFKA_DIR" "$KAFKA_LOGS/kafka.out" "$KAFKA_PIDFILE" \
    "$JAVA" "${heap[@]}" -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dkafka.logs.dir="$KAFKA_LOGS" -Dlog4j2.configurationFile="$KAFKA_LOG4J" \
    -cp "$KAFKA_LIB/*" kafka.Kafka "$KAFKA_PROPS"
}

start_kafka() {
  local cluster_id
  local -a heap
  mkdir -p "$KAFKA_DATA" "$KAFKA_LOGS"
  ensure_kafka_secrets
  if [[ -f $KAFKA_DATA/meta.properties && ! -f $KAFKA_DIR/secured ]]; then
    warn "the Kafka data in $KAFKA_DATA was made by an earlier, unauthenticated version of this script: deleting it (topics and offsets of the local broker) so the broker starts with its SCRAM users"
    rm -rf "$KAFKA_DATA"
    mkdir -p "$KAFKA_DATA"
  fi
  write_kafka_properties
  if [[ ! -f $KAFKA_DATA/meta.properties ]]; then
    if [[ ! -s $KAFKA_CLUSTER_ID_FILE ]]; then
      kafka_java kafka.tools.StorageTool random-uuid >"$KAFKA_CLUSTER_ID_FILE.tmp" ||
        die "kafka StorageTool random-uuid failed"
      mv "$KAFKA_CLUSTER_ID_FILE.tmp" "$KAFKA_CLUSTER_ID_FILE"
    fi
    cluster_id=$(<"$KAFKA_CLUSTER_ID_FILE")
    say "formatting Kafka storage in $KAFKA_DATA (cluster id $cluster_id)..."
    kafka_java kafka.tools.StorageTool format --ignore-formatted \
      -t "$cluster_id" -c "$KAFKA_PROPS" \
      --add-scram "SCRAM-SHA-512=[name=$KAFKA_ADMIN,password=$(<"$KAFKA_SECRETS/admin.password")]" \
      --add-scram "SCRAM-SHA-512=[name=$KAFKA_PIPELINE,password=$(<"$KAFKA_SECRETS/pipeline.password")]" \
      >"$KAFKA_LOGS/format.log" 2>&1 || {
      show_logs "$KAFKA_LOGS/format.log"
      die "formatting the Kafka storage failed"
    }
    touch "$KAFKA_DIR/secured"
  fi
  read -r -a heap <<<"$KAFKA_HEAP_OPTS"
  say "starting Kafka on $HOST:$KAFKA_PORT (controller $HOST:$KAFKA_CONTROLLER_PORT)..."
  launch "$KAFKA_DIR" "$KAFKA_LOGS/kafka.out" "$KAFKA_PIDFILE" \
    "$JAVA" "${heap[@]}" -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent \
    -Djava.awt.headless=true -Dkafka.logs.dir="$KAFKA_LOGS" \
    -Dlog4j2.configurationFile="$KAFKA_LOG4J" \
    -cp "$KAFKA_LIB/*" kafka.Kafka "$KAFKA_PROPS"
}

# ---------------------------------------------------------------------------------------------
# ClickHouse

CH_SERVER=
CH_CLIENT=
find_clickhouse() {
  CH_SERVER=$(command -v clickhouse-server 2>/dev/null || true)
  [[ -n $CH_SERVER || ! -x /usr/sbin/clickhouse-server ]] || CH_SERVER=/usr/sbin/clickhouse-server
  CH_CLIENT=$(command -v clickhouse-client 2>/dev/null || true)
  [[ -n $CH_SERVER && -n $CH_CLIENT ]]
}

# apt_install what log package...: installs Debian packages as root (sudo when not root),
# updating the package lists once if the first attempt fails.
apt_install() {
  local what=$1 log=$2
  shift 2
  local -a sudo=()
  if ! command -v apt-get >/dev/null 2>&1; then
    die "$what not found and apt-get is not available: install $* with your system's package manager"
  fi
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "$what not found: install it as root with apt-get install -y $*"
    sudo=(sudo)
  fi
  say "$what not found: installing it with apt-get install -y $* (log: $log)..."
  if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" >"$log" 2>&1; then
    say "apt-get install failed, running apt-get update and trying again..."
    if ! { "${sudo[@]}" apt-get update && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@"; } >>"$log" 2>&1; then
      show_logs "$log"
      die "could not install $* with apt-get (log: $log)"
    fi
  fi
}

apt_install_clickhouse() {
  local -a sudo=()
  local log=$STATE_DIR/apt-clickhouse.log
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  apt_install clickhouse-server "$log" clickhouse-server clickhouse-client
  # The package enables and may start the system-wide server, which listens on 9000/8123 too.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet clickhouse-server 2>/dev/null; then
    say "disabling the system-wide clickhouse-server service the package started (it would take ports 9000/8123)"
    "${sudo[@]}" systemctl disable --now clickhouse-server >>"$log" 2>&1 || true
  fi
}

ensure_clickhouse() {
  if ! find_clickhouse; then
    apt_install_clickhouse
    find_clickhouse || die "clickhouse-server/clickhouse-client still not found after installing them"
  fi
}

render_template() { # template output: replaces @CH_DIR@, @TCP_PORT@, @HTTP_PORT@
  local text
  text=$(<"$1")
  text=${text//@CH_DIR@/"$CH_DIR"}
  text=${text//@TCP_PORT@/"$CH_TCP_PORT"}
  text=${text//@HTTP_PORT@/"$CH_HTTP_PORT"}
  printf '%s\n' "$text" >"$2"
}

clickhouse_ready() {
  if command -v curl >/dev/null 2>&1; then
    [[ $(curl -s --max-time 2 "http://$HOST:$CH_HTTP_PORT/ping" 2>/dev/null || true) == "Ok." ]] || return 1
  fi
  [[ -n $CH_CLIENT ]] || find_clickhouse || return 1
  [[ $(timeout 10 "$CH_CLIENT" --host "$HOST" --port "$CH_TCP_PORT" -q 'SELECT 1' 2>/dev/null || true) == 1 ]]
}

# The users' passwords, made once per state folder (a missing one is made anew: users.xml is
# rewritten from these files on every `up`, so no server keeps an old password).
ensure_clickhouse_secrets() {
  local d=$CH_SECRETS who missing=0
  for who in $CH_USERS; do
    [[ -s $d/$who.password ]] || missing=1
  done
  ((missing)) || return 0
  command -v openssl >/dev/null 2>&1 || die "openssl not found: it makes the ClickHouse users' passwords; install it, e.g. apt-get install -y openssl"
  say "making the ClickHouse users' passwords in $d..."
  (
    umask 077
    mkdir -p "$d"
    chmod 700 "$d"
    cd "$d"
    for who in $CH_USERS; do
      [[ -s $who.password ]] || openssl rand -hex 24 >"$who.password"
    done
    chmod 600 ./*.password
  ) || die "cannot make the ClickHouse passwords in $d"
}

password_sha256() { # file -> the SHA-256 (hex) of its first line, as users.xml wants it
  local pw
  read -r pw <"$1" || true
  [[ -n $pw ]] || return 1
  printf '%s' "$pw" | sha256sum | cut -d' ' -f1
}

# users.xml from its template: the passwords' SHA-256 and the databases each user may use.
# Written 0600 beside the old one and renamed over it, so a running server (which reloads the
# file by itself within seconds) never reads half of it. Unchanged, it is left alone.
write_clickhouse_users() {
  local text out=$CH_DIR/users.xml who hash
  text=$(<"$CH_TEMPLATE_DIR/users.xml.in")
  text=${text//@DB@/"$CH_DATABASE"}
  text=${text//@PUBLIC@/"${CH_DATABASE}_public"}
  text=${text//@GRAFANA_MAX_EXECUTION_TIME@/"$CH_GRAFANA_MAX_EXECUTION_TIME"}
  for who in $CH_USERS; do
    hash=$(password_sha256 "$CH_SECRETS/$who.password") || die "$CH_SECRETS/$who.password is empty or unreadable"
    text=${text//"@${who^^}_SHA256@"/"$hash"}
  done
  [[ $text != *@*_SHA256@* ]] || die "$CH_TEMPLATE_DIR/users.xml.in names a user this script has no password for"
  if [[ -f $out && $(stat -c %a "$out") == 600 && "$(<"$out")" == "$text" ]]; then
    return 0
  fi
  (
    umask 077
    printf '%s\n' "$text" >"$out.tmp"
  ) || die "cannot write $out.tmp"
  [[ ! -f $out ]] || say "rewriting $out (users vigia_migrate, vigia_pipeline, vigia_grafana); a running server reloads it"
  mv -f "$out.tmp" "$out"
}

# Every user of ours logs in (a running server takes a rewritten users.xml within seconds).
# The password goes through a 0600 client config file, never the command line.
clickhouse_users_ready() {
  local who failed=0 cfg=$CH_SECRETS/.client.xml pw
  [[ -n $CH_CLIENT ]] || find_clickhouse || return 1
  for who in $CH_USERS; do
    read -r pw <"$CH_SECRETS/$who.password" || return 1
    (
      umask 077
      printf '<config><user>vigia_%s</user><password>%s</password></config>\n' "$who" "$pw" >"$cfg"
    ) || return 1
    if [[ $(timeout 10 "$CH_CLIENT" --config-file "$cfg" --host "$HOST" --port "$CH_TCP_PORT" -q 'SELECT 1' 2>/dev/null || true) != 1 ]]; then
      failed=1
      break
    fi
  done
  rm -f "$cfg"
  return "$failed"
}

ensure_clickhouse_users() {
  ensure_clickhouse_secrets
  write_clickhouse_users
  wait_until "clickhouse users" "$CH_MARKER" "$CH_PIDFILE" clickhouse_users_ready \
    "$CH_LOGS/clickhouse-server.err.log"
}

start_clickhouse() {
  mkdir -p "$CH_DIR/data" "$CH_DIR/tmp" "$CH_DIR/user_files" "$CH_DIR/format_schemas" "$CH_LOGS"
  render_template "$CH_TEMPLATE_DIR/config.xml.in" "$CH_CONFIG"
  ensure_clickhouse_secrets
  write_clickhouse_users
  say "starting ClickHouse on $HOST:$CH_TCP_PORT (http $CH_HTTP_PORT)..."
  # Foreground mode (ClickHouse 18.16 writes its own pid file only with --daemon); the
  # config is the only argument so that the marker matches.
  launch "$CH_DIR" "$CH_LOGS/console.log" "$CH_PIDFILE" "$CH_SERVER" "$CH_MARKER"
}

# ---------------------------------------------------------------------------------------------
# Commands

take_lock() {
  mkdir -p "$STATE_DIR"
  exec 9>"$STATE_DIR/services.lock"
  if command -v flock >/dev/null 2>&1; then
    flock -w 300 9 || die "another scripts/services.sh is still running (lock $STATE_DIR/services.lock)"
  fi
}

kafka_where() { printf 'kafka at %s:%s (SASL_SSL, SCRAM-SHA-512)' "$HOST" "$KAFKA_PORT"; }
clickhouse_where() { printf 'clickhouse at %s:%s (http://%s:%s)' "$HOST" "$CH_TCP_PORT" "$HOST" "$CH_HTTP_PORT"; }

cmd_up() {
  local start=$SECONDS kafka_running=0 ch_running=0
  check_settings
  take_lock

  if find_pid "$KAFKA_MARKER" "$KAFKA_PIDFILE"; then kafka_running=1; fi
  if find_pid "$CH_MARKER" "$CH_PIDFILE"; then ch_running=1; fi
  if ((kafka_running && ch_running)) && kafka_ready && { find_clickhouse || true; } && clickhouse_ready; then
    # users.xml may be older than the template or the passwords: the server reloads it live.
    ensure_clickhouse_users
    say "already up: $(kafka_where), $(clickhouse_where)"
    say "clickhouse passwords (0600): $CH_SECRETS/{migrate,pipeline,grafana}.password (users vigia_migrate, vigia_pipeline, vigia_grafana)"
    return 0
  fi

  # Prerequisites first, so that a missing tool fails before anything starts.
  if ((!kafka_running)); then
    ensure_ports_free kafka "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"
    ensure_java
  fi
  if ((!ch_running)); then
    ensure_ports_free clickhouse "$CH_TCP_PORT" "$CH_HTTP_PORT"
  fi
  if ((!kafka_running)); then ensure_kafka_jars; fi
  if ((!ch_running)); then ensure_clickhouse; else find_clickhouse || true; fi

  if ((!kafka_running)); then start_kafka; fi
  if ((!ch_running)); then start_clickhouse; fi

  wait_until clickhouse "$CH_MARKER" "$CH_PIDFILE" clickhouse_ready \
    "$CH_LOGS/console.log" "$CH_LOGS/clickhouse-server.err.log" "$CH_LOGS/clickhouse-server.log"
  ensure_clickhouse_users
  ((ch_running)) || say "clickhouse is up: $(clickhouse_where)"
  wait_until kafka "$KAFKA_MARKER" "$KAFKA_PIDFILE" kafka_ready \
    "$KAFKA_LOGS/kafka.out" "$KAFKA_LOGS/server.log"
  ((kafka_running)) || say "kafka is up: $(kafka_where)"
  say "services up in $((SECONDS - start))s: $(kafka_where), $(clickhouse_where)"
  say "kafka credentials (0600): $KAFKA_SECRETS/pipeline.env (the stages), $KAFKA_SECRETS/admin.env (administration), CA $KAFKA_SECRETS/ca.pem"
  say "clickhouse passwords (0600): $CH_SECRETS/{migrate,pipeline,grafana}.password (users vigia_migrate, vigia_pipeline, vigia_grafana)"
}

cmd_down() {
  local stopped=0
  take_lock
  if stop_service kafka "$KAFKA_MARKER" "$KAFKA_PIDFILE"; then stopped=1; else say "kafka is not running"; fi
  if stop_service clickhouse "$CH_MARKER" "$CH_PIDFILE"; then stopped=1; else say "clickhouse is not running"; fi
  ((stopped)) || say "nothing was running"
  return 0
}

cmd_status() {
  local all=1
  if find_pid "$KAFKA_MARKER" "$KAFKA_PIDFILE"; then
    if kafka_ready; then
      say "kafka: up (pid $FOUND_PID) at $HOST:$KAFKA_PORT (controller $HOST:$KAFKA_CONTROLLER_PORT), logs $KAFKA_LOGS"
    else
      say "kafka: starting or not answering (pid $FOUND_PID) at $HOST:$KAFKA_PORT, logs $KAFKA_LOGS"
      all=0
    fi
  else
    all=0
    if port_open "$KAFKA_PORT"; then
      say "kafka: down ($HOST:$KAFKA_PORT is in use by $(port_owner "$KAFKA_PORT"), not a service of this state folder)"
    else
      say "kafka: down ($HOST:$KAFKA_PORT)"
    fi
  fi
  if find_pid "$CH_MARKER" "$CH_PIDFILE"; then
    find_clickhouse || true
    if clickhouse_ready; then
      say "clickhouse: up (pid $FOUND_PID) at $HOST:$CH_TCP_PORT, http://$HOST:$CH_HTTP_PORT, logs $CH_LOGS"
    else
      say "clickhouse: starting or not answering (pid $FOUND_PID) at $HOST:$CH_TCP_PORT, logs $CH_LOGS"
      all=0
    fi
  else
    all=0
    if port_open "$CH_TCP_PORT"; then
      say "clickhouse: down ($HOST:$CH_TCP_PORT is in use by $(port_owner "$CH_TCP_PORT"), not a service of this state folder)"
    else
      say "clickhouse: down ($HOST:$CH_TCP_PORT, http $CH_HTTP_PORT)"
    fi
  fi
  ((all)) || return 3
}

cmd_reset() {
  cmd_down
  rm -rf "$KAFKA_DIR" "$CH_DIR"
  say "deleted Kafka and ClickHouse data ($KAFKA_DIR, $CH_DIR); the jar cache in $CACHE_DIR is kept"
}

main() {
  if (($# != 1)); then
    usage >&2
    exit 2
  fi
  case $1 in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    reset) cmd_reset ;;
    -h | --help | help) usage ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

# Sourced (scripts/plain-kafka.sh reuses these functions), it only defines them.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  main "$@"
fi
