package aws

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Defaults of Config.
const (
	DefaultRegion          = "us-east-1"
	DefaultPollInterval    = time.Second
	DefaultMaxPollInterval = 5 * time.Second
	// DefaultListPollInterval is the poll cadence while enough operations
	// are in flight to poll them with one List…Status call per cycle.
	DefaultListPollInterval = 150 * time.Millisecond
	DefaultOperationTimeout = 5 * time.Minute
	DefaultProvisioningTime = 2 * time.Second
	DefaultMaxRetries       = 8
	// DefaultCallsPerSecond is AWS's collective 20 TPS for Identity Center
	// minus a 10% safety margin (other tools, clock jitter).
	DefaultCallsPerSecond = 18
	// DefaultCallBurst lets a call after a quiet spell (an approval's
	// create, its first status poll) go at once instead of 1/18 s after
	// the last one; the margin is spent only within a second, which never
	// holds more than 20 calls.
	DefaultCallBurst = 2
	// DefaultMaxInFlight is AWS's 10 outstanding asynchronous assignment
	// operations (some pages now say 15).
	DefaultMaxInFlight = 10
	// DefaultIdentityStoreCallsPerSecond and
	// DefaultOrganizationsCallsPerSecond are modest rates for the directory
	// reads.
	DefaultIdentityStoreCallsPerSecond = 10
	DefaultOrganizationsCallsPerSecond = 10

	defaultRetryBaseDelay = 200 * time.Millisecond
	defaultRetryMaxDelay  = 10 * time.Second
)

// Config configures a Provider. Zero values take the documented defaults.
type Config struct {
	// Region of the Identity Center instance. Default: the SDK's standard
	// chain (AWS_REGION, the shared config profile), falling back to
	// us-east-1.
	Region string
	// InstanceARN of the Identity Center instance. Default: discovered with
	// ListInstances, which must show exactly one ACTIVE instance.
	InstanceARN string
	// IdentityStoreID of the instance's identity store. Default: the one of
	// the instance (discovered with ListInstances).
	IdentityStoreID string
	// PollInterval is the delay before the first status poll of a create or
	// delete. It grows by half each poll up to MaxPollInterval. Default 1s.
	PollInterval time.Duration
	// MaxPollInterval caps the delay between status polls. Default 5s.
	MaxPollInterval time.Duration
	// ListPollInterval is the fixed delay between poll cycles while 3 or
	// more operations of a kind are in flight: a cycle then costs one
	// List…Status call whatever their number, so polling often is cheap and
	// frees in-flight slots as soon as AWS finishes. Default 150ms.
	ListPollInterval time.Duration
	// ProvisioningTime is how long AWS is taken to need to create or remove
	// an assignment until the provider has learned it from AWS's answers:
	// when an operation is first described while others wait for a slot,
	// and what planning revocations ahead of their end (DeletionEnvelope)
	// assumes before the first deletion. Default 2s.
	ProvisioningTime time.Duration
	// OperationTimeout bounds one CreateAssignment or DeleteAssignment,
	// polls and retries included. Default 5m.
	OperationTimeout time.Duration
	// MaxRetries is the number of attempts of one SDK call on
	// ConflictException, throttling, 5xx and connection errors, with
	// exponential backoff and jitter from 200ms capped at 10s. Default 8.
	MaxRetries int
	// CallsPerSecond is the rate of every sso-admin call the provider makes
	// (creates, deletes, status polls, directory reads, retries included),
	// shared by all of them. Default 18: AWS allows 20 in total per account.
	// Set it lower when other tools call Identity Center in the same
	// account.
	CallsPerSecond float64
	// CallBurst is how many sso-admin calls may go at once after a quiet
	// spell, ahead of the rate. Default 2: with the default rate, at most
	// 18 + 2 = 20 calls in any second, AWS's limit. Keep CallsPerSecond +
	// CallBurst at or under the account's limit.
	CallBurst int
	// MaxInFlight is the number of create/delete operations that may be in
	// flight at once, from the Create/Delete call until AWS reports
	// SUCCEEDED or FAILED. Default 10.
	MaxInFlight int
	// IdentityStoreCallsPerSecond limits identitystore calls. Default 10.
	IdentityStoreCallsPerSecond float64
	// OrganizationsCallsPerSecond limits organizations calls. Default 10.
	OrganizationsCallsPerSecond float64
	// SessionDenySCPName is the name of the service control policy elevate
	// owns for ending revoked users' sessions. Default elevate-end-sessions.
	SessionDenySCPName string
	// HTTPClient replaces the SDK's HTTP client (tests). Default: the SDK's.
	HTTPClient awssdk.HTTPClient
	// Logger receives the provider's logs. Default: discard.
	Logger *slog.Logger

	// retryBaseDelay replaces the 200ms retry base delay (tests only).
	retryBaseDelay time.Duration
	// listPollMin replaces defaultListPollMin (tests only).
	listPollMin int
}

