package awsemu

import (
	"fmt"
	"log/slog"
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
	// Logger receives one debug record per request. Default: discard.
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
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
	opts   Options // PageSize, DeleteMissingSync, ConflictOnPending; read-only

	shapes *modelShapes
	ops    map[string]*operation // by X-Amz-Target; read-only after New

	// Static directory state, built by New and read-only afterwards.
	region  string
	created time.Time
	org     orgState
	sso     ssoState
	ids     idsState

	mu          sync.Mutex
	delay       time.Duration
	assignments map[Assignment]time.Time          // SUCCEEDED assignments, with their creation time
	provisioned map[string]map[string]bool        // account id -> permission set ARN -> provisioned
	requests    map[string]*provisioning          // by request id
	pending     []*provisioning                   // IN_PROGRESS, in submission order
	history     map[provisionKind][]*provisioning // every request of a kind, in submission order
	faults      []*injectedFault
	failNext    map[provisionKind][]string
	calls       map[string]int // by X-Amz-Target
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
	if opts.ProvisioningDelay < 0 {
		return nil, fmt.Errorf("awsemu: negative ProvisioningDelay %s", opts.ProvisioningDelay)
	}
	e := &Emulator{
		logger:      opts.Logger,
		now:         opts.Now,
		opts:        opts,
		shapes:      newModelShapes(),
		created:     opts.Now().UTC().Truncate(time.Millisecond),
		delay:       opts.ProvisioningDelay,
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
	e.ops = e.operations()
	return e, nil
}

// InstanceARN returns the ARN of the Identity Center instance.
func (e *Emulator) InstanceARN() string { return e.sso.instanceARN }

// Region returns the Identity Center home region.
func (e *Emulator) Region() string { return e.region }

// IdentityStoreID returns the id of the identity store (d-xxxxxxxxxx).
func (e *Emulator) IdentityStoreID() string { return e.ids.storeID }

// UserID returns the id of the user with that user name, or "".
func (e *Emulator) UserID(userName string) string {
	if u := e.ids.userByName[foldKey(userName)]; u != nil {
		return u.id
	}
	return ""
}

// GroupID returns the id of the group with that display name, or "".
func (e *Emulator) GroupID(name string) string {
	if g := e.ids.groupByName[foldKey(name)]; g != nil {
		return g.id
	}
	return ""
}

// PermissionSetARN returns the ARN of the permission set with that name, or "".
func (e *Emulator) PermissionSetARN(name string) string {
	if ps := e.sso.psByName[name]; ps != nil {
		return ps.arn
	}
	return ""
}

// AccountID returns the id of the account with that name, or "".
func (e *Emulator) AccountID(name string) string {
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
	if d < 0 {
		d = 0
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.delay = d
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
