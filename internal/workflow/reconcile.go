package workflow

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// Reconciliation defaults.
const (
	// ReconcileReadsPerSecond caps the AWS reads of one reconciliation run.
	ReconcileReadsPerSecond = 5
	// ReconcileLookback is how long after its last grant closed an
	// assignment elevate created is still checked for having been left
	// behind.
	ReconcileLookback = 24 * time.Hour
)

// AssignmentLister reads, page by page, the users directly assigned a
// permission set in an account. The AWS provider satisfies it; a Provider
// that does not cannot be reconciled.
type AssignmentLister interface {
	ListUserAssignments(ctx context.Context, accountID, permissionSetARN, nextToken string) (userIDs []string, next string, err error)
}

// ReconcileObserver is an optional part of Observer: the counts of each
// reconciliation run (pairs, reads, removed, missing, errors).
type ReconcileObserver interface {
	ObserveReconcile(counts map[string]int)
}

// ReconcileReport is what one reconciliation run saw and did.
type ReconcileReport struct {
	StartedAt time.Time
	EndedAt   time.Time
	Pairs     int // (account, permission set) pairs read
	Reads     int // AWS list calls (pages)
	// Removed are elevate's assignments found after their grants ended,
	// and deleted.
	Removed []access.Assignment
	// Missing are active grants whose assignment is missing in AWS (and
	// was not repaired).
	Missing []access.GrantRef
	// Repaired are active grants whose missing assignment was re-created
	// (Settings.RepairMissing).
	Repaired []access.GrantRef
	// Errors are the pairs or assignments that could not be handled; the
	// next run tries again.
	Errors []string
}

// Counts summarizes the report for the run status and metrics.
func (r ReconcileReport) Counts() map[string]int {
	return map[string]int{"pairs": r.Pairs, "reads": r.Reads, "removed": len(r.Removed), "missing": len(r.Missing), "repaired": len(r.Repaired), "errors": len(r.Errors)}
}

// reconcileRuns serializes the reconciliation runs of each Service, so that
// a run on demand and the periodic one never add up above the read rate.
var reconcileRuns sync.Map // *Service -> *sync.Mutex

