// Package storetest is the conformance suite every store engine must pass:
// the behaviour of store.Store and store.Tx that the rest of elevate relies
// on, written once and run against SQLite always and PostgreSQL when a
// database is available.
//
// An engine's test calls Run with a function that returns a fresh, empty,
// migrated store for each subtest:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
//	}
package storetest

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// Run runs the conformance suite. open is called once per subtest and must
// return an empty, migrated store; it should close the store with t.Cleanup.
// The subtests run in parallel, each on its own store, so open must be safe
// to call from several goroutines at once. ListRequests must order by
// CreatedAt, newest first, then by id, descending.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"AssignmentHolders", testAssignmentHolders},
		{"AssignmentLastRemoval", testAssignmentLastRemoval},
		{"ActiveGrantEnds", testActiveGrantEnds},
		{"RequestRoundTrip", testRequestRoundTrip},
		{"RequestRoundTripZero", testRequestRoundTripZero},
		{"RequestTimesReadBackInUTC", testRequestTimesUTC},
		{"RequestUpdate", testRequestUpdate},
		{"RequestOptimisticConcurrency", testRequestOptimisticConcurrency},
		{"RequestNotFound", testRequestNotFound},
		{"RequestDuplicateID", testRequestDuplicateID},
		{"RequestFindByGrantID", testRequestFindByGrantID},
		{"ListRequestsFilters", testListRequestsFilters},
		{"ListRequestsLimit", testListRequestsLimit},
		{"PageRequestsFilters", testPageRequestsFilters},
		{"PageRequestsStable", testPageRequestsStable},
		{"Events", testEvents},
		{"DirectoryEmpty", testDirectoryEmpty},
		{"DirectoryLookups", testDirectoryLookups},
		{"DirectoryReplaceTwice", testDirectoryReplaceTwice},
		{"DirectoryStageApply", testDirectoryStageApply},
		{"DirectoryLimits", testDirectoryLimits},
		{"DirectoryStageDrop", testDirectoryStageDrop},
		{"DirectoryRestrictUser", testDirectoryRestrictUser},
		{"Tokens", testTokens},
		{"TokenListDelete", testTokenListDelete},
		{"Sessions", testSessions},
		{"SAMLAssertions", testSAMLAssertions},
		{"SAMLAssertionsConcurrent", testSAMLAssertionsConcurrent},
		{"SignInLinks", testSignInLinks},
		{"SignInLinkUsedOnce", testSignInLinkUsedOnce},
		{"InTxRollbackOnError", testInTxRollbackOnError},
		{"InTxRollbackOnPanic", testInTxRollbackOnPanic},
		{"ReadTxSeesCommitted", testReadTxSeesCommitted},
		{"ReadTxIsReadOnly", testReadTxIsReadOnly},
		{"DirectorySnapshot", testDirectorySnapshot},
		{"PolicyDocuments", testPolicyDocuments},
		{"AuditChain", testAuditChain},
		{"AuditChainConcurrent", testAuditChainConcurrent},
		{"AuditStoredDetails", testAuditStoredDetails},
		{"AuditCheckpoints", testAuditCheckpoints},
		{"ManagedGrants", testManagedGrants},
		{"RunStatus", testRunStatus},
		{"Notifications", testNotifications},
		{"RetentionRequests", testRetentionRequests},
		{"RetentionAuditDelete", testRetentionAuditDelete},
		{"BreakGlass", testBreakGlass},
		{"Activity", testActivity},
		{"ActivityRetention", testActivityRetention},
		{"Insights", testInsights},
		{"Away", testAway},
		{"UserSettings", testUserSettings},
		{"SessionDenies", testSessionDenies},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

// base is the suite's reference time: UTC, microsecond precision (what every
// engine keeps), no monotonic reading.
var base = time.Date(2025, time.March, 14, 9, 26, 53, 589793000, time.UTC)

// at returns base plus d.
func at(d time.Duration) time.Time { return base.Add(d) }

