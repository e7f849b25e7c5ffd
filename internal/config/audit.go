package config

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Audit configures the decision log's checkpoints.
type Audit struct {
	// SigningKeyFile is the Ed25519 private key (PKCS#8 PEM) that signs
	// checkpoints. Default: <data_dir>/audit-signing.key, generated with a
	// warning on first start. Env ELEVATE_AUDIT_SIGNING_KEY_FILE.
	SigningKeyFile string `yaml:"signing_key_file"`
	// SigningKey is the key itself (PEM, or base64 of the 32-byte seed),
	// only from env ELEVATE_AUDIT_SIGNING_KEY; it wins over the file. It is
	// never written out.
	SigningKey string `yaml:"-" key:"signing_key" secret:"true"`
	// TrustedPublicKeys are older public keys (base64, 32 bytes) whose
	// checkpoints still verify after a key rotation. Default none.
	TrustedPublicKeys []string `yaml:"trusted_public_keys"`
	// CheckpointInterval: how often a signed checkpoint is written while
	// the log grows. Default 1h; negative disables.
	CheckpointInterval time.Duration `yaml:"checkpoint_interval"`
	// Anchors publishes signed checkpoints outside the database, where
	// whoever can write the database can't rewrite them.
	Anchors AuditAnchors `yaml:"anchors"`
}

// AuditAnchors configures where signed checkpoints (anchors) are published
// and how often. Any number of sinks may be set; verify reads the anchors
// back from the sinks that can be read (directory, S3).
type AuditAnchors struct {
	// Directory receives one file per anchor (0600, never overwritten):
	// mount a write-once volume here. Default none.
	Directory string `yaml:"directory"`
	// S3 publishes each anchor as an object locked in compliance mode.
	S3 AuditAnchorsS3 `yaml:"s3"`
	// WebhookURL receives each anchor as a JSON POST signed like the
	// notification webhook (HMAC-SHA256 with ELEVATE_WEBHOOK_SECRET). A
	// webhook can't be read back: verify does not use it. Default none.
	WebhookURL string `yaml:"webhook_url"`
	// Interval: how often an anchor is published while the log grows (and
	// once at shutdown). Default 1h; negative publishes only at shutdown.
	Interval time.Duration `yaml:"interval"`
}

// AuditAnchorsS3 configures the S3 anchor sink. It is on when bucket is
// set; the bucket must have Object Lock enabled.
type AuditAnchorsS3 struct {
	// Bucket receives the anchors. Default none: off.
	Bucket string `yaml:"bucket"`
	// Prefix of the anchors' keys. Default elevate/audit-anchors/.
	Prefix string `yaml:"prefix"`
	// RetentionDays: each anchor is locked in compliance mode for this many
	// days (nobody, the root user included, can delete it earlier).
	// Default 400.
	RetentionDays int `yaml:"retention_days"`
	// Region of the bucket. Default: aws.region, else the AWS chain's.
	Region string `yaml:"region"`
	// Endpoint replaces S3's (an S3-compatible store, the emulator);
	// requests are then path-style, as they are when AWS_ENDPOINT_URL_S3
	// or AWS_ENDPOINT_URL is set. Default: the AWS chain's.
	Endpoint string `yaml:"endpoint"`
}

// Configured reports whether any anchor sink is configured.
func (a AuditAnchors) Configured() bool {
	return a.Directory != "" || a.S3.Bucket != "" || a.WebhookURL != ""
}

// validate checks the anchor sinks' settings.
func (a AuditAnchors) validate(webhookSecret string) []error {
	var errs []error
	if a.S3.RetentionDays < 0 {
		errs = append(errs, fmt.Errorf("audit.anchors.s3.retention_days: %d is negative; set the days each anchor stays locked (default 400)", a.S3.RetentionDays))
	}
	if e := a.S3.Endpoint; e != "" && !strings.HasPrefix(e, "https://") && !strings.HasPrefix(e, "http://") {
		errs = append(errs, fmt.Errorf("audit.anchors.s3.endpoint: %q is not an http(s) URL", e))
	}
	if u := a.WebhookURL; u != "" {
		if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
			errs = append(errs, fmt.Errorf("audit.anchors.webhook_url: %q is not http(s)", u))
		}
		if webhookSecret == "" {
			errs = append(errs, errors.New("audit.anchors.webhook_url is set but ELEVATE_WEBHOOK_SECRET is empty: anchors must be signed"))
		}
	}
	return errs
}