// Reconcile compares what AWS has with what elevate expects, for the
// (account, permission set) pairs that elevate manages only (those of open
// grants and of grants closed within ReconcileLookback), at most
// ReconcileReadsPerSecond list calls per second:
//   - an assignment elevate created or shared that is still in AWS after every
//     grant that needed it ended, and is not standing, is deleted and
//     reported (event grant.drift_removed, a warning, a metric);
//   - an active grant whose assignment is missing in AWS is marked (the
//     grant's drift_missing_since, shown by the API, CLI and portal) and,
//     when first found, reported once (event grant.drift_missing, which
//     notifies the requester and the admins, and a warning); a metric
//     counts it every run. With Settings.RepairMissing it is re-created
//     instead (event grant.drift_repaired, a metric).
//
// A pair that cannot be read is skipped and named in the report's Errors;
// the run status is stored either way.
func (s *Service) Reconcile(ctx context.Context) (ReconcileReport, error) {
	mu, _ := reconcileRuns.LoadOrStore(s, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()

	rep := ReconcileReport{StartedAt: s.clock.Now()}
	lister, ok := s.provider.(AssignmentLister)
	if !ok {
		return rep, fmt.Errorf("reconcile: provider %T cannot list account assignments", s.provider)
	}
	err := s.reconcile(ctx, lister, &rep)
	rep.EndedAt = s.clock.Now()
	if serr := s.recordRun(ctx, access.RunReconcile, rep.StartedAt, rep.EndedAt, rep.Counts(), err); serr != nil {
		err = errors.Join(err, serr)
	}
	if o, ok := s.obs.(ReconcileObserver); ok {
		o.ObserveReconcile(rep.Counts())
	}
	s.log.InfoContext(ctx, "reconciliation done", "pairs", rep.Pairs, "reads", rep.Reads, "removed", len(rep.Removed),
		"missing", len(rep.Missing), "errors", len(rep.Errors), "took_ms", rep.EndedAt.Sub(rep.StartedAt).Milliseconds())
	if err != nil {
		return rep, fmt.Errorf("reconcile: %w", err)
	}
	return rep, nil
}

// pairKey is one (account, permission set) pair.
type pairKey struct{ account, permissionSet string }

func (s *Service) reconcile(ctx context.Context, lister AssignmentLister, rep *ReconcileReport) error {
	var grants []access.ManagedGrant
	if err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		var err error
		grants, err = tx.ManagedGrants(ctx, rep.StartedAt.Add(-ReconcileLookback))
		return err
	}); err != nil {
		return fmt.Errorf("read managed grants: %w", err)
	}
	byPair := map[pairKey]map[string][]access.ManagedGrant{} // pair -> user -> grants
	for _, g := range grants {
		k := pairKey{g.Assignment.AccountID, g.Assignment.PermissionSetARN}
		if byPair[k] == nil {
			byPair[k] = map[string][]access.ManagedGrant{}
		}
		byPair[k][g.Assignment.UserID] = append(byPair[k][g.Assignment.UserID], g)
	}
	pairs := make([]pairKey, 0, len(byPair))
	for k := range byPair {
		pairs = append(pairs, k)
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].account != pairs[j].account {
			return pairs[i].account < pairs[j].account
		}
		return pairs[i].permissionSet < pairs[j].permissionSet
	})

	pace := newPacer(ReconcileReadsPerSecond)
	for _, k := range pairs {
		listedAt := s.clock.Now()
		present, reads, err := listPair(ctx, lister, pace, k)
		rep.Reads += reads
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			s.log.WarnContext(ctx, "reconciliation could not read a pair", "account_id", k.account, "permission_set_arn", k.permissionSet, "error", err)
			rep.Errors = append(rep.Errors, err.Error())
			continue
		}
		rep.Pairs++
		users := make([]string, 0, len(byPair[k]))
		for u := range byPair[k] {
			users = append(users, u)
		}
		sort.Strings(users)
		for _, u := range users {
			asg := access.Assignment{AccountID: k.account, PermissionSetARN: k.permissionSet, UserID: u}
			if err := s.reconcileAssignment(ctx, asg, byPair[k][u], present[u], listedAt, rep); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				s.log.WarnContext(ctx, "reconciliation could not handle an assignment", "account_id", k.account,
					"permission_set_arn", k.permissionSet, "user_id", u, "error", err)
				rep.Errors = append(rep.Errors, err.Error())
			}
		}
	}
	return nil
}

// listPair reads every page of the pair's user assignments.
func listPair(ctx context.Context, lister AssignmentLister, pace *pacer, k pairKey) (map[string]bool, int, error) {
	present := map[string]bool{}
	token, reads := "", 0
	for {
		if err := pace.wait(ctx); err != nil {
			return nil, reads, err
		}
		users, next, err := lister.ListUserAssignments(ctx, k.account, k.permissionSet, token)
		reads++
		if err != nil {
			return nil, reads, err
		}
		for _, u := range users {
			present[u] = true
		}
		if next == "" {
			return present, reads, nil
		}
		token = next
	}
}

// reconcileAssignment compares one assignment's grants with AWS.
func (s *Service) reconcileAssignment(ctx context.Context, asg access.Assignment, grants []access.ManagedGrant, inAWS bool,
	listedAt time.Time, rep *ReconcileReport) error {
	open, createdOrShared := false, false
	var last access.ManagedGrant // the most recently closed elevate grant
	for _, g := range grants {
		switch g.Status {
		case access.GrantPending, access.GrantRevoking:
			open = true
		case access.GrantActive:
			open = true
			// Only a grant active before the list was read can be missing.
			if !inAWS && !g.ActivatedAt.IsZero() && g.ActivatedAt.Before(listedAt) {
				ref := access.GrantRef{RequestID: g.RequestID, GrantID: g.GrantID, Status: g.Status}
				if s.settings.RepairMissing {
					if err := s.repairMissing(ctx, g); err != nil {
						return err
					}
					rep.Repaired = append(rep.Repaired, ref)
					inAWS = true
					continue
				}
				if err := s.reportMissing(ctx, g); err != nil {
					return err
				}
				rep.Missing = append(rep.Missing, ref)
			}
			if inAWS && !g.DriftMissingSince.IsZero() {
				if err := s.resolveDrift(ctx, g); err != nil {
					return err
				}
			}
		default:
			if g.Origin == access.OriginCreated || g.Origin == access.OriginShared {
				createdOrShared = true
				if g.ClosedAt.After(last.ClosedAt) || last.GrantID == "" {
					last = g
				}
			}
		}
	}
	// A standing assignment is never elevate's to delete.
	if open || !createdOrShared || !inAWS || grants[0].Standing {
		return nil
	}
	removed, err := s.removeLeftover(ctx, asg, last)
	if err != nil {
		return err
	}
	if removed {
		rep.Removed = append(rep.Removed, asg)
	}
	return nil
}

