package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/vigia-observatory/vigia/internal/access"
	"github.com/vigia-observatory/vigia/internal/topics"
)

// ensureTopics creates the pipeline's topics (topics.Layout) and checks that vigia.anon and
// vigia.clean have the same partitions.
func (rt *runtime) ensureTopics(ctx context.Context) error {
	if err := rt.kafka.Reachable(ctx); err != nil {
		return err
	}
	if err := rt.kafka.Authenticate(ctx); err != nil {
		return fmt.Errorf("%w (the stages connect with kafka.credentials_file or VIGIA_KAFKA_SASL_*; make services writes .state/kafka/secrets/pipeline.env)", err)
	}
	c := rt.cfg
	layout := topics.Layout{Names: rt.names, Partitions: c.Kafka.Partitions, ReplicationFactor: c.Kafka.ReplicationFactor,
		DedupHorizon: c.Pipeline.DedupHorizon}
	if err := rt.kafka.EnsureTopics(ctx, layout.Specs()...); err != nil {
		return err
	}
	na, err1 := rt.kafka.Partitions(ctx, rt.names.Anon())
	nc, err2 := rt.kafka.Partitions(ctx, rt.names.Clean())
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	rt.cleanParts = nc
	if na != nc {
		return fmt.Errorf("%s has %d partitions and %s %d: they must be equal, since dedup partition n writes and rebuilds from clean partition n", rt.names.Anon(), na, rt.names.Clean(), nc)
	}
	return nil
}

// rawTopics lists the raw topics of the registered agencies, so an agency registered while
// the pipeline runs is picked up without a restart. A raw topic of an agency not registered
// (an administrator created it by mistake, or removed the agency) is not consumed: its
// records are refused, with an error log and vigia_unregistered_raw_topics.
func (rt *runtime) rawTopics(ctx context.Context) ([]string, error) {
	registered, unregistered, err := access.RegisteredTopics(ctx, rt.kafka, rt.names)
	if err != nil {
		return nil, err
	}
	rt.m.Unregistered.Set(float64(len(unregistered)))
	for _, t := range unregistered {
		if _, seen := rt.refused.LoadOrStore(t, true); !seen { // once per topic and process
			rt.log.Error().Str("topic", t).Msg("raw topic of an agency that is not registered: its records are not consumed; register the agency (vigia agencies add) or delete the topic")
		}
	}
	return registered, nil
}

// rawPartitions names every raw topic partition ("<topic>:<partition>"), the sources dedup
// waits for.
func (rt *runtime) rawPartitions(ctx context.Context) ([]string, error) {
	ts, err := rt.rawTopics(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, t := range ts {
		n, err := rt.kafka.Partitions(ctx, t)
		if err != nil {
			return nil, err
		}
		for i := range n {
			out = append(out, t+":"+strconv.Itoa(i))
		}
	}
	return out, nil
}
