package workflow

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/store"
)

// Settings are the global policy settings.
type Settings struct {
	MinDuration     time.Duration // shortest request; default policy.DefaultMinDuration
	MaxDuration     time.Duration // ceiling for every rule; default policy.DefaultMaxDuration
	ApprovalTimeout time.Duration // a pending request expires after this; default policy.DefaultApprovalTimeout
	AdminsGroup     string        // name of the admins group; default policy.DefaultAdminsGroup
	AuditorsGroup   string        // name of the auditors group; default policy.DefaultAuditorsGroup
	Rules           []policy.Rule // eligibility rules
	// ApproverRules, TicketRequired and NotificationChannels complete the
	// configuration's policy document (the same keys as `policy apply`'s).
	ApproverRules        []policy.ApproverRule
	TicketRequired       bool
	NotificationChannels []string
	// MaxDurationCeiling caps every request and extension whatever the
	// policy document says (it can be changed through the API); default
	// access.DefaultMaxDurationCeiling.
	MaxDurationCeiling time.Duration
	// MaxStartAhead bounds how far ahead a request may start; default
	// access.DefaultMaxStartAhead.
	MaxStartAhead time.Duration
	// RepairMissing makes reconciliation re-create the missing assignment
	// of an active grant instead of only reporting it.
	RepairMissing bool
	// RevokeAhead, when positive, lets a revocation at a grant's scheduled
	// end start up to this long before it, as planned from the other
	// grants' ends and AWS's capacity (revoke_ahead.go), so that the access
	// is gone by the end even in a burst of ends. 0: revocations start at
	// the end. At most MaxRevokeAhead.
	RevokeAhead time.Duration
}

// WithDefaults fills zero fields with policy's defaults.
func (s Settings) WithDefaults() Settings {
	if s.MinDuration == 0 {
		s.MinDuration = policy.DefaultMinDuration
	}
	if s.MaxDuration == 0 {
		s.MaxDuration = policy.DefaultMaxDuration
	}
	if s.ApprovalTimeout == 0 {
		s.ApprovalTimeout = policy.DefaultApprovalTimeout
	}
	if s.AdminsGroup == "" {
		s.AdminsGroup = policy.DefaultAdminsGroup
	}
	if s.AuditorsGroup == "" {
		s.AuditorsGroup = policy.DefaultAuditorsGroup
	}
	if s.MaxDurationCeiling == 0 {
		s.MaxDurationCeiling = access.DefaultMaxDurationCeiling
	}
	if s.MaxStartAhead == 0 {
		s.MaxStartAhead = access.DefaultMaxStartAhead
	}
	return s
}

// Deps are the service's collaborators.
type Deps struct {
	Store     store.Store
	Scheduler Scheduler
	Provider  Provider
	Directory DirectorySource
	Clock     Clock        // default SystemClock
	Logger    *slog.Logger // default slog.Default()
	Observer  Observer     // default: measurements are discarded
	// Notifications plans the notifications of appended events; nil: none.
	Notifications *Notifications
	// Activity is the session-activity source; nil turns session activity
	// off (no fetch is scheduled and refreshing is refused).
	Activity        ActivitySource
	ActivityOptions ActivityOptions
	// Context gathers the facts of rules' conditions (on call, tickets);
	// nil: every condition is unknown (conditions.go).
	Context ContextSource
	// SessionEnder writes the statements that end revoked users' open
	// sessions; nil, or SessionDeny.Mechanism empty, turns it off.
	SessionEnder SessionEnder
	SessionDeny  SessionDenyOptions
	// Policies reads permission sets' policies for usage insight; nil:
	// insight compares the actions used with nothing.
	Policies PermissionSetPolicyReader
}

