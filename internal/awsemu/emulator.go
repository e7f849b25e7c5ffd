package awsemu

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sort"
	"sync"
	"time"
)

// Options tune an Emulator. The zero value is usable.
type Options struct {
	// ProvisioningDelay is how long a CreateAccountAssignment or
	// DeleteAccountAssignment request stays IN_PROGRESS. With 0 (the
	// default) the request has finished by the next call to the emulator,
	// typically the first status call.
	ProvisioningDelay time.Duration
	// PageSize caps the number of items on every page of every List
	// operation (MaxResults can only lower it further). 0, the default,
	// means the service's own default page size (100 for sso-admin and
	// identitystore, 20 for organizations).
	PageSize int
	// DeleteMissingSync makes DeleteAccountAssignment of an assignment that
	// does not exist fail at once with ResourceNotFoundException. By default
	// (false) the request is accepted and later ends FAILED with
	// "Received a 404 status error: EntitlementItem doesn't exist ...".
	DeleteMissingSync bool
	// ConflictOnPending makes CreateAccountAssignment and
	// DeleteAccountAssignment fail with ConflictException while another
	// provisioning request for the same assignment is still IN_PROGRESS.
	// Default false: such requests are accepted and run in order.
	ConflictOnPending bool
	// ProvisioningDelayMax, when greater than ProvisioningDelay, makes each
	// provisioning request take a delay drawn uniformly from
	// [ProvisioningDelay, ProvisioningDelayMax] with the seeded RNG.
	ProvisioningDelayMax time.Duration
	// EmptyPages makes every List operation of organizations first answer
	// with an empty page that still carries a NextToken, as AWS documents it
	// may ("continue until NextToken is null").
	EmptyPages bool
	// CallerAccountID is the account the emulated caller's credentials
	// belong to. Default: the management account. Any other account (it
	// must be in the organization) is treated as the delegated
	// administrator of Identity Center, with AWS's management-account
	// restrictions: assignments in the management account and creations
	// with a permission set that is provisioned to the management account
	// fail with AccessDeniedException, and DescribePermissionSet of such a
	// permission set too.
	CallerAccountID string
	// RateLimit enables AWS's Identity Center quotas: a token bucket shared
	// by every sso-admin operation and a cap on IN_PROGRESS
	// create/delete requests. nil (the default) disables both.
	RateLimit *RateLimit
	// TimeScale speeds the emulated service up: delays (provisioning,
	// injected latency) are divided by it and the rate limit's refill rate
	// is multiplied by it. 0 means 1. Use 10 for benchmarks: 200 calls/s
	// and provisioning delays of 20ms to 200ms for 200ms to 2s configured.
	TimeScale float64
	// Seed seeds the RNG behind fault rates and random provisioning delays,
	// so a run with the same requests in the same order is reproducible.
	Seed int64
	// Sleep waits for injected latency. Default: a timer that stops early
	// when the request's context is done. Tests inject a sleeper that
	// advances their fake clock instead.
	Sleep func(ctx context.Context, d time.Duration) error
	// Logger receives one debug record per request. Default: discard.
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// SessionEvents makes every user assignment that succeeds add the
	// CloudTrail events of a session of that user (SSOSessionEvents, 5s
	// after; trail_session.go), so the demo shows session activity.
	// Default false.
	SessionEvents bool
	// NoSessionAccounts are accounts (names or ids) where SessionEvents
	// adds nothing: users granted access there never sign in, so the demo
	// also shows grants that went unused.
	NoSessionAccounts []string
}

// RateLimit configures AWS's Identity Center API quotas ("a collective
// throttle maximum of 20 TPS"; "a maximum rate of 10 outstanding async
// calls"). Zero fields take the defaults.
type RateLimit struct {
	// CallsPerSecond is the refill rate of the token bucket shared by all
	// sso-admin operations. Default 20.
	CallsPerSecond float64
	// Burst is the bucket size. Default CallsPerSecond (rounded up).
	Burst int
	// MaxInFlight caps the CreateAccountAssignment and
	// DeleteAccountAssignment requests IN_PROGRESS at once. Default 10.
	MaxInFlight int
}

// Assignment is an account assignment: a principal (USER or GROUP) holding
// a permission set in an account.
type Assignment struct {
	AccountID        string
	PermissionSetARN string
	PrincipalType    string
	PrincipalID      string
}

