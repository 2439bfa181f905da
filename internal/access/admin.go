package access

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/kclient"
	"github.com/vigia-observatory/vigia/internal/retry"
	"github.com/vigia-observatory/vigia/internal/topics"
)

// Admin applies access: its client must be the administrator's (a super user).
type Admin struct {
	Kafka  *kclient.Client
	Layout topics.Layout
	// Now stamps registrations. Default time.Now.
	Now func() time.Time
}

func (a Admin) now() time.Time {
	if a.Now != nil {
		return a.Now().UTC()
	}
	return time.Now().UTC()
}

// Setup creates the pipeline's topics and the registry, and grants pipelineUser the
// pipeline's ACLs (none when pipelineUser is empty: a broker without authentication). Safe
// to repeat.
func (a Admin) Setup(ctx context.Context, pipelineUser string) error {
	if err := a.Kafka.EnsureTopics(ctx, append(a.Layout.Specs(), a.Layout.Registry())...); err != nil {
		return err
	}
	if pipelineUser == "" {
		return nil
	}
	acls := PipelineACLs(a.Layout.Names, pipelineUser)
	if err := a.Kafka.CreateACLs(ctx, acls); err != nil {
		return err
	}
	return a.effective(ctx, Principal(pipelineUser), acls)
}

// aclWait bounds how long Setup waits for the broker to apply new ACLs (it takes
// milliseconds; a broker that never does is broken, and the administrator is told).
const aclWait = 30 * time.Second

// effective waits until the broker lists every entry of want for principal. The controller
// has committed ACLs when CreateACLs returns, but the broker's authorizer applies them from
// the metadata log a moment later, and a stage started at once was refused its own topics
// (a CI run: "Topic Authorization Failed" creating <prefix>.alerts right after setup).
// DescribeAcls is answered from that same authorizer, so listing them is the proof.
func (a Admin) effective(ctx context.Context, principal string, want []kafka.ACLEntry) error {
	ctx, cancel := context.WithTimeout(ctx, aclWait)
	defer cancel()
	err := retry.Forever(ctx, func() error {
		have, err := a.Kafka.ACLsOf(ctx, principal)
		if err != nil {
			return err
		}
		if n := missing(want, have); n > 0 {
			return fmt.Errorf("%d of %d ACL entries of %s not applied yet", n, len(want), principal)
		}
		return nil
	}, nil)
	if err != nil {
		return fmt.Errorf("the broker has not applied the ACLs of %s: %w", principal, err)
	}
	return nil
}

func missing(want, have []kafka.ACLEntry) int {
	set := make(map[kafka.ACLEntry]bool, len(have))
	for _, h := range have {
		set[h] = true
	}
	n := 0
	for _, w := range want {
		if !set[w] {
			n++
		}
	}
	return n
}

// Teardown removes the ACLs Setup granted (a test's prefix, when it ends).
func (a Admin) Teardown(ctx context.Context, pipelineUser string) error {
	if pipelineUser == "" {
		return nil
	}
	return a.Kafka.DeleteACLs(ctx, PipelineACLs(a.Layout.Names, pipelineUser))
}

// ErrRegistered and ErrNotRegistered say why an agency command cannot go on.
var (
	ErrRegistered    = errors.New("agency already registered")
	ErrNotRegistered = errors.New("agency not registered")
)

// Add registers agency id: its SCRAM user (principal User:agency-<id>) with a new password,
// its raw topic, its ACLs (write and describe on that topic only, idempotent write), and the
// registry record; it returns the password, which is not stored anywhere else.
func (a Admin) Add(ctx context.Context, id string) (string, error) {
	if !topics.AgencyPattern.MatchString(id) {
		return "", fmt.Errorf("agency id %q: use 2-32 lowercase letters, digits, '-' or '_', starting with a letter or digit", id)
	}
	reg, err := Registered(ctx, a.Kafka, a.Layout.Names)
	if err != nil {
		return "", err
	}
	if r, ok := reg[id]; ok && r.Credentials {
		return "", fmt.Errorf("%w: %s (rotate its password with `vigia agencies rotate %s`)", ErrRegistered, id, id)
	}
	password, err := newPassword()
	if err != nil {
		return "", err
	}
	n := a.Layout.Names
	if err := a.Kafka.EnsureTopics(ctx, kclient.TopicSpec{Name: n.Raw(id), Partitions: a.Layout.Partitions, ReplicationFactor: a.Layout.ReplicationFactor}); err != nil {
		return "", err
	}
	if err := a.Kafka.SetScramUser(ctx, AgencyUser(id), password); err != nil {
		return "", err
	}
	acls := AgencyACLs(n, id)
	if err := a.Kafka.CreateACLs(ctx, acls); err != nil {
		return "", err
	}
	if err := a.effective(ctx, Principal(AgencyUser(id)), acls); err != nil {
		return "", err
	}
	if err := a.usable(ctx, id, password); err != nil {
		return "", err
	}
	return password, putAgency(ctx, a.Kafka, n, id, &Agency{ID: id, RegisteredAt: a.now(), Credentials: true})
}

