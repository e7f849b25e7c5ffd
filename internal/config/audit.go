package config

import "time"

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
// and how often.
type AuditAnchors struct {
	// Directory receives one file per anchor (0600, never overwritten):
	// mount a write-once volume here. Default none.
	Directory string `yaml:"directory"`
	// Interval: how often an anchor is published while the log grows (and
	// once at shutdown). Default 1h; negative publishes only at shutdown.
	Interval time.Duration `yaml:"interval"`
}

// Configured reports whether any anchor sink is configured.
func (a AuditAnchors) Configured() bool { return a.Directory != "" }
