package kclient

import (
	"context"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha512"
	"errors"
	"fmt"

	"github.com/segmentio/kafka-go"
)

// scramIterations is what Kafka's own tools use for SCRAM-SHA-512 (and at least its minimum).
const scramIterations = 8192

// SetScramUser creates user's SCRAM-SHA-512 credential, or replaces it (the old password
// stops working at once). Kafka stores only the salted password: it is computed here, as
// Kafka's Java admin client does, from a fresh random salt.
func (c *Client) SetScramUser(ctx context.Context, user, password string) error {
	salt := make([]byte, 32)
	if _, err := rand.Read(salt); err != nil {
		return fmt.Errorf("cannot make a SCRAM salt: %w", err)
	}
	salted, err := pbkdf2.Key(sha512.New, password, salt, scramIterations, sha512.Size)
	if err != nil {
		return fmt.Errorf("cannot salt the password of %s: %w", user, err)
	}
	client, done := c.admin()
	defer done()
	res, err := client.AlterUserScramCredentials(ctx, &kafka.AlterUserScramCredentialsRequest{
		Upsertions: []kafka.UserScramCredentialsUpsertion{{Name: user, Mechanism: kafka.ScramMechanismSha512,
			Iterations: scramIterations, Salt: salt, SaltedPassword: salted}}})
	return scramResult(user, "set", res, err)
}

// DeleteScramUser removes user's SCRAM-SHA-512 credential; a user without one is not an error.
func (c *Client) DeleteScramUser(ctx context.Context, user string) error {
	client, done := c.admin()
	defer done()
	res, err := client.AlterUserScramCredentials(ctx, &kafka.AlterUserScramCredentialsRequest{
		Deletions: []kafka.UserScramCredentialsDeletion{{Name: user, Mechanism: kafka.ScramMechanismSha512}}})
	if err = scramResult(user, "delete", res, err); errors.Is(err, kafka.ResourceNotFound) {
		return nil
	}
	return err
}

func scramResult(user, what string, res *kafka.AlterUserScramCredentialsResponse, err error) error {
	if err != nil {
		return fmt.Errorf("cannot %s the SCRAM credential of %s: %w", what, user, err)
	}
	for _, r := range res.Results {
		if r.Error != nil {
			return fmt.Errorf("cannot %s the SCRAM credential of %s: %w", what, user, r.Error)
		}
	}
	return nil
}

// CreateACLs adds ACL entries; an entry that exists already is not an error.
func (c *Client) CreateACLs(ctx context.Context, acls []kafka.ACLEntry) error {
	client, done := c.admin()
	defer done()
	res, err := client.CreateACLs(ctx, &kafka.CreateACLsRequest{ACLs: acls})
	if err != nil {
		return fmt.Errorf("cannot create ACLs: %w", err)
	}
	var errs []error
	for i, e := range res.Errors {
		if e != nil {
			errs = append(errs, fmt.Errorf("cannot create ACL %s %s on %s: %w", acls[i].Principal, acls[i].Operation, acls[i].ResourceName, e))
		}
	}
	return errors.Join(errs...)
}

// DeleteACLsOf removes every ACL entry of principal.
func (c *Client) DeleteACLsOf(ctx context.Context, principal string) error {
	client, done := c.admin()
	defer done()
	res, err := client.DeleteACLs(ctx, &kafka.DeleteACLsRequest{Filters: []kafka.DeleteACLsFilter{{
		ResourceTypeFilter: kafka.ResourceTypeAny, ResourcePatternTypeFilter: kafka.PatternTypeAny, PrincipalFilter: principal,
		Operation: kafka.ACLOperationTypeAny, PermissionType: kafka.ACLPermissionTypeAny}}})
	if err != nil {
		return fmt.Errorf("cannot delete the ACLs of %s: %w", principal, err)
	}
	for _, r := range res.Results {
		if r.Error != nil {
			return fmt.Errorf("cannot delete the ACLs of %s: %w", principal, r.Error)
		}
	}
	return nil
}

// ACLsOf lists the ACL entries of principal.
func (c *Client) ACLsOf(ctx context.Context, principal string) ([]kafka.ACLEntry, error) {
	client, done := c.admin()
	defer done()
	res, err := client.DescribeACLs(ctx, &kafka.DescribeACLsRequest{Filter: kafka.ACLFilter{
		ResourceTypeFilter: kafka.ResourceTypeAny, ResourcePatternTypeFilter: kafka.PatternTypeAny, PrincipalFilter: principal,
		Operation: kafka.ACLOperationTypeAny, PermissionType: kafka.ACLPermissionTypeAny}})
	if err == nil && res.Error != nil {
		err = res.Error
	}
	if err != nil {
		return nil, fmt.Errorf("cannot list the ACLs of %s: %w", principal, err)
	}
	var out []kafka.ACLEntry
	for _, r := range res.Resources {
		for _, a := range r.ACLs {
			out = append(out, kafka.ACLEntry{ResourceType: r.ResourceType, ResourceName: r.ResourceName, ResourcePatternType: r.PatternType,
				Principal: a.Principal, Host: a.Host, Operation: a.Operation, PermissionType: a.PermissionType})
		}
	}
	return out, nil
}

// DeleteACLs removes exactly these ACL entries (a test's, when it ends).
func (c *Client) DeleteACLs(ctx context.Context, acls []kafka.ACLEntry) error {
	client, done := c.admin()
	defer done()
	filters := make([]kafka.DeleteACLsFilter, len(acls))
	for i, a := range acls {
		filters[i] = kafka.DeleteACLsFilter{ResourceTypeFilter: a.ResourceType, ResourceNameFilter: a.ResourceName,
			ResourcePatternTypeFilter: a.ResourcePatternType, PrincipalFilter: a.Principal, HostFilter: a.Host,
			Operation: a.Operation, PermissionType: a.PermissionType}
	}
	res, err := client.DeleteACLs(ctx, &kafka.DeleteACLsRequest{Filters: filters})
	if err != nil {
		return fmt.Errorf("cannot delete ACLs: %w", err)
	}
	for _, r := range res.Results {
		if r.Error != nil {
			return fmt.Errorf("cannot delete ACLs: %w", r.Error)
		}
	}
	return nil
}
