package app

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/elevate/elevate/internal/anchor"
	"github.com/elevate/elevate/internal/audit"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/workflow"
)

// DefaultCheckpointInterval is audit.checkpoint_interval's default.
const DefaultCheckpointInterval = time.Hour

// newAudit builds the decision log's use cases on st with the configured signing key.
// generate lets a missing default key be created in data_dir (the server
// does; one-off commands do not, so a command run from the wrong directory
// never signs with a stray key).
func newAudit(cfg config.Config, st store.Store, log *slog.Logger, generate bool) (*workflow.AuditLog, error) {
	kc := audit.KeyConfig{Inline: cfg.Audit.SigningKey, File: cfg.Audit.SigningKeyFile, DataDir: cfg.DataDir, NoGenerate: !generate}
	key, err := audit.LoadKey(kc, log)
	if err != nil {
		return nil, err
	}
	var trusted []ed25519.PublicKey
	for i, s := range cfg.Audit.TrustedPublicKeys {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(b) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("audit.trusted_public_keys[%d]: want the base64 of a 32-byte Ed25519 public key", i)
		}
		trusted = append(trusted, ed25519.PublicKey(b))
	}
	return workflow.NewAuditLog(workflow.AuditLogDeps{Store: st, Key: key, Trusted: trusted, Logger: log})
}

// Audit is the decision log's use cases (checkpoints, verify, export, prune).
func (a *App) Audit() *workflow.AuditLog { return a.audit }

// OpenAudit opens the database and the decision log's use cases for a
// one-off command (elevate audit ...), without AWS. close releases the
// database.
func OpenAudit(ctx context.Context, cfg config.Config, log *slog.Logger) (svc *workflow.AuditLog, close func() error, err error) {
	st, _, err := OpenStore(ctx, cfg, log)
	if err != nil {
		return nil, nil, err
	}
	if err := st.CheckSchema(ctx); err != nil {
		_ = st.Close()
		return nil, nil, err
	}
	if svc, err = newAudit(cfg, st, log, false); err != nil {
		_ = st.Close()
		return nil, nil, err
	}
	return svc, st.Close, nil
}

// checkpointInterval is the configured interval or its default.
func checkpointInterval(cfg config.Config) time.Duration {
	if cfg.Audit.CheckpointInterval == 0 {
		return DefaultCheckpointInterval
	}
	return cfg.Audit.CheckpointInterval
}

// anchorInterval is audit.anchors.interval with its default (1h).
func anchorInterval(cfg config.Config) time.Duration {
	if cfg.Audit.Anchors.Interval == 0 {
		return time.Hour
	}
	return cfg.Audit.Anchors.Interval
}

// AnchorSinks returns the configured sinks that keep the decision log's
// anchors outside the database (audit.anchors); none: the log is
// unanchored. The S3 sink uses the standard AWS chain for credentials, with
// audit.anchors.s3.region and endpoint overriding it.
func AnchorSinks(ctx context.Context, cfg config.Config) ([]workflow.AnchorSink, error) {
	var sinks []workflow.AnchorSink
	ac := cfg.Audit.Anchors
	if d := ac.Directory; d != "" {
		sinks = append(sinks, anchor.Dir{Path: d})
	}
	if s := ac.S3; s.Bucket != "" {
		region := s.Region
		if region == "" {
			region = cfg.AWS.Region
		}
		awsCfg, err := loadAWSConfig(ctx, region)
		if err != nil {
			return nil, fmt.Errorf("audit.anchors.s3: %w", err)
		}
		// S3-compatible stores and the emulator are addressed path-style
		// (http://host/bucket/key): their host names carry no bucket.
		pathStyle := s.Endpoint != "" || os.Getenv("AWS_ENDPOINT_URL_S3") != "" || os.Getenv("AWS_ENDPOINT_URL") != ""
		client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
			if s.Endpoint != "" {
				o.BaseEndpoint = aws.String(s.Endpoint)
			}
			o.UsePathStyle = pathStyle
		})
		days := s.RetentionDays
		if days == 0 {
			days = DefaultAnchorRetentionDays
		}
		prefix := s.Prefix
		if prefix == "" {
			prefix = DefaultAnchorPrefix
		}
		sinks = append(sinks, anchor.S3{Client: client, Bucket: s.Bucket, Prefix: prefix, Retention: time.Duration(days) * 24 * time.Hour})
	}
	if u := ac.WebhookURL; u != "" {
		sinks = append(sinks, anchor.Webhook{URL: u, Secret: cfg.Notify.Webhook.Secret})
	}
	return sinks, nil
}

// Defaults of audit.anchors.s3.
const (
	DefaultAnchorRetentionDays = 400
	DefaultAnchorPrefix        = "elevate/audit-anchors/"
)
