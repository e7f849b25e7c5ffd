// Package config holds elevate's configuration: loaded from a YAML file, then
// environment variables (ELEVATE_*), then flags, each overriding the last;
// validated before use; dumped with secrets redacted.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/policy"
)

// Config is the whole configuration. Every field states its default.
type Config struct {
	// Addr is the listen address of the portal and API. Default 127.0.0.1:8080.
	Addr string `yaml:"addr"`
	// PublicURL is the URL users reach elevate at, for links. Default http://<addr>.
	PublicURL string `yaml:"public_url"`
	// DataDir holds the SQLite database (elevate.db). Default ./elevate-data.
	DataDir string `yaml:"data_dir"`
	// DatabaseURL selects PostgreSQL (postgres://...). Default empty: SQLite in DataDir.
	DatabaseURL string `yaml:"database_url" secret:"url"`
	// LogLevel is debug, info, warn or error. Default info.
	LogLevel string `yaml:"log_level"`
	// LogFormat is json or text. Default json.
	LogFormat string `yaml:"log_format"`
	// AWS says how to reach Identity Center.
	AWS AWS `yaml:"aws"`
	// Policy holds the settings and eligibility rules.
	Policy Policy `yaml:"policy"`
	// Jobs tunes the durable job queue.
	Jobs Jobs `yaml:"jobs"`
	// Audit configures the decision log's signed checkpoints.
	Audit Audit `yaml:"audit"`
	// Retention says how long requests, activity and audit entries are kept (retention.go).
	Retention Retention `yaml:"retention"`
	// Activity configures session activity from CloudTrail (activity.go).
	Activity Activity `yaml:"activity"`
	// Notify configures Slack, email and webhook notifications (notify.go).
	Notify Notify `yaml:"notify"`
	// Auth configures portal sign-in: OIDC, SAML, session timeouts (auth.go).
	Auth Auth `yaml:"auth"`
	// Security configures rate limits and proxy trust (security.go).
	Security Security `yaml:"security"`
	// Reconcile tunes what reconciliation does about drift.
	Reconcile Reconcile `yaml:"reconcile"`
	// Integrations configures on-call and ticket systems for rules' conditions (integrations.go).
	Integrations Integrations `yaml:"integrations"`
	// EndSessions ends revoked users' open sessions (end_sessions.go).
	EndSessions EndSessions `yaml:"end_sessions"`
	// Directory says how identity store changes reach elevate between syncs (directory.go).
	Directory Directory `yaml:"directory"`
}

// Reconcile tunes reconciliation (the reconcile job compares elevate's
// assignments with AWS).
type Reconcile struct {
	// RepairMissing re-creates the assignment of an active grant that was
	// removed in AWS behind elevate's back (audited, counted in a metric),
	// instead of only reporting it. Default false.
	RepairMissing bool `yaml:"repair_missing"`
}

// AWS configures the Identity Center provider. Credentials, region and
// endpoints otherwise come from the standard AWS chain (AWS_REGION,
// AWS_PROFILE, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_SSO_ADMIN, ...).
type AWS struct {
	// Region overrides the chain's region. Default: the chain's, else us-east-1.
	Region string `yaml:"region"`
	// InstanceARN of IAM Identity Center. Default: discovered with ListInstances.
	InstanceARN string `yaml:"instance_arn"`
	// IdentityStoreID of the instance. Default: discovered with the instance.
	IdentityStoreID string `yaml:"identity_store_id"`
	// AccessPortalURL is the AWS access portal's URL (the start URL, such as
	// https://d-1234567890.awsapps.com/start). With it, active access shows a
	// console link and a ~/.aws/config profile. Default none.
	AccessPortalURL string `yaml:"access_portal_url"`
	// PollInterval is the first delay between assignment status polls. Default 1s.
	PollInterval time.Duration `yaml:"poll_interval"`
	// MaxPollInterval caps the delay between status polls. Default 5s.
	MaxPollInterval time.Duration `yaml:"max_poll_interval"`
	// ListPollInterval is the poll cadence while 3 or more operations are in
	// flight (one List call per cycle). Default 150ms.
	ListPollInterval time.Duration `yaml:"list_poll_interval"`
	// ProvisioningTime is how long AWS is taken to need to create or remove
	// an assignment until elevate has learned it from AWS's answers: when an
	// operation is first polled while others wait for an in-flight slot, and
	// what policy.revoke_ahead plans with. Default 2s.
	ProvisioningTime time.Duration `yaml:"provisioning_time"`
	// CallsPerSecond limits every sso-admin call elevate makes. Default 18
	// (AWS allows 20 per account in total); lower it when other tools call
	// Identity Center in the same account.
	CallsPerSecond float64 `yaml:"calls_per_second"`
	// MaxInFlight limits create/delete operations in progress. Default 10.
	MaxInFlight int `yaml:"max_in_flight"`
	// IdentityStoreCallsPerSecond limits identitystore calls. Default 10.
	IdentityStoreCallsPerSecond float64 `yaml:"identity_store_calls_per_second"`
	// OrganizationsCallsPerSecond limits organizations calls. Default 10.
	OrganizationsCallsPerSecond float64 `yaml:"organizations_calls_per_second"`
}

