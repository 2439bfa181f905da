package kclient

import (
	"errors"
	"fmt"
	"testing"

	"github.com/segmentio/kafka-go"
)

// A leader election after a topic is created or a broker restarts must be waited out; an
// authorization or unknown error must not be retried forever.
func TestTemporary(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("cannot list offsets of t[0]: %w", kafka.NotLeaderForPartition), true},
		{fmt.Errorf("cannot list offsets of t[0]: %w", kafka.LeaderNotAvailable), true},
		{fmt.Errorf("cannot list offsets of t[0]: %w", kafka.TopicAuthorizationFailed), false},
		{fmt.Errorf("cannot list offsets of t[0]: %w", kafka.UnknownTopicOrPartition), false}, // a missing registry must say so
		{errors.New("connection refused"), false},
	} {
		if got := temporary(tc.err); got != tc.want {
			t.Errorf("temporary(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