// inTx runs fn in a write transaction and fails the test on error.
func inTx(t *testing.T, s store.Store, fn func(tx store.Tx) error) {
	t.Helper()
	if err := s.InTx(t.Context(), fn); err != nil {
		t.Fatalf("InTx: %v", err)
	}
}

// readTx runs fn in a read transaction and fails the test on error.
func readTx(t *testing.T, s store.Store, fn func(tx store.Tx) error) {
	t.Helper()
	if err := s.ReadTx(t.Context(), fn); err != nil {
		t.Fatalf("ReadTx: %v", err)
	}
}

// create stores the requests in one transaction.
func create(t *testing.T, s store.Store, rs ...*access.Request) {
	t.Helper()
	inTx(t, s, func(tx store.Tx) error {
		for _, r := range rs {
			if err := tx.CreateRequest(t.Context(), r); err != nil {
				return err
			}
		}
		return nil
	})
}

// find reads one request.
func find(t *testing.T, s store.Store, id string) *access.Request {
	t.Helper()
	var r *access.Request
	readTx(t, s, func(tx store.Tx) error {
		var err error
		r, err = tx.FindRequestByID(t.Context(), id)
		return err
	})
	return r
}

// wantErr fails unless err is target (errors.Is).
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: got error %v, want %v", what, err, target)
	}
}

// fullRequest returns a request with every field set, several grants (in an
// order that is not the sort order of their ids), approvals and approvers.
func fullRequest(id, requesterID string, created time.Time) *access.Request {
	return &access.Request{
		ID:                id,
		RequesterID:       requesterID,
		RequesterName:     "name-" + requesterID,
		PermissionSetARN:  "arn:aws:sso:::permissionSet/ssoins-1/ps-admin",
		PermissionSetName: "AdministratorAccess",
		Duration:          90*time.Minute + 7*time.Second + 3*time.Nanosecond,
		StartAt:           created.Add(time.Minute),
		ActivatedAt:       created.Add(2 * time.Minute),
		EndsAt:            created.Add(2*time.Minute + 90*time.Minute),
		ExpiresAt:         created.Add(24 * time.Hour),
		Justification:     "incident INC-42: the database is on fire",
		Ticket:            "INC-42",
		Status:            access.StatusActive,
		Reason:            "some reason",
		Rule:              "prod-admins",
		ApprovalsRequired: 2,
		Approvers:         []string{"u-zed", "u-alice", "u-bob"},
		Approvals: []access.Approval{
			{UserID: "u-zed", UserName: "zed", Verdict: access.VerdictApprove, Comment: "ok", At: created.Add(30 * time.Second)},
			{UserID: "u-alice", UserName: "alice", Verdict: access.VerdictApprove, Comment: "", At: created.Add(40 * time.Second)},
		},
		Grants: []access.Grant{
			{ID: id + "-g3", AccountID: "333333333333", Status: access.GrantActive, Origin: access.OriginShared, CreateRequestID: "c-3",
				ActivatedAt: created.Add(2 * time.Minute)},
			{ID: id + "-g1", AccountID: "111111111111", Status: access.GrantFailed, Error: "AccessDenied: no"},
			{ID: id + "-g2", AccountID: "222222222222", Status: access.GrantRevoked, CreateRequestID: "c-2",
				DeleteRequestID: "d-2", ActivatedAt: created.Add(2 * time.Minute), RevokedAt: created.Add(5 * time.Minute)},
		},
		EndRequestedAt:   created.Add(3 * time.Minute),
		EndRequestedBy:   "zed",
		EndComment:       "done early",
		RevocationFailed: true,
		Extensions: []access.Extension{
			{Duration: 30 * time.Minute, Justification: "more", RequestedAt: created.Add(10 * time.Minute), Status: access.ExtensionApproved,
				DecidedAt: created.Add(11 * time.Minute), Approvals: []access.Approval{
					{UserID: "u-bob", UserName: "bob", Verdict: access.VerdictApprove, Comment: "fine", At: created.Add(11 * time.Minute)}}},
			{Duration: time.Hour, Justification: "again", RequestedAt: created.Add(20 * time.Minute), Status: access.ExtensionPending},
		},
		CreatedAt: created,
		UpdatedAt: created.Add(5 * time.Minute),
		Version:   0,
	}
}

