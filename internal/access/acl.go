// Package access says who may do what on Kafka: the pipeline principal's ACLs, an agency's,
// and the registry of agencies that ingest consumes. The administrator (a super user) applies
// them with `vigia kafka setup` and `vigia agencies`; the broker enforces them.
package access

import (
	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/topics"
)

// PipelineUser is the SCRAM user of the stages on `make services`' broker.
const PipelineUser = "vigia-pipeline"

// AgencyUser is agency id's SCRAM user; its principal is User:agency-<id>.
func AgencyUser(id string) string { return "agency-" + id }

// Principal is the Kafka principal of a SCRAM user.
func Principal(user string) string { return "User:" + user }

func allow(rt kafka.ResourceType, name string, pt kafka.PatternType, principal string, ops ...kafka.ACLOperationType) []kafka.ACLEntry {
	out := make([]kafka.ACLEntry, len(ops))
	for i, op := range ops {
		out[i] = kafka.ACLEntry{ResourceType: rt, ResourceName: name, ResourcePatternType: pt, Principal: principal,
			Host: "*", Operation: op, PermissionType: kafka.ACLPermissionTypeAllow}
	}
	return out
}

// PipelineACLs are exactly what the stages need: their own topics (create, read, write), the
// registry and every agency's raw topic (read only: only an agency writes its feed), and
// their consumer groups. Nothing on the cluster, and no write to a raw topic or the registry.
func PipelineACLs(n topics.Names, user string) []kafka.ACLEntry {
	p := Principal(user)
	var out []kafka.ACLEntry
	for _, t := range n.Internal() {
		out = append(out, allow(kafka.ResourceTypeTopic, t, kafka.PatternTypeLiteral, p, kafka.ACLOperationTypeCreate,
			kafka.ACLOperationTypeRead, kafka.ACLOperationTypeWrite, kafka.ACLOperationTypeDescribe, kafka.ACLOperationTypeDescribeConfigs)...)
	}
	out = append(out, allow(kafka.ResourceTypeTopic, n.Agencies(), kafka.PatternTypeLiteral, p, kafka.ACLOperationTypeRead, kafka.ACLOperationTypeDescribe)...)
	out = append(out, allow(kafka.ResourceTypeTopic, n.Raw(""), kafka.PatternTypePrefixed, p, kafka.ACLOperationTypeRead, kafka.ACLOperationTypeDescribe)...)
	out = append(out, allow(kafka.ResourceTypeGroup, n.GroupPrefix(), kafka.PatternTypePrefixed, p, kafka.ACLOperationTypeRead, kafka.ACLOperationTypeDescribe)...)
	return out
}

// AgencyACLs let agency id write its own raw topic and nothing else.
func AgencyACLs(n topics.Names, id string) []kafka.ACLEntry {
	p := Principal(AgencyUser(id))
	out := allow(kafka.ResourceTypeTopic, n.Raw(id), kafka.PatternTypeLiteral, p, kafka.ACLOperationTypeWrite, kafka.ACLOperationTypeDescribe)
	return append(out, allow(kafka.ResourceTypeCluster, "kafka-cluster", kafka.PatternTypeLiteral, p, kafka.ACLOperationTypeIdempotentWrite)...)
}
