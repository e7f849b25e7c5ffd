package workflow

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/store"
)

// Ending open sessions at revocation. Removing an assignment stops new
// sign-ins but not the sessions already open. When a rule says so
// (end_sessions, or the installation's default), the revoke job also makes
// the user's sessions issued before the revocation unusable with a Deny
// statement (conditioned on identitystore:userId and aws:TokenIssueTime)
// in the SCP elevate owns or in the permission set's inline policy:
//
//  1. when the revoke job decides to delete the assignment, it stores the
//     statement (session_denies) in the same transaction that marks the
//     grant revoking;
//  2. once AWS has deleted the assignment, it records the revocation time
//     (sessions issued before it are denied) and schedules the statement's
//     removal at that time plus the permission set's session duration;
//  3. it writes the policy, under a lease on that policy so that replicas
//     never overwrite each other's writes, and marks the statement in
//     force;
//  4. only then is the grant recorded revoked.
//
// Every step is idempotent and durable: a revoke job killed at any point
// runs again from the grant's state and the stored statement. The policy
// written is always rendered from every live statement of that policy, so
// a run repeats or completes another's write, never undoes it.

// DefaultSessionDenyLease bounds how long a replica holds the lease on one
// policy while it writes it; a replica that died releases it by expiry.
const DefaultSessionDenyLease = 2 * time.Minute

// unknownSessionDuration is used when the permission set is no longer in
// the directory: AWS's longest session.
const unknownSessionDuration = 12 * time.Hour

// SessionDenyOptions configure ending open sessions.
type SessionDenyOptions struct {
	// Mechanism is where the statements go; "" turns the feature off
	// (rules asking for it are then logged, not honoured).
	Mechanism access.SessionDenyMechanism
	// Default applies to rules that do not say (end_sessions unset).
	Default bool
	// Lease is how long one write may hold the lease on a policy; default
	// DefaultSessionDenyLease.
	Lease time.Duration
	// Holder names this process in the leases: a replica restarted with the
	// same name (jobs.client_id) takes its own lease back at once instead
	// of waiting for it to expire. Default: a random name per Service.
	Holder string
}

// SessionEnder writes the session-ending statements; the AWS provider
// satisfies it. Both calls return once the statements are in force.
type SessionEnder interface {
	// ApplySCPDeny makes elevate's SCP hold exactly denies. An error with a
	// PolicyFull method that returns true says they do not fit.
	ApplySCPDeny(ctx context.Context, denies []access.SessionDeny) error
	// ApplyInlineDeny makes the permission set's inline policy hold exactly
	// denies besides the operator's statements, and provisions it to the
	// accounts that changed and to provisionTo.
	ApplyInlineDeny(ctx context.Context, permissionSetARN string, denies []access.SessionDeny, provisionTo []string) error
}

// SessionDenyObserver is the optional part of an Observer that counts the
// statements that fell back from the SCP to the inline policy.
type SessionDenyObserver interface {
	ObserveSessionDenyFallback()
}

// policyFull reports whether err says the statements do not fit.
func policyFull(err error) bool {
	var pf interface{ PolicyFull() bool }
	return errors.As(err, &pf) && pf.PolicyFull()
}

// endSessionsFor reports whether revoking r's grants ends the user's open
// sessions: the rule's end_sessions, else the default, and only when a
// mechanism is configured.
func (s *Service) endSessionsFor(ctx context.Context, tx store.Tx, r access.Request) (bool, error) {
	if s.denyOpt.Mechanism == "" || s.ender == nil {
		return false, nil
	}
	doc, _, err := s.policyDocument(ctx, tx)
	if err != nil {
		return false, err
	}
	return ruleEndsSessions(doc, r.Rule, s.denyOpt.Default), nil
}

// ruleEndsSessions is the rule's end_sessions, or def when the rule does
// not say or no longer exists.
func ruleEndsSessions(doc policy.Document, rule string, def bool) bool {
	for _, ru := range doc.Rules {
		if ru.Name == rule && ru.EndSessions != nil {
			return *ru.EndSessions
		}
	}
	return def
}