func (c Config) withDefaults() (Config, error) {
	if c.PollInterval < 0 || c.MaxPollInterval < 0 || c.ListPollInterval < 0 || c.ProvisioningTime < 0 || c.OperationTimeout < 0 || c.MaxRetries < 0 ||
		c.CallsPerSecond < 0 || c.CallBurst < 0 || c.MaxInFlight < 0 || c.IdentityStoreCallsPerSecond < 0 || c.OrganizationsCallsPerSecond < 0 {
		return c, errors.New("aws provider config: PollInterval, MaxPollInterval, ListPollInterval, ProvisioningTime, OperationTimeout, MaxRetries, CallsPerSecond, CallBurst, MaxInFlight, IdentityStoreCallsPerSecond and OrganizationsCallsPerSecond must not be negative")
	}
	if c.CallBurst == 0 {
		c.CallBurst = DefaultCallBurst
	}
	if c.CallsPerSecond == 0 {
		c.CallsPerSecond = DefaultCallsPerSecond
	}
	if c.MaxInFlight == 0 {
		c.MaxInFlight = DefaultMaxInFlight
	}
	if c.IdentityStoreCallsPerSecond == 0 {
		c.IdentityStoreCallsPerSecond = DefaultIdentityStoreCallsPerSecond
	}
	if c.OrganizationsCallsPerSecond == 0 {
		c.OrganizationsCallsPerSecond = DefaultOrganizationsCallsPerSecond
	}
	if c.listPollMin == 0 {
		c.listPollMin = defaultListPollMin
	}
	if c.PollInterval == 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.MaxPollInterval == 0 {
		c.MaxPollInterval = DefaultMaxPollInterval
	}
	if c.ListPollInterval == 0 {
		c.ListPollInterval = DefaultListPollInterval
	}
	if c.MaxPollInterval < c.PollInterval {
		c.MaxPollInterval = c.PollInterval
	}
	if c.OperationTimeout == 0 {
		c.OperationTimeout = DefaultOperationTimeout
	}
	if c.ProvisioningTime == 0 {
		c.ProvisioningTime = DefaultProvisioningTime
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = DefaultMaxRetries
	}
	if c.retryBaseDelay == 0 {
		c.retryBaseDelay = defaultRetryBaseDelay
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.SessionDenySCPName == "" {
		c.SessionDenySCPName = DefaultSessionDenySCPName
	}
	return c, nil
}

// The interfaces below are the exact set of AWS operations the provider
// calls: IAMPolicy grants each of them (policy_test.go checks it).

// ssoAdminAPI is the part of the sso-admin client the provider uses.
type ssoAdminAPI interface {
	CreateAccountAssignment(ctx context.Context, in *ssoadmin.CreateAccountAssignmentInput, optFns ...func(*ssoadmin.Options)) (*ssoadmin.CreateAccountAssignmentOutput, error)
	DeleteAccountAssignment(ctx context.Context, in *ssoadmin.DeleteAccountAssignmentInput, optFns ...func(*ssoadmin.Options)) (*ssoadmin.DeleteAccountAssignmentOutput, error)
	DescribeAccountAssignmentCreationStatus(ctx context.Context, in *ssoadmin.DescribeAccountAssignmentCreationStatusInput, optFns ...func(*ssoadmin.Options)) (*ssoadmin.DescribeAccountAssignmentCreationStatusOutput, error)
	DescribeAccountAssignmentDeletionStatus(ctx context.Context, in *ssoadmin.DescribeAccountAssignmentDeletionStatusInput, optFns ...func(*ssoadmin.Options)) (*ssoadmin.DescribeAccountAssignmentDeletionStatusOutput, error)
	DescribePermissionSet(ctx context.Context, in *ssoadmin.DescribePermissionSetInput, optFns ...func(*ssoadmin.Options)) (*ssoadmin.DescribePermissionSetOutput, error)
	GetInlinePolicyForPermissionSet(ctx context.Context, in *ssoadmin.GetInlinePolicyForPermissionSetInput, optFns ...func(*ssoadmin.Options)) (*ssoadmin.GetInlinePolicyForPermissionSetOutput, error)
	PutInlinePolicyToPermissionSet(ctx context.Context, in *ssoadmin.PutInlinePolicyToPermissionSetInput, optFns ...func(*ssoadmin.Options)) (*ssoadmin.PutInlinePolicyToPermissionSetOutput, error)
	DeleteInlinePolicyFromPermissionSet(ctx context.Context, in *ssoadmin.DeleteInlinePolicyFromPermissionSetInput, optFns ...func(*ssoadmin.Options)) (*ssoadmin.DeleteInlinePolicyFromPermissionSetOutput, error)
	ProvisionPermissionSet(ctx context.Context, in *ssoadmin.ProvisionPermissionSetInput, optFns ...func(*ssoadmin.Options)) (*ssoadmin.ProvisionPermissionSetOutput, error)
	DescribePermissionSetProvisioningStatus(ctx context.Context, in *ssoadmin.DescribePermissionSetProvisioningStatusInput, optFns ...func(*ssoadmin.Options)) (*ssoadmin.DescribePermissionSetProvisioningStatusOutput, error)
	ssoadmin.ListAccountAssignmentCreationStatusAPIClient
	ssoadmin.ListAccountAssignmentDeletionStatusAPIClient
	ssoadmin.ListAccountAssignmentsAPIClient
	ssoadmin.ListInstancesAPIClient
	ssoadmin.ListPermissionSetsAPIClient
	ssoadmin.ListPermissionSetsProvisionedToAccountAPIClient
	ssoadmin.ListManagedPoliciesInPermissionSetAPIClient
	ssoadmin.ListCustomerManagedPolicyReferencesInPermissionSetAPIClient
}

// identityStoreAPI is the part of the identitystore client the provider uses.
type identityStoreAPI interface {
	identitystore.ListUsersAPIClient
	identitystore.ListGroupsAPIClient
	identitystore.ListGroupMembershipsAPIClient
	// The targeted re-read of one user after a directory event (directory_user.go).
	DescribeUser(ctx context.Context, in *identitystore.DescribeUserInput, optFns ...func(*identitystore.Options)) (*identitystore.DescribeUserOutput, error)
	identitystore.ListGroupMembershipsForMemberAPIClient
}

// organizationsAPI is the part of the organizations client the provider uses.
type organizationsAPI interface {
	organizations.ListRootsAPIClient
	organizations.ListOrganizationalUnitsForParentAPIClient
	organizations.ListAccountsForParentAPIClient
	organizations.ListAccountsAPIClient
	DescribeOrganization(ctx context.Context, in *organizations.DescribeOrganizationInput, optFns ...func(*organizations.Options)) (*organizations.DescribeOrganizationOutput, error)
	// The session-ending service control policy (sessiondeny.go).
	organizations.ListPoliciesAPIClient
	CreatePolicy(ctx context.Context, in *organizations.CreatePolicyInput, optFns ...func(*organizations.Options)) (*organizations.CreatePolicyOutput, error)
	UpdatePolicy(ctx context.Context, in *organizations.UpdatePolicyInput, optFns ...func(*organizations.Options)) (*organizations.UpdatePolicyOutput, error)
	DescribePolicy(ctx context.Context, in *organizations.DescribePolicyInput, optFns ...func(*organizations.Options)) (*organizations.DescribePolicyOutput, error)
	AttachPolicy(ctx context.Context, in *organizations.AttachPolicyInput, optFns ...func(*organizations.Options)) (*organizations.AttachPolicyOutput, error)
}

// stsAPI is the part of the sts client the provider uses (Doctor only).
// GetCallerIdentity needs no IAM permission.
type stsAPI interface {
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// Provider manages Identity Center account assignments and reads the
// directory. It is safe for concurrent use.
type Provider struct {
	sso ssoAdminAPI
	ids identityStoreAPI
	org organizationsAPI
	sts stsAPI // nil: not available

	instanceARN     string
	identityStoreID string

	pollInterval     time.Duration
	maxPollInterval  time.Duration
	listPollInterval time.Duration
	operationTimeout time.Duration
	listPollMin      int
	log              *slog.Logger

	// What DeletionEnvelope reports before the deletion poller has learned.
	provisioningTime time.Duration
	maxInFlight      int
	callsPerSecond   float64

	// Shared limits: see doc.go.
	slots   *slotQueue
	ops     *operations
	pollers [2]*poller // by opKind
	stats   *stats

	scpName string   // the session-ending SCP's name
	scp     scpCache // its id and attachments
}

// New loads the AWS configuration from the SDK's standard chain
// (environment, shared config and credentials files, AWS_ENDPOINT_URL and
// AWS_ENDPOINT_URL_<SERVICE>, IMDS, ...) and returns a Provider for the
// Identity Center instance, discovering it when cfg does not name it.
func New(ctx context.Context, cfg Config) (*Provider, error) {
	var opts []func(*config.LoadOptions) error
	if cfg.Region != "" {
		opts = append(opts, config.WithRegion(cfg.Region))
	}
	// cfg.HTTPClient is set by NewFromConfig: handing it to the loader would
	// fail when AWS_CA_BUNDLE is set and the client cannot take root CAs.
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	return NewFromConfig(ctx, awsCfg, cfg)
}

// NewFromConfig returns a Provider that uses awsCfg for credentials,
// endpoints and HTTP. cfg.Region and cfg.HTTPClient, when set, override
// awsCfg's; the retry policy is always the provider's own (see Config).
// Unless cfg names both, it discovers the instance and its identity store
// with ListInstances.
func NewFromConfig(ctx context.Context, awsCfg awssdk.Config, cfg Config) (*Provider, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	awsCfg = awsCfg.Copy()
	if cfg.Region != "" {
		awsCfg.Region = cfg.Region
	}
	if awsCfg.Region == "" {
		awsCfg.Region = DefaultRegion
	}
	if cfg.HTTPClient != nil {
		awsCfg.HTTPClient = cfg.HTTPClient
	}
	st := newStats()
	retryer := newRetryer(cfg.MaxRetries, cfg.retryBaseDelay, defaultRetryMaxDelay, cfg.Logger, st)
	awsCfg.Retryer = func() awssdk.Retryer { return retryer }
	awsCfg.RetryMaxAttempts = 0 // AWS_MAX_ATTEMPTS would otherwise wrap our retryer

	// One token bucket per service, shared by every call of that service's
	// client, retries included.
	ssoGate := callGate{service: svcSSO, bucket: newTokenBucket(cfg.CallsPerSecond, cfg.CallBurst), stats: st}
	idsGate := callGate{service: svcIdentityStore, bucket: newTokenBucket(cfg.IdentityStoreCallsPerSecond, 1), stats: st}
	orgGate := callGate{service: svcOrganizations, bucket: newTokenBucket(cfg.OrganizationsCallsPerSecond, 1), stats: st}
	stsGate := callGate{service: svcSTS, stats: st}
	sso := ssoadmin.NewFromConfig(awsCfg, func(o *ssoadmin.Options) {
		o.Retryer, o.RetryMaxAttempts = retryer, 0
		o.APIOptions = append(o.APIOptions, ssoGate.apiOption)
	})
	ids := identitystore.NewFromConfig(awsCfg, func(o *identitystore.Options) {
		o.Retryer, o.RetryMaxAttempts = retryer, 0
		o.APIOptions = append(o.APIOptions, idsGate.apiOption)
	})
	org := organizations.NewFromConfig(awsCfg, func(o *organizations.Options) {
		o.Retryer, o.RetryMaxAttempts = retryer, 0
		o.APIOptions = append(o.APIOptions, orgGate.apiOption)
	})
	stsClient := sts.NewFromConfig(awsCfg, func(o *sts.Options) {
		o.Retryer, o.RetryMaxAttempts = retryer, 0
		o.APIOptions = append(o.APIOptions, stsGate.apiOption)
	})
	p := newProvider(cfg, sso, ids, org, st)
	p.sts = stsClient
	p.log = p.log.With("region", awsCfg.Region)
	if err := p.discover(ctx, cfg.InstanceARN, cfg.IdentityStoreID); err != nil {
		return nil, err
	}
	return p, nil
}

// newProvider returns a Provider over the given clients; cfg must have its
// defaults applied. The instance is not discovered.
func newProvider(cfg Config, sso ssoAdminAPI, ids identityStoreAPI, org organizationsAPI, st *stats) *Provider {
	p := &Provider{
		sso:              sso,
		ids:              ids,
		org:              org,
		instanceARN:      cfg.InstanceARN,
		identityStoreID:  cfg.IdentityStoreID,
		pollInterval:     cfg.PollInterval,
		maxPollInterval:  cfg.MaxPollInterval,
		listPollInterval: cfg.ListPollInterval,
		operationTimeout: cfg.OperationTimeout,
		listPollMin:      cfg.listPollMin,
		log:              cfg.Logger,
		provisioningTime: cfg.ProvisioningTime,
		maxInFlight:      cfg.MaxInFlight,
		callsPerSecond:   cfg.CallsPerSecond,
		slots:            newSlotQueue(cfg.MaxInFlight),
		ops:              newOperations(),
		stats:            st,
		scpName:          cfg.SessionDenySCPName,
	}
	p.pollers[kindCreate] = newPoller(p, kindCreate)
	p.pollers[kindDelete] = newPoller(p, kindDelete)
	return p
}

// InstanceARN returns the ARN of the Identity Center instance in use.
func (p *Provider) InstanceARN() string { return p.instanceARN }

// IdentityStoreID returns the id of the identity store in use.
func (p *Provider) IdentityStoreID() string { return p.identityStoreID }

// discover fills in the instance ARN and identity store id that the
// configuration left empty.
func (p *Provider) discover(ctx context.Context, instanceARN, identityStoreID string) error {
	if instanceARN != "" && identityStoreID != "" {
		p.instanceARN, p.identityStoreID = instanceARN, identityStoreID
		return nil
	}
	var active []ssotypes.InstanceMetadata
	pages := ssoadmin.NewListInstancesPaginator(p.sso, &ssoadmin.ListInstancesInput{MaxResults: awssdk.Int32(maxResultsSSO)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("discover Identity Center instance: list instances: %w", err)
		}
		for _, in := range page.Instances {
			if instanceARN != "" {
				if awssdk.ToString(in.InstanceArn) == instanceARN {
					active = append(active, in)
				}
				continue
			}
			// An instance without a status is taken as ACTIVE: older
			// responses did not carry one.
			if in.Status == ssotypes.InstanceStatusActive || in.Status == "" {
				active = append(active, in)
			}
		}
	}
	switch {
	case instanceARN != "" && len(active) == 0:
		return fmt.Errorf("discover identity store: Identity Center instance %s is not in ListInstances: check the instance ARN and the region, or set the identity store id", instanceARN)
	case len(active) == 0:
		return errors.New("discover Identity Center instance: ListInstances shows no ACTIVE instance in this account and region: enable IAM Identity Center, check the region, or set the instance ARN")
	case len(active) > 1:
		arns := make([]string, len(active))
		for i, in := range active {
			arns[i] = awssdk.ToString(in.InstanceArn)
		}
		return fmt.Errorf("discover Identity Center instance: ListInstances shows %d ACTIVE instances (%s): set the instance ARN to choose one", len(active), strings.Join(arns, ", "))
	}
	in := active[0]
	if instanceARN == "" {
		instanceARN = awssdk.ToString(in.InstanceArn)
	}
	if identityStoreID == "" {
		identityStoreID = awssdk.ToString(in.IdentityStoreId)
	}
	if instanceARN == "" || identityStoreID == "" {
		return fmt.Errorf("discover Identity Center instance: ListInstances returned instance %q without an ARN or identity store id", awssdk.ToString(in.InstanceArn))
	}
	p.instanceARN, p.identityStoreID = instanceARN, identityStoreID
	p.log.Info("discovered Identity Center instance", "instance_arn", instanceARN, "identity_store_id", identityStoreID)
	return nil
}