// Enroll registers agency id without credentials, when it is not registered yet: the record
// generators (replay, simulate, the demo) write its raw topic as the administrator.
func (a Admin) Enroll(ctx context.Context, id string) error {
	reg, err := Registered(ctx, a.Kafka, a.Layout.Names)
	if err != nil {
		return err
	}
	if _, ok := reg[id]; ok {
		return nil
	}
	n := a.Layout.Names
	if err := a.Kafka.EnsureTopics(ctx, kclient.TopicSpec{Name: n.Raw(id), Partitions: a.Layout.Partitions, ReplicationFactor: a.Layout.ReplicationFactor}); err != nil {
		return err
	}
	return putAgency(ctx, a.Kafka, n, id, &Agency{ID: id, RegisteredAt: a.now()})
}

// Rotate gives agency id a new password; the old one is refused from then on (connections
// open with it re-authenticate within the broker's connections.max.reauth.ms).
func (a Admin) Rotate(ctx context.Context, id string) (string, error) {
	reg, err := Registered(ctx, a.Kafka, a.Layout.Names)
	if err != nil {
		return "", err
	}
	r, ok := reg[id]
	if !ok {
		return "", fmt.Errorf("%w: %s (register it with `vigia agencies add %s`)", ErrNotRegistered, id, id)
	}
	password, err := newPassword()
	if err != nil {
		return "", err
	}
	if err := a.Kafka.SetScramUser(ctx, AgencyUser(id), password); err != nil {
		return "", err
	}
	if !r.Credentials {
		if err := a.Kafka.CreateACLs(ctx, AgencyACLs(a.Layout.Names, id)); err != nil {
			return "", err
		}
	}
	if err := a.usable(ctx, id, password); err != nil {
		// The old password is replaced already: the new one is handed out with the error, or
		// the agency would be locked out.
		return password, err
	}
	r.RotatedAt, r.Credentials = a.now(), true
	return password, putAgency(ctx, a.Kafka, a.Layout.Names, id, &r)
}

// Remove takes agency id's ACLs and user away and deletes it from the registry; its raw
// topic is kept for its retention (what it sent stays stored and counted).
func (a Admin) Remove(ctx context.Context, id string) error {
	reg, err := Registered(ctx, a.Kafka, a.Layout.Names)
	if err != nil {
		return err
	}
	if _, ok := reg[id]; !ok {
		return fmt.Errorf("%w: %s", ErrNotRegistered, id)
	}
	if err := a.Kafka.DeleteACLsOf(ctx, Principal(AgencyUser(id))); err != nil {
		return err
	}
	if err := a.Kafka.DeleteScramUser(ctx, AgencyUser(id)); err != nil {
		return err
	}
	return putAgency(ctx, a.Kafka, a.Layout.Names, id, nil)
}

// usable waits until the broker accepts agency id's new password: the controller has
// committed the credential when SetScramUser returns, but a broker applies it from the
// metadata log a moment later, and credentials handed out must work at once.
func (a Admin) usable(ctx context.Context, id, password string) error {
	kc, err := a.Kafka.As(kclient.SASL{Mechanism: "scram-sha-512", Username: AgencyUser(id), Password: password})
	if err != nil {
		return err
	}
	defer kc.Close()
	err = retry.Forever(ctx, func() error { return kc.Authenticate(ctx) }, nil)
	if err != nil {
		return fmt.Errorf("the broker has not taken the new credential of %s: %w", AgencyUser(id), err)
	}
	return nil
}

func newPassword() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("cannot make a password: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