// Policy is the global settings and the rules.
type Policy struct {
	// MinDuration is the shortest request. Default 15m.
	MinDuration time.Duration `yaml:"min_duration"`
	// MaxDuration is the ceiling for every rule. Default 9h.
	MaxDuration time.Duration `yaml:"max_duration"`
	// ApprovalTimeout: a pending request expires after it. Default 3h.
	ApprovalTimeout time.Duration `yaml:"approval_timeout"`
	// AdminsGroup is the identity store group of admins. Default admins.
	AdminsGroup string `yaml:"admins_group"`
	// AuditorsGroup is the identity store group of auditors. Default auditors.
	AuditorsGroup string `yaml:"auditors_group"`
	// TicketRequired makes every request name a ticket. Default false.
	TicketRequired bool `yaml:"ticket_required"`
	// NotificationChannels limits the channels notifications go to
	// (slack, email, webhook). Default all that are configured.
	NotificationChannels []string `yaml:"notification_channels"`
	// Rules are the eligibility rules. Default none: nobody may request anything.
	Rules []policy.Rule `yaml:"rules"`
	// ApproverRules name who approves by account or OU where a rule names no
	// approvers of its own. Default none.
	ApproverRules []policy.ApproverRule `yaml:"approver_rules"`
	// ManagedAsCode makes the portal's policy page read-only (with a note):
	// the policy changes only through `elevate policy apply` from its
	// repository. Default false: admins may also edit it in the portal.
	ManagedAsCode bool `yaml:"managed_as_code"`
	// MaxDurationCeiling bounds max_duration, every rule's max_duration and
	// every request and extension, including policies applied through the
	// API or the portal, which can't raise it. Default 168h (7 days).
	MaxDurationCeiling time.Duration `yaml:"max_duration_ceiling"`
	// MaxStartAhead is how far in the future a request may start. Default
	// 2160h (90 days).
	MaxStartAhead time.Duration `yaml:"max_start_ahead"`
	// RevokeAhead lets elevate start the revocation of a grant that ends at
	// its scheduled time up to this long before the end, planned from the
	// other grants' ends and AWS's capacity, so that the access is gone by
	// the end even when many grants end together; the access cut short is
	// recorded per grant. Default 0: off, revocations start at the end.
	// At most 1h.
	RevokeAhead time.Duration `yaml:"revoke_ahead"`
}

// Jobs tunes the job queue.
type Jobs struct {
	// ClientID names this replica; stable across its restarts, unique among
	// live replicas. Default: the host name.
	ClientID string `yaml:"client_id"`
	// JobTimeout bounds one attempt of a job. Default 25s.
	JobTimeout time.Duration `yaml:"job_timeout"`
	// FetchPollInterval: how often idle workers look for due jobs. Default 200ms.
	FetchPollInterval time.Duration `yaml:"fetch_poll_interval"`
	// SyncInterval: how often the directory is synced. Default 15m.
	SyncInterval time.Duration `yaml:"sync_interval"`
	// ReconcileInterval: how often AWS is compared with elevate's grants
	// (drift). Default 5m; negative disables.
	ReconcileInterval time.Duration `yaml:"reconcile_interval"`
	// SweepInterval: how often overdue work is re-enqueued. Default 1m.
	SweepInterval time.Duration `yaml:"sweep_interval"`
	// MaxWorkers: jobs run at once per process. Default 50.
	MaxWorkers int `yaml:"max_workers"`
	// MaxRetryDelay caps the backoff between attempts of a failing job. Default 1m.
	MaxRetryDelay time.Duration `yaml:"max_retry_delay"`
}

// Default returns the configuration with every default filled in.
func Default() Config {
	return Config{Addr: "127.0.0.1:8080", DataDir: "elevate-data", LogLevel: "info", LogFormat: "json", Auth: Auth{SignInLinks: true}}
}