// planSessionDeny stores the statement for grant g of r at the start of
// its revocation (in the caller's transaction), when the rule asks for it.
func (s *Service) planSessionDeny(ctx context.Context, tx store.Tx, r access.Request, g access.Grant, now time.Time) error {
	on, err := s.endSessionsFor(ctx, tx, r)
	if err != nil || !on {
		return err
	}
	if _, err := tx.FindSessionDeny(ctx, g.ID); err == nil {
		return nil // a previous run stored it
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	asg := r.Assignment(g)
	dur, name := unknownSessionDuration, r.PermissionSetName
	if ps, err := tx.FindPermissionSet(ctx, asg.PermissionSetARN); err == nil {
		if ps.SessionDuration > 0 {
			dur = ps.SessionDuration
		}
		if ps.Name != "" {
			name = ps.Name
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return tx.CreateSessionDeny(ctx, access.SessionDeny{
		ID: g.ID, GrantID: g.ID, RequestID: r.ID, Mechanism: s.denyOpt.Mechanism, AccountID: asg.AccountID,
		PermissionSetARN: asg.PermissionSetARN, PermissionSetName: name, UserID: asg.UserID, SessionDuration: dur, CreatedAt: now,
	})
}

// assignmentDeleted reports whether a previous run of the grant's revoke
// job saw AWS delete the assignment: its session-ending statement has a
// revocation time. The run then goes on with the statement.
func (s *Service) assignmentDeleted(ctx context.Context, grantID string) (bool, error) {
	if s.ender == nil {
		return false, nil
	}
	var deleted bool
	err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		d, err := tx.FindSessionDeny(ctx, grantID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		deleted = err == nil && !d.RevokedAt.IsZero()
		return err
	})
	return deleted, err
}

// endSessions is the revoke job's step after AWS deleted the assignment:
// it records the revocation time of the grant's statement, schedules its
// removal and writes it. It returns the revocation time (zero when the
// grant has no statement) once the statement is in force.
func (s *Service) endSessions(ctx context.Context, grantID string) (time.Time, error) {
	var d access.SessionDeny
	found := true
	err := s.retryConflicts(ctx, func(tx store.Tx) error {
		var err error
		d, err = tx.FindSessionDeny(ctx, grantID)
		if errors.Is(err, store.ErrNotFound) {
			found = false
			return nil
		}
		if err != nil || !d.RevokedAt.IsZero() {
			return err
		}
		now := s.clock.Now()
		d.RevokedAt, d.ExpiresAt = now, now.Add(d.SessionDuration)
		if err := tx.UpdateSessionDeny(ctx, d); err != nil {
			return err
		}
		return s.sched.Schedule(ctx, tx, Job{Kind: JobEndSessions, RequestID: d.RequestID, GrantID: grantID, At: d.ExpiresAt})
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("end sessions of grant %s: %w", grantID, err)
	}
	if !found {
		return time.Time{}, nil
	}
	// The statement may move from the SCP to its inline policy meanwhile
	// (another revocation's write found the SCP full): write where it is
	// now, until it is in force.
	for range 3 {
		if !d.InForceAt.IsZero() {
			return d.RevokedAt, nil
		}
		if err := s.writeDenies(ctx, d.Mechanism, d.PermissionSetARN); err != nil {
			return time.Time{}, fmt.Errorf("end sessions of grant %s: %w", grantID, err)
		}
		if err := s.store.ReadTx(ctx, func(tx store.Tx) error {
			var err error
			d, err = tx.FindSessionDeny(ctx, grantID)
			return err
		}); err != nil {
			return time.Time{}, fmt.Errorf("end sessions of grant %s: %w", grantID, err)
		}
	}
	if d.InForceAt.IsZero() {
		return time.Time{}, fmt.Errorf("end sessions of grant %s: the statement is not in force yet (%s policy)", grantID, d.Mechanism)
	}
	return d.RevokedAt, nil
}

// ExpireSessionDeny is the body of the end_sessions job, due when the
// longest session a statement could affect has expired: it rewrites the
// statement's policy without it.
func (s *Service) ExpireSessionDeny(ctx context.Context, grantID string) error {
	var d access.SessionDeny
	err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		var err error
		d, err = tx.FindSessionDeny(ctx, grantID)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil // pruned
	}
	if err != nil {
		return fmt.Errorf("expire the session deny of grant %s: %w", grantID, err)
	}
	if !d.RemovedAt.IsZero() {
		return nil
	}
	if now := s.clock.Now(); now.Before(d.ExpiresAt) {
		return &NotDueError{Until: d.ExpiresAt}
	}
	if err := s.writeDenies(ctx, d.Mechanism, d.PermissionSetARN); err != nil {
		return fmt.Errorf("expire the session deny of grant %s: %w", grantID, err)
	}
	return nil
}

// denyTarget names the policy of a mechanism and permission set, the key
// of its lease.
func denyTarget(m access.SessionDenyMechanism, psARN string) string {
	return access.SessionDeny{Mechanism: m, PermissionSetARN: psARN}.Target()
}

// writeDenies writes one policy (the SCP, or a permission set's inline
// policy) from its live statements, under its lease: the statements past
// their expiry are left out and recorded removed, the others recorded in
// force. Statements that do not fit the SCP move to their inline policies.
func (s *Service) writeDenies(ctx context.Context, m access.SessionDenyMechanism, psARN string) error {
	if m == access.DenyViaSCP {
		psARN = ""
	}
	target := denyTarget(m, psARN)
	// One write per policy in this process (the lease is per process).
	mu, _ := s.denyMu.LoadOrStore(target, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	holder := s.denyOpt.Holder
	lease := s.denyOpt.Lease
	if lease <= 0 {
		lease = DefaultSessionDenyLease
	}
	var got bool
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		now := s.clock.Now()
		var err error
		got, err = tx.AcquireSessionDenyLease(ctx, target, holder, now, now.Add(lease))
		return err
	})
	if err != nil {
		return fmt.Errorf("lease on %s: %w", target, err)
	}
	if !got {
		// Another replica is writing this policy; its write or the next one
		// includes this statement.
		return &NotDueError{Until: s.clock.Now().Add(2 * time.Second)}
	}
	defer func() {
		rctx := context.WithoutCancel(ctx)
		err := s.store.InTx(rctx, func(tx store.Tx) error {
			return tx.ReleaseSessionDenyLease(rctx, target, holder)
		})
		if err != nil {
			s.log.WarnContext(ctx, "release the lease on a session-ending policy; it expires by itself", "target", target, "error", err)
		}
	}()

	var rows []access.SessionDeny
	if err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		var err error
		rows, err = tx.ListSessionDenies(ctx, m, psARN, true)
		return err
	}); err != nil {
		return err
	}
	now := s.clock.Now()
	var live, expired []access.SessionDeny
	for _, d := range rows {
		if now.Before(d.ExpiresAt) {
			live = append(live, d)
		} else {
			expired = append(expired, d)
		}
	}
	if m == access.DenyViaSCP {
		var moved []access.SessionDeny
		for {
			err := s.ender.ApplySCPDeny(ctx, live)
			if err == nil {
				break
			}
			if !policyFull(err) {
				return err
			}
			// The newest statement not yet in force goes to its inline
			// policy; those in force stay where they are.
			idx := -1
			for i := len(live) - 1; i >= 0 && idx < 0; i-- {
				if live[i].InForceAt.IsZero() {
					idx = i
				}
			}
			if idx < 0 {
				return fmt.Errorf("the statements in force no longer fit the service control policy: %w", err)
			}
			moved = append(moved, live[idx])
			live = slices.Delete(live, idx, idx+1)
			if err := s.fallBack(ctx, moved[len(moved)-1], err); err != nil {
				return err
			}
		}
		seen := map[string]bool{}
		for _, d := range moved {
			if seen[d.PermissionSetARN] {
				continue
			}
			seen[d.PermissionSetARN] = true
			if err := s.writeDenies(ctx, access.DenyViaInline, d.PermissionSetARN); err != nil {
				return err
			}
		}
	} else {
		var provision []string
		for _, d := range append(slices.Clone(expired), live...) {
			if d.InForceAt.IsZero() || !d.RemovedAt.IsZero() || !now.Before(d.ExpiresAt) {
				provision = append(provision, d.AccountID)
			}
		}
		slices.Sort(provision)
		if err := s.ender.ApplyInlineDeny(ctx, psARN, live, slices.Compact(provision)); err != nil {
			return err
		}
	}
	return s.recordDenies(ctx, live, expired)
}

