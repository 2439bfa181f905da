#!/bin/bash
# Entrypoint of compose.yaml's kafka service (image apache/kafka): the same secured broker as
# scripts/services.sh, in a container. On first start it makes a CA and the broker's keystore
# with keytool, and the administrator's and the pipeline's SCRAM credentials; it writes the
# pipeline's into /kafka-client (volume kafka-client: what `vigia run` mounts) and the
# administrator's into /kafka-admin (volume kafka-admin: `vigia kafka setup`, `agencies`, the
# publisher), formats the storage with both SCRAM users, and starts Kafka with SASL_SSL
# (SCRAM-SHA-512) listeners, the StandardAuthorizer and no automatic topic creation.
set -euo pipefail
S=/secrets
umask 077
mkdir -p "$S" /kafka-client /kafka-admin /var/lib/kafka/data
pw() { head -c 24 /dev/urandom | base64 | tr -d '/+=' | head -c 32; }

if [[ ! -s $S/broker.p12 ]]; then
  for who in store admin pipeline controller; do pw >"$S/$who.password"; done
  sp=$(<"$S/store.password")
  keytool -genkeypair -alias ca -dname "CN=Vigia compose CA" -keyalg RSA -keysize 2048 -validity 3650 \
    -ext bc:c -keystore "$S/ca.p12" -storetype PKCS12 -storepass "$sp" -noprompt
  keytool -exportcert -rfc -alias ca -keystore "$S/ca.p12" -storepass "$sp" >"$S/ca.pem"
  keytool -genkeypair -alias broker -dname "CN=kafka" -keyalg RSA -keysize 2048 -validity 825 \
    -keystore "$S/broker.p12" -storetype PKCS12 -storepass "$sp" -noprompt
  keytool -certreq -alias broker -keystore "$S/broker.p12" -storepass "$sp" |
    keytool -gencert -alias ca -keystore "$S/ca.p12" -storepass "$sp" -validity 825 -rfc \
      -ext SAN=dns:kafka,dns:localhost,ip:127.0.0.1 -ext EKU=serverAuth >"$S/broker.crt"
  keytool -importcert -alias ca -file "$S/ca.pem" -keystore "$S/broker.p12" -storepass "$sp" -noprompt
  keytool -importcert -alias broker -file "$S/broker.crt" -keystore "$S/broker.p12" -storepass "$sp" -noprompt
fi
sp=$(<"$S/store.password")
for who in admin pipeline; do
  dir=/kafka-client user=vigia-pipeline
  [[ $who == admin ]] && dir=/kafka-admin user=vigia-admin
  cp "$S/ca.pem" "$dir/ca.pem"
  cat >"$dir/$who.env" <<EOF
VIGIA_KAFKA_BROKERS=kafka:9092
VIGIA_KAFKA_SASL_MECHANISM=scram-sha-512
VIGIA_KAFKA_SASL_USERNAME=$user
VIGIA_KAFKA_SASL_PASSWORD=$(<"$S/$who.password")
VIGIA_KAFKA_TLS=true
VIGIA_KAFKA_TLS_CA_FILE=$dir/ca.pem
EOF
done
cat >/kafka-admin/admin.properties <<EOF
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="vigia-admin" password="$(<"$S/admin.password")";
ssl.truststore.type=PEM
ssl.truststore.location=/kafka-admin/ca.pem
EOF
# The vigia image runs as distroless' nonroot (65532): the files are its, and 0600.
chown -R 65532:65532 /kafka-client /kafka-admin
chmod 700 /kafka-client /kafka-admin
chmod 600 /kafka-client/* /kafka-admin/*

props=$S/server.properties
cat >"$props" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@localhost:9093
listeners=SASL_SSL://:9092,CONTROLLER://localhost:9093,EXTERNAL://:9094
advertised.listeners=SASL_SSL://kafka:9092,EXTERNAL://localhost:9094
listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SASL_PLAINTEXT,EXTERNAL:SASL_SSL
inter.broker.listener.name=SASL_SSL
controller.listener.names=CONTROLLER
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="vigia-admin" password="$(<"$S/admin.password")";
listener.name.external.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PKCS12
ssl.keystore.location=$S/broker.p12
ssl.keystore.password=$sp
ssl.key.password=$sp
ssl.client.auth=none
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="controller" password="$(<"$S/controller.password")" user_controller="$(<"$S/controller.password")";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:vigia-admin;User:controller
connections.max.reauth.ms=300000
auto.create.topics.enable=false
log.dirs=/var/lib/kafka/data
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
if [[ -f /var/lib/kafka/data/meta.properties && ! -f /var/lib/kafka/data/vigia-secured ]]; then
  echo "kafka.sh: the kafka-data volume was formatted without SCRAM users (an earlier, plaintext compose file): remove it (docker compose down -v) to start secured" >&2
  exit 1
fi
if [[ ! -f /var/lib/kafka/data/meta.properties ]]; then
  /opt/kafka/bin/kafka-storage.sh format -t vigia-compose-cluster-0001 -c "$props" \
    --add-scram "SCRAM-SHA-512=[name=vigia-admin,password=$(<"$S/admin.password")]" \
    --add-scram "SCRAM-SHA-512=[name=vigia-pipeline,password=$(<"$S/pipeline.password")]"
  touch /var/lib/kafka/data/vigia-secured
fi
exec /opt/kafka/bin/kafka-server-start.sh "$props"