// Load reads a YAML file over the defaults. Unknown keys are an error.
func Load(path string) (Config, error) {
	c := Default()
	if path == "" {
		return c, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("read config: %w", err)
	}
	if _, err := c.decodeYAML(b); err != nil {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// ApplyEnv overrides fields from ELEVATE_* environment variables.
func (c *Config) ApplyEnv(getenv func(string) string) {
	set := func(dst *string, key string) {
		if v := getenv(key); v != "" {
			*dst = v
		}
	}
	set(&c.Addr, "ELEVATE_ADDR")
	set(&c.PublicURL, "ELEVATE_PUBLIC_URL")
	set(&c.DataDir, "ELEVATE_DATA_DIR")
	set(&c.DatabaseURL, "ELEVATE_DATABASE_URL")
	set(&c.LogLevel, "ELEVATE_LOG_LEVEL")
	set(&c.LogFormat, "ELEVATE_LOG_FORMAT")
	set(&c.Jobs.ClientID, "ELEVATE_CLIENT_ID")
	set(&c.AWS.Region, "ELEVATE_AWS_REGION")
	set(&c.AWS.InstanceARN, "ELEVATE_AWS_INSTANCE_ARN")
	set(&c.AWS.IdentityStoreID, "ELEVATE_AWS_IDENTITY_STORE_ID")
	set(&c.AWS.AccessPortalURL, "ELEVATE_AWS_ACCESS_PORTAL_URL")
	set(&c.Audit.SigningKeyFile, "ELEVATE_AUDIT_SIGNING_KEY_FILE")
	set(&c.Audit.SigningKey, "ELEVATE_AUDIT_SIGNING_KEY")
	c.applyNotifyEnv(getenv)
	c.applyAuthEnv(getenv)
}

// Validate checks the configuration and names the bad key.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("addr: %q is not host:port: %w", c.Addr, err))
	}
	if c.DatabaseURL == "" && c.DataDir == "" {
		errs = append(errs, errors.New("data_dir: empty; set a directory for the SQLite database, or database_url"))
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		errs = append(errs, errors.New("database_url: must start with postgres:// (leave it empty for SQLite)"))
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log_level: %q is not debug, info, warn or error", c.LogLevel))
	}
	switch c.LogFormat {
	case "json", "text":
	default:
		errs = append(errs, fmt.Errorf("log_format: %q is not json or text", c.LogFormat))
	}
	if u := c.AWS.AccessPortalURL; u != "" {
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" || pu.Fragment != "" || pu.RawQuery != "" {
			errs = append(errs, fmt.Errorf("aws.access_portal_url: %q is not the access portal's URL: copy it from the IAM Identity Center console, like https://d-1234567890.awsapps.com/start", u))
		}
	}
	p := c.Policy
	ceiling := p.MaxDurationCeiling
	if ceiling <= 0 {
		ceiling = access.DefaultMaxDurationCeiling
	}
	if p.MaxDurationCeiling < 0 || p.MaxStartAhead < 0 {
		errs = append(errs, fmt.Errorf("policy.max_duration_ceiling and policy.max_start_ahead must not be negative"))
	}
	if p.RevokeAhead < 0 || p.RevokeAhead > time.Hour {
		errs = append(errs, fmt.Errorf("policy.revoke_ahead: %s is out of range: give a duration from 0 (off) to 1h, such as 5m", p.RevokeAhead))
	}
	if p.MaxDuration > ceiling {
		errs = append(errs, fmt.Errorf("policy.max_duration: %s is above policy.max_duration_ceiling %s; raise the ceiling if you mean it", p.MaxDuration, ceiling))
	}
	for i, r := range p.Rules {
		if r.MaxDuration > ceiling {
			errs = append(errs, fmt.Errorf("policy.rules[%d] (%s).max_duration: %s is above policy.max_duration_ceiling %s", i, r.Name, r.MaxDuration, ceiling))
		}
	}
	// The settings, rules and approver rules are a policy document: the
	// policy's own validator checks them, as `policy apply` does.
	for _, pr := range policy.Check(p.Document()) {
		errs = append(errs, fmt.Errorf("%s: %s", p.keyOf(pr.Path), pr.Message))
	}
	errs = append(errs, c.Notify.validate()...)
	errs = append(errs, c.Auth.validate()...)
	errs = append(errs, c.Retention.validate()...)
	errs = append(errs, c.Activity.validate()...)
	errs = append(errs, c.EndSessions.validate()...)
	errs = append(errs, c.Directory.validate()...)
	errs = append(errs, c.Security.validate()...)
	errs = append(errs, c.Integrations.validate()...)
	errs = append(errs, c.Audit.Anchors.validate(c.Notify.Webhook.Secret)...)
	return errors.Join(errs...)
}

// SQLitePath is the database file in DataDir.
func (c Config) SQLitePath() string { return filepath.Join(c.DataDir, "elevate.db") }

// URL is the public URL, or one derived from Addr.
func (c Config) URL() string {
	if c.PublicURL != "" {
		return strings.TrimRight(c.PublicURL, "/")
	}
	return "http://" + c.Addr
}

// Document is the policy document the configuration gives: the initial
// policy while none was applied with `policy apply` (or the portal).
func (p Policy) Document() policy.Document {
	return policy.Document{
		Settings: policy.Settings{MinDuration: p.MinDuration, MaxDuration: p.MaxDuration, ApprovalTimeout: p.ApprovalTimeout,
			AdminsGroup: p.AdminsGroup, AuditorsGroup: p.AuditorsGroup, TicketRequired: p.TicketRequired,
			NotificationChannels: p.NotificationChannels},
		Rules:         p.Rules,
		ApproverRules: p.ApproverRules,
	}
}

// keyOf turns a policy document path (settings.max_duration, rules[2].name)
// into the configuration key (policy.max_duration, policy.rules[2].name).
func (p Policy) keyOf(path string) string {
	if rest, ok := strings.CutPrefix(path, "settings."); ok {
		return "policy." + rest
	}
	return "policy." + path
}