// fallBack moves statement d from the SCP to its permission set's inline
// policy, with its event, a warning and the metric.
func (s *Service) fallBack(ctx context.Context, d access.SessionDeny, cause error) error {
	reason := "the service control policy is full (5,120 characters): " + cause.Error()
	err := s.retryConflicts(ctx, func(tx store.Tx) error {
		cur, err := tx.FindSessionDeny(ctx, d.GrantID)
		if err != nil {
			return err
		}
		cur.Mechanism, cur.Fallback = access.DenyViaInline, reason
		if err := tx.UpdateSessionDeny(ctx, cur); err != nil {
			return err
		}
		return s.appendEvents(ctx, tx, access.Event{Type: access.EventSessionsDenyFallback, RequestID: d.RequestID, GrantID: d.GrantID,
			Actor: access.SystemActor, At: s.clock.Now(), Details: map[string]string{
				"account_id": d.AccountID, "permission_set_arn": d.PermissionSetARN, "user_id": d.UserID, "reason": reason,
			}})
	})
	if err != nil {
		return fmt.Errorf("move the session deny of grant %s to the inline policy: %w", d.GrantID, err)
	}
	s.log.WarnContext(ctx, "the session-ending statement does not fit the service control policy; it goes to the permission set's inline policy",
		"request_id", d.RequestID, "grant_id", d.GrantID, "account_id", d.AccountID, "permission_set_arn", d.PermissionSetARN, "error", cause)
	if o, ok := s.obs.(SessionDenyObserver); ok {
		o.ObserveSessionDenyFallback()
	}
	return nil
}