// Emulator is an in-memory AWS back end for sso-admin, identitystore and
// organizations, served over HTTP by ServeHTTP. It is safe for concurrent
// use.
type Emulator struct {
	logger *slog.Logger
	now    func() time.Time
	opts   Options // PageSize, DeleteMissingSync, ConflictOnPending, EmptyPages; read-only

	shapes *modelShapes
	ops    map[string]*operation // by X-Amz-Target; read-only after New

	// Directory state, built by New; changed at run time only under mu
	// (AddUser, MoveAccount, CreateGroupMembership, ...).
	region  string
	created time.Time
	org     orgState
	sso     ssoState
	ids     idsState

	caller string // CallerAccountID
	scale  float64
	sleep  func(context.Context, time.Duration) error
	limit  RateLimit // with defaults; used only when opts.RateLimit != nil

	mu          sync.Mutex
	rng         *rand.Rand
	delay       time.Duration
	delayMax    time.Duration
	rateFaults  map[string]Fault                  // by operation name, or "*"
	tokens      float64                           // token bucket level
	tokensAt    time.Time                         // last refill
	throttled   map[string]int                    // by X-Amz-Target: throttles (rate limit, in-flight cap, injected)
	errorCounts map[string]int                    // by error code
	assignments map[Assignment]time.Time          // SUCCEEDED assignments, with their creation time
	provisioned map[string]map[string]bool        // account id -> permission set ARN -> provisioned
	requests    map[string]*provisioning          // by request id
	pending     []*provisioning                   // IN_PROGRESS, in submission order
	history     map[provisionKind][]*provisioning // every request of a kind, in submission order
	faults      []*injectedFault
	failNext    map[provisionKind][]string
	calls       map[string]int  // by X-Amz-Target
	memberIdx   membershipIndex // memberships by group, for ListGroupMemberships
	trail       trailState      // CloudTrail events and queries (trail.go)
	orgPolicies orgPolicies     // service control policies (organizations_policy.go)
	inline      inlineState     // permission sets' inline policies and sessions (ssoadmin_inline.go)
	managed     managedState    // permission sets' managed policy references (ssoadmin_managed.go)
	s3          s3State         // buckets and objects (s3.go)
	s3ops       map[string]*s3Operation
}

// New builds an Emulator from a seed. It fails if the seed is inconsistent
// (unknown OU, duplicate names, ids that do not match AWS's patterns, ...).
func New(seed Seed, opts Options) (*Emulator, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.PageSize < 0 {
		return nil, fmt.Errorf("awsemu: negative PageSize %d", opts.PageSize)
	}
	if opts.ProvisioningDelay < 0 || opts.ProvisioningDelayMax < 0 {
		return nil, fmt.Errorf("awsemu: negative ProvisioningDelay %s or ProvisioningDelayMax %s", opts.ProvisioningDelay, opts.ProvisioningDelayMax)
	}
	if opts.TimeScale < 0 {
		return nil, fmt.Errorf("awsemu: negative TimeScale %g", opts.TimeScale)
	}
	if opts.TimeScale == 0 {
		opts.TimeScale = 1
	}
	if opts.Sleep == nil {
		opts.Sleep = sleepCtx
	}
	var limit RateLimit
	if opts.RateLimit != nil {
		limit = *opts.RateLimit
		if limit.CallsPerSecond < 0 || limit.Burst < 0 || limit.MaxInFlight < 0 {
			return nil, fmt.Errorf("awsemu: negative RateLimit %+v", limit)
		}
		if limit.CallsPerSecond == 0 {
			limit.CallsPerSecond = 20
		}
		if limit.Burst == 0 {
			limit.Burst = int(limit.CallsPerSecond + 0.999)
		}
		if limit.MaxInFlight == 0 {
			limit.MaxInFlight = 10
		}
	}
	e := &Emulator{
		logger:      opts.Logger,
		now:         opts.Now,
		opts:        opts,
		shapes:      newModelShapes(),
		created:     opts.Now().UTC().Truncate(time.Millisecond),
		delay:       opts.ProvisioningDelay,
		delayMax:    opts.ProvisioningDelayMax,
		scale:       opts.TimeScale,
		sleep:       opts.Sleep,
		limit:       limit,
		tokens:      float64(limit.Burst),
		tokensAt:    opts.Now(),
		rng:         rand.New(rand.NewPCG(uint64(opts.Seed), 0x656c6576617465)),
		rateFaults:  make(map[string]Fault),
		throttled:   make(map[string]int),
		errorCounts: make(map[string]int),
		assignments: make(map[Assignment]time.Time),
		provisioned: make(map[string]map[string]bool),
		requests:    make(map[string]*provisioning),
		history:     make(map[provisionKind][]*provisioning),
		failNext:    make(map[provisionKind][]string),
		calls:       make(map[string]int),
	}
	if err := e.load(seed); err != nil {
		return nil, fmt.Errorf("awsemu: invalid seed: %w", err)
	}
	e.caller = opts.CallerAccountID
	if e.caller == "" {
		e.caller = e.org.mgmt.id
	}
	if e.org.accountByID[e.caller] == nil {
		return nil, fmt.Errorf("awsemu: CallerAccountID %s is not an account of the organization", e.caller)
	}
	e.ops = e.operations()
	e.s3ops = e.s3Operations()
	return e, nil
}

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("awsemu: latency wait: %w", ctx.Err())
	}
}

