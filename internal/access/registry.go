package access

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/kclient"
	"github.com/vigia-observatory/vigia/internal/topics"
)

// Agency is one registered agency, as the registry topic holds it (key: ID).
type Agency struct {
	ID           string    `json:"id"`
	RegisteredAt time.Time `json:"registered_at"`
	// RotatedAt is when its password last changed. Zero when never.
	RotatedAt time.Time `json:"rotated_at,omitzero"`
	// Credentials is false for an agency enrolled by a record generator (replay, simulate),
	// which writes as the administrator: `vigia agencies rotate` gives it a password.
	Credentials bool `json:"credentials"`
}

// Registered reads the registry: every agency added and not removed, by id.
func Registered(ctx context.Context, kc *kclient.Client, n topics.Names) (map[string]Agency, error) {
	out := map[string]Agency{}
	_, err := kc.ReadRange(ctx, n.Agencies(), 0, time.Unix(0, 0), func(m kafka.Message) error {
		if len(m.Value) == 0 {
			delete(out, string(m.Key))
			return nil
		}
		var a Agency
		if err := json.Unmarshal(m.Value, &a); err != nil || a.ID != string(m.Key) {
			return fmt.Errorf("registry record %q at offset %d is not an agency: %v", m.Key, m.Offset, err)
		}
		out[a.ID] = a
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cannot read the agency registry %s (does it exist? `vigia kafka setup` creates it): %w", n.Agencies(), err)
	}
	return out, nil
}

// RegisteredTopics are the raw topics of the registered agencies that exist on the cluster,
// and the raw topics of agencies not registered (an administrator's mistake: not consumed).
func RegisteredTopics(ctx context.Context, kc *kclient.Client, n topics.Names) (registered, unregistered []string, err error) {
	agencies, err := Registered(ctx, kc, n)
	if err != nil {
		return nil, nil, err
	}
	all, err := kc.Topics(ctx)
	if err != nil {
		return nil, nil, err
	}
	re := n.RawPattern()
	for _, t := range all {
		m := re.FindStringSubmatch(t)
		switch {
		case m == nil:
		case agencies[m[1]].ID != "":
			registered = append(registered, t)
		default:
			unregistered = append(unregistered, t)
		}
	}
	slices.Sort(registered)
	slices.Sort(unregistered)
	return registered, unregistered, nil
}

func putAgency(ctx context.Context, kc *kclient.Client, n topics.Names, id string, a *Agency) error {
	msg := kafka.Message{Key: []byte(id)}
	if a != nil {
		b, err := json.Marshal(a)
		if err != nil {
			return fmt.Errorf("cannot encode agency %s: %w", id, err)
		}
		msg.Value = b
	}
	w := kc.Writer(kclient.WriterConfig{Topic: n.Agencies(), BatchTimeout: time.Millisecond})
	defer w.Close()
	if err := w.WriteMessages(ctx, msg); err != nil {
		return fmt.Errorf("cannot write the agency registry: %w", err)
	}
	return nil
}