// reportMissing marks an active grant whose assignment is gone from AWS.
// Only the run that first finds it reports it: an event (which notifies
// the requester and the admins) and a warning; later runs count it in the
// metric and log at debug level.
func (s *Service) reportMissing(ctx context.Context, g access.ManagedGrant) error {
	now := s.clock.Now()
	first := false
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		var err error
		if first, err = tx.MarkGrantDrift(ctx, g.GrantID, now); err != nil || !first {
			return err
		}
		return s.appendEvents(ctx, tx, access.Event{Type: access.EventDriftMissing, RequestID: g.RequestID, GrantID: g.GrantID,
			Actor: access.SystemActor, At: now, Details: map[string]string{
				"account_id": g.Assignment.AccountID, "permission_set_arn": g.Assignment.PermissionSetARN, "user_id": g.Assignment.UserID,
				"detail": "the assignment was removed outside elevate; access is not re-created (reconcile.repair_missing re-creates it)",
			}})
	})
	if err != nil {
		return fmt.Errorf("report missing assignment of grant %s: %w", g.GrantID, err)
	}
	log := s.log.DebugContext
	if first {
		log = s.log.WarnContext
	}
	log(ctx, "drift: an active grant's assignment is missing in AWS", "request_id", g.RequestID, "grant_id", g.GrantID,
		"account_id", g.Assignment.AccountID, "permission_set_arn", g.Assignment.PermissionSetARN, "user_id", g.Assignment.UserID)
	return nil
}

// resolveDrift clears the drift mark of an active grant whose assignment is
// in AWS again (someone re-created it outside elevate), with the event
// grant.drift_resolved.
func (s *Service) resolveDrift(ctx context.Context, g access.ManagedGrant) error {
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.ClearGrantDrift(ctx, g.GrantID); err != nil {
			return err
		}
		return s.appendEvents(ctx, tx, access.Event{Type: access.EventDriftResolved, RequestID: g.RequestID, GrantID: g.GrantID,
			Actor: access.SystemActor, At: s.clock.Now(), Details: map[string]string{
				"account_id": g.Assignment.AccountID, "permission_set_arn": g.Assignment.PermissionSetARN, "user_id": g.Assignment.UserID,
				"missing_since": g.DriftMissingSince.UTC().Format(time.RFC3339), "detail": "the assignment is in AWS again (re-created outside elevate)",
			}})
	})
	if err != nil {
		return fmt.Errorf("clear the drift of grant %s: %w", g.GrantID, err)
	}
	s.log.InfoContext(ctx, "drift resolved: an active grant's assignment is in AWS again", "request_id", g.RequestID, "grant_id", g.GrantID)
	return nil
}

// repairMissing re-creates an active grant's missing assignment
// (Settings.RepairMissing) and records it: the event grant.drift_repaired,
// and the grant's drift mark cleared. The create is idempotent, so a run
// racing the grant's own revocation at worst leaves an assignment that
// the next run removes as a leftover.
func (s *Service) repairMissing(ctx context.Context, g access.ManagedGrant) error {
	awsID, err := s.provider.CreateAssignment(ctx, g.Assignment)
	if err != nil {
		return fmt.Errorf("re-create missing assignment of grant %s: %w", g.GrantID, err)
	}
	s.log.WarnContext(ctx, "drift: re-created an active grant's missing assignment", "request_id", g.RequestID, "grant_id", g.GrantID,
		"account_id", g.Assignment.AccountID, "permission_set_arn", g.Assignment.PermissionSetARN, "user_id", g.Assignment.UserID, "aws_request_id", awsID)
	err = s.store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.ClearGrantDrift(ctx, g.GrantID); err != nil {
			return err
		}
		return s.appendEvents(ctx, tx, access.Event{Type: access.EventDriftRepaired, RequestID: g.RequestID, GrantID: g.GrantID,
			Actor: access.SystemActor, At: s.clock.Now(), Details: map[string]string{
				"account_id": g.Assignment.AccountID, "permission_set_arn": g.Assignment.PermissionSetARN, "user_id": g.Assignment.UserID,
				"aws_request_id": awsID, "detail": "the assignment was removed outside elevate; reconciliation re-created it (reconcile.repair_missing)",
			}})
	})
	if err != nil {
		return fmt.Errorf("record repaired assignment of grant %s: %w", g.GrantID, err)
	}
	return nil
}