// scaled divides a duration of the emulated service by the time scale.
func (e *Emulator) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) / e.scale)
}

// delegated reports whether the caller is a delegated administrator rather
// than the management account.
func (e *Emulator) delegated() bool { return e.caller != e.org.mgmt.id }

// CallerAccountID returns the account the emulated caller belongs to.
func (e *Emulator) CallerAccountID() string { return e.caller }

// ManagementAccountID returns the organization's management account.
func (e *Emulator) ManagementAccountID() string { return e.org.mgmt.id }

// InstanceARN returns the ARN of the Identity Center instance.
func (e *Emulator) InstanceARN() string { return e.sso.instanceARN }

// Region returns the Identity Center home region.
func (e *Emulator) Region() string { return e.region }

// IdentityStoreID returns the id of the identity store (d-xxxxxxxxxx).
func (e *Emulator) IdentityStoreID() string { return e.ids.storeID }

// UserID returns the id of the user with that user name, or "".
func (e *Emulator) UserID(userName string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if u := e.ids.userByName[foldKey(userName)]; u != nil {
		return u.id
	}
	return ""
}

// GroupID returns the id of the group with that display name, or "".
func (e *Emulator) GroupID(name string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if g := e.ids.groupByName[foldKey(name)]; g != nil {
		return g.id
	}
	return ""
}

// PermissionSetARN returns the ARN of the permission set with that name, or "".
func (e *Emulator) PermissionSetARN(name string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if ps := e.sso.psByName[name]; ps != nil {
		return ps.arn
	}
	return ""
}

// AccountID returns the id of the account with that name, or "".
func (e *Emulator) AccountID(name string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if a := e.org.accountByName[name]; a != nil {
		return a.id
	}
	return ""
}

// Assignments returns the current (SUCCEEDED) account assignments, sorted by
// account, permission set, principal type and principal id.
func (e *Emulator) Assignments() []Assignment {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.settleLocked(e.now())
	out := make([]Assignment, 0, len(e.assignments))
	for a := range e.assignments {
		out = append(out, a)
	}
	sortAssignments(out)
	return out
}

// HasAssignment reports whether the user currently holds the permission set
// in the account through a direct (USER) assignment.
func (e *Emulator) HasAssignment(accountID, permissionSetARN, userID string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.settleLocked(e.now())
	_, ok := e.assignments[Assignment{AccountID: accountID, PermissionSetARN: permissionSetARN, PrincipalType: "USER", PrincipalID: userID}]
	return ok
}

// SetProvisioningDelay changes the delay of provisioning requests submitted
// from now on. Requests already IN_PROGRESS keep their completion time.
func (e *Emulator) SetProvisioningDelay(d time.Duration) {
	e.SetProvisioningDelayRange(d, d)
}

// SetProvisioningDelayRange makes provisioning requests submitted from now
// on take a delay drawn uniformly from [lo, hi] (before the time scale).
func (e *Emulator) SetProvisioningDelayRange(lo, hi time.Duration) {
	lo = max(lo, 0)
	hi = max(hi, lo)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.delay, e.delayMax = lo, hi
}

// provisioningDelayLocked draws the delay of a new provisioning request.
func (e *Emulator) provisioningDelayLocked() time.Duration {
	d := e.delay
	if e.delayMax > e.delay {
		d += time.Duration(e.rng.Int64N(int64(e.delayMax-e.delay) + 1))
	}
	return e.scaled(d)
}

func sortAssignments(as []Assignment) {
	sort.Slice(as, func(i, j int) bool {
		a, b := as[i], as[j]
		if a.AccountID != b.AccountID {
			return a.AccountID < b.AccountID
		}
		if a.PermissionSetARN != b.PermissionSetARN {
			return a.PermissionSetARN < b.PermissionSetARN
		}
		if a.PrincipalType != b.PrincipalType {
			return a.PrincipalType < b.PrincipalType
		}
		return a.PrincipalID < b.PrincipalID
	})
}