// Service runs the use cases.
type Service struct {
	settings Settings
	store    store.Store
	sched    Scheduler
	provider Provider
	dir      DirectorySource
	clock    Clock
	log      *slog.Logger
	obs      Observer
	notif    *Notifications // plans notifications of appended events; nil: none

	activitySrc ActivitySource  // session activity (activity_fetch.go); nil: off
	activityOpt ActivityOptions // its delay and margin

	ctxSrc  ContextSource      // the facts of rules' conditions; nil: unknown
	ender   SessionEnder       // session-ending statements (session_deny.go); nil: off
	denyOpt SessionDenyOptions // their mechanism and default
	denyMu  sync.Map           // policy target -> *sync.Mutex: one write per policy in this process

	psPolicies PermissionSetPolicyReader // permission sets' policies (insights.go); nil: not read

	policy      policyCache     // compiled policy engine
	revokePlans revokePlanCache // the last revoke_ahead plan (revoke_ahead.go)
	syncMu      sync.Mutex      // serializes this process's directory syncs
}

// New returns a Service. Store, Scheduler and Provider are required.
func New(settings Settings, d Deps) (*Service, error) {
	if d.Store == nil || d.Scheduler == nil || d.Provider == nil {
		return nil, errors.New("workflow: Store, Scheduler and Provider are required")
	}
	settings = settings.WithDefaults()
	if settings.RevokeAhead < 0 || settings.RevokeAhead > MaxRevokeAhead {
		return nil, fmt.Errorf("workflow: revoke_ahead %s is out of range: give a duration between 0 (off) and %s", settings.RevokeAhead, MaxRevokeAhead)
	}
	if settings.MinDuration > settings.MaxDuration {
		return nil, fmt.Errorf("workflow: minimum duration %s is longer than maximum %s", settings.MinDuration, settings.MaxDuration)
	}
	if d.Clock == nil {
		d.Clock = SystemClock{}
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Observer == nil {
		d.Observer = nopObserver{}
	}
	if d.SessionDeny.Holder == "" {
		d.SessionDeny.Holder = newID("process_")
	}
	if d.ActivityOptions.Delay <= 0 {
		d.ActivityOptions.Delay = DefaultActivityDelay
	}
	return &Service{settings: settings, store: d.Store, sched: d.Scheduler, provider: d.Provider, dir: d.Directory,
		clock: d.Clock, log: d.Logger, obs: d.Observer, notif: d.Notifications,
		activitySrc: d.Activity, activityOpt: d.ActivityOptions, ctxSrc: d.Context, ender: d.SessionEnder, denyOpt: d.SessionDeny,
		psPolicies: d.Policies}, nil
}

// Settings returns the effective settings.
func (s *Service) Settings() Settings { return s.settings }

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// newID returns prefix + 16 random base32 characters (80 bits).
func newID(prefix string) string {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // never fails on supported platforms
	}
	return prefix + idEncoding.EncodeToString(b)
}

// retryConflicts runs fn in a transaction, again when a concurrent change
// made it conflict: the loser re-reads and re-decides, so races between two
// approvers, or an approval and a cancel, resolve to one outcome.
func (s *Service) retryConflicts(ctx context.Context, fn func(tx store.Tx) error) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = s.store.InTx(ctx, fn)
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
	return &access.Error{Code: access.CodeConflict, Message: "the request changed while this action ran; try again"}
}

// appendEvents writes events to the decision log.
func appendEvents(ctx context.Context, tx store.DecisionLog, evs ...access.Event) error {
	for _, e := range evs {
		if err := tx.AppendEvent(ctx, e); err != nil {
			return fmt.Errorf("append %s event: %w", e.Type, err)
		}
	}
	return nil
}

// notFound turns store.ErrNotFound into a user-facing error.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, store.ErrNotFound) {
		return access.Errorf(access.CodeNotFound, format, args...)
	}
	return err
}

// Ready reports whether the service can serve: the database answers.
func (s *Service) Ready(ctx context.Context) error {
	if err := s.store.Ping(ctx); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	return nil
}

func normalizeUser(name string) string { return strings.TrimSpace(name) }