// recordDenies records the written policy: live statements in force,
// expired ones removed, each with its event.
func (s *Service) recordDenies(ctx context.Context, live, expired []access.SessionDeny) error {
	return s.retryConflicts(ctx, func(tx store.Tx) error {
		now := s.clock.Now()
		var evs []access.Event
		for _, d := range live {
			if !d.InForceAt.IsZero() {
				continue
			}
			d.InForceAt = now
			if err := tx.UpdateSessionDeny(ctx, d); err != nil {
				return err
			}
			evs = append(evs, access.Event{Type: access.EventSessionsDenied, RequestID: d.RequestID, GrantID: d.GrantID,
				Actor: access.SystemActor, At: now, Details: denyDetails(d)})
		}
		for _, d := range expired {
			d.RemovedAt = now
			if err := tx.UpdateSessionDeny(ctx, d); err != nil {
				return err
			}
			evs = append(evs, access.Event{Type: access.EventSessionsDenyRemoved, RequestID: d.RequestID, GrantID: d.GrantID,
				Actor: access.SystemActor, At: now, Details: denyDetails(d)})
		}
		return s.appendEvents(ctx, tx, evs...)
	})
}

func denyDetails(d access.SessionDeny) map[string]string {
	return map[string]string{
		"mechanism": string(d.Mechanism), "account_id": d.AccountID, "permission_set_arn": d.PermissionSetARN,
		"user_id": d.UserID, "sessions_issued_before": d.DenyTime().UTC().Format(time.RFC3339),
		"until": d.ExpiresAt.UTC().Format(time.RFC3339),
	}
}

// PendingSessionDenies returns the session-ending statements not yet
// removed, oldest first, for the admin page. Admins and auditors only.
func (s *Service) PendingSessionDenies(ctx context.Context, actor access.Actor) ([]access.SessionDeny, error) {
	if !actor.Admin && !actor.Auditor {
		return nil, access.Errorf(access.CodeForbidden, "Only admins and auditors may see the session-ending statements.")
	}
	return ReadSessionDenies(ctx, s.store)
}

// ReadSessionDenies is PendingSessionDenies with only the store (doctor).
func ReadSessionDenies(ctx context.Context, st store.Store) ([]access.SessionDeny, error) {
	var out []access.SessionDeny
	err := st.ReadTx(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.ListSessionDenies(ctx, "", "", false)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read session denies: %w", err)
	}
	return out, nil
}