// removeLeftover deletes an assignment elevate created that outlived its
// grants, after checking again under the assignment lock that no grant
// holds it and it is not standing. last names the grant it is reported on.
func (s *Service) removeLeftover(ctx context.Context, asg access.Assignment, last access.ManagedGrant) (bool, error) {
	keep := false
	if err := s.store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.LockAssignment(ctx, asg); err != nil {
			return err
		}
		holders, err := tx.AssignmentHolders(ctx, asg, "")
		if err != nil {
			return err
		}
		standing, err := tx.IsStanding(ctx, asg)
		keep = len(holders) > 0 || standing
		return err
	}); err != nil {
		return false, fmt.Errorf("check holders of leftover assignment: %w", err)
	}
	if keep {
		return false, nil
	}
	awsID, err := s.provider.DeleteAssignment(ctx, asg, time.Time{})
	if err != nil {
		return false, fmt.Errorf("delete leftover assignment %s/%s/%s: %w", asg.AccountID, asg.PermissionSetARN, asg.UserID, err)
	}
	s.log.WarnContext(ctx, "drift: removed an assignment left after its request ended", "request_id", last.RequestID, "grant_id", last.GrantID,
		"account_id", asg.AccountID, "permission_set_arn", asg.PermissionSetARN, "user_id", asg.UserID, "aws_request_id", awsID)
	if err := s.store.InTx(ctx, func(tx store.Tx) error {
		return appendEvents(ctx, tx, access.Event{Type: access.EventDriftRemoved, RequestID: last.RequestID, GrantID: last.GrantID,
			Actor: access.SystemActor, At: s.clock.Now(), Details: map[string]string{
				"account_id": asg.AccountID, "permission_set_arn": asg.PermissionSetARN, "user_id": asg.UserID, "aws_request_id": awsID,
				"detail": "the assignment was still in AWS after the request ended; reconciliation deleted it",
			}})
	}); err != nil {
		return true, fmt.Errorf("record removed leftover assignment: %w", err)
	}
	return true, nil
}

// recordRun stores the status of a periodic task's run, keeping the time
// of the last success.
func (s *Service) recordRun(ctx context.Context, kind string, started, ended time.Time, counts map[string]int, runErr error) error {
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		prev, err := tx.GetRunStatus(ctx, kind)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		st := access.RunStatus{Kind: kind, StartedAt: started, EndedAt: ended, LastSuccessAt: prev.LastSuccessAt, Counts: counts}
		if runErr != nil {
			st.Error = runErr.Error()
		} else {
			st.LastSuccessAt = ended
		}
		return tx.PutRunStatus(ctx, st)
	})
	if err != nil {
		return fmt.Errorf("record %s status: %w", kind, err)
	}
	return nil
}

// RunStatus returns the status of the last run of a periodic task
// (access.RunDirectorySync, access.RunReconcile); found is false when it never
// ran.
func (s *Service) RunStatus(ctx context.Context, kind string) (st access.RunStatus, found bool, err error) {
	return ReadRunStatus(ctx, s.store, kind)
}

// pacer lets at most perSecond calls through per second, evenly spaced.
type pacer struct {
	every time.Duration
	next  time.Time
}

func newPacer(perSecond float64) *pacer {
	return &pacer{every: time.Duration(float64(time.Second) / perSecond)}
}

// wait blocks until the next call may go.
func (p *pacer) wait(ctx context.Context) error {
	now := time.Now()
	if p.next.Before(now) {
		p.next = now
	}
	d := p.next.Sub(now)
	p.next = p.next.Add(p.every)
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