// simpleRequest returns a pending request with one grant.
func simpleRequest(id, requesterID string, status access.Status, created time.Time, approvers ...string) *access.Request {
	return &access.Request{
		ID:                id,
		RequesterID:       requesterID,
		RequesterName:     "name-" + requesterID,
		PermissionSetARN:  "arn:aws:sso:::permissionSet/ssoins-1/ps-read",
		PermissionSetName: "ReadOnly",
		Duration:          time.Hour,
		StartAt:           created,
		Justification:     "look at logs",
		Status:            status,
		ApprovalsRequired: len(approvers),
		Approvers:         approvers,
		Grants:            []access.Grant{{ID: id + "-g", AccountID: "111111111111", Status: access.GrantPending}},
		CreatedAt:         created,
		UpdatedAt:         created,
	}
}

// normalize returns a copy of r in the form every engine must read back:
// times in UTC without monotonic readings, empty lists as nil.
func normalize(r *access.Request) access.Request {
	c := *r
	for _, p := range []*time.Time{&c.StartAt, &c.ActivatedAt, &c.EndsAt, &c.ExpiresAt, &c.EndRequestedAt, &c.CreatedAt, &c.UpdatedAt} {
		*p = normTime(*p)
	}
	c.Approvers = slices.Clone(c.Approvers)
	if len(c.Approvers) == 0 {
		c.Approvers = nil
	}
	c.Approvals = slices.Clone(c.Approvals)
	for i := range c.Approvals {
		c.Approvals[i].At = normTime(c.Approvals[i].At)
	}
	if len(c.Approvals) == 0 {
		c.Approvals = nil
	}
	c.Grants = slices.Clone(c.Grants)
	for i := range c.Grants {
		c.Grants[i].ActivatedAt = normTime(c.Grants[i].ActivatedAt)
		c.Grants[i].RevokedAt = normTime(c.Grants[i].RevokedAt)
	}
	if len(c.Grants) == 0 {
		c.Grants = nil
	}
	c.Extensions = slices.Clone(c.Extensions)
	for i := range c.Extensions {
		e := &c.Extensions[i]
		e.RequestedAt, e.DecidedAt = normTime(e.RequestedAt), normTime(e.DecidedAt)
		e.Approvals = slices.Clone(e.Approvals)
		for j := range e.Approvals {
			e.Approvals[j].At = normTime(e.Approvals[j].At)
		}
		if len(e.Approvals) == 0 {
			e.Approvals = nil
		}
	}
	if len(c.Extensions) == 0 {
		c.Extensions = nil
	}
	return c
}

func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.Round(0).UTC()
}

// sameRequest fails the test when got differs from want, field by field.
func sameRequest(t *testing.T, got, want *access.Request) {
	t.Helper()
	if got == nil {
		t.Fatalf("request %s: got nil", want.ID)
	}
	g, w := normalize(got), normalize(want)
	if reflect.DeepEqual(g, w) {
		return
	}
	gv, wv := reflect.ValueOf(g), reflect.ValueOf(w)
	for i := range gv.NumField() {
		if !reflect.DeepEqual(gv.Field(i).Interface(), wv.Field(i).Interface()) {
			t.Errorf("request %s: %s:\n got  %+v\n want %+v", want.ID, gv.Type().Field(i).Name, gv.Field(i).Interface(), wv.Field(i).Interface())
		}
	}
}

// ids returns the ids of rs.
func ids(rs []*access.Request) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

// sameStrings fails the test unless got equals want (nil and empty are equal).
func sameStrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got  [%s]\n want [%s]", what, strings.Join(got, " "), strings.Join(want, " "))
	}
}
