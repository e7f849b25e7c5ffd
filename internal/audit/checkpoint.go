package audit

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// Checkpoint kinds.
const (
	KindPeriodic = "periodic" // written by the server every audit.checkpoint_interval
	KindManual   = "manual"   // written by `elevate audit checkpoint`
	KindPrune    = "prune"    // summarizes the entries a pruning removed
)

// CheckpointMessage is the byte string a checkpoint's signature covers:
//
//	elevate-audit-checkpoint-v1
//	seq <seq>
//	hash <hex of the head hash>
//	count <count>
//	at <time, UTC, RFC 3339 with up to microseconds>
//	kind <kind>
//	first <first seq>        (only for kind prune)
//
// each line ending in "\n".
func CheckpointMessage(c access.Checkpoint) []byte {
	b := fmt.Appendf(nil, "elevate-audit-checkpoint-v1\nseq %d\nhash %x\ncount %d\nat %s\nkind %s\n",
		c.Seq, c.Hash, c.Count, access.NormalizeChainTime(c.At).Format(time.RFC3339Nano), c.Kind)
	if c.Kind == KindPrune {
		b = fmt.Appendf(b, "first %d\n", c.FirstSeq)
	}
	return b
}

// Sign fills in c.PublicKey and c.Signature with key.
func Sign(c *access.Checkpoint, key ed25519.PrivateKey) {
	c.At = access.NormalizeChainTime(c.At)
	c.PublicKey = []byte(key.Public().(ed25519.PublicKey))
	c.Signature = ed25519.Sign(key, CheckpointMessage(*c))
}

// CheckSignature reports whether c is signed by its own public key, and
// that key is one of trusted (any key when trusted is empty).
func CheckSignature(c access.Checkpoint, trusted []ed25519.PublicKey) error {
	if len(c.PublicKey) != ed25519.PublicKeySize || !ed25519.Verify(c.PublicKey, CheckpointMessage(c), c.Signature) {
		return errors.New("its signature does not match its content")
	}
	if len(trusted) == 0 {
		return nil
	}
	for _, k := range trusted {
		if k.Equal(ed25519.PublicKey(c.PublicKey)) {
			return nil
		}
	}
	return fmt.Errorf("it is signed by key %s, which is not the configured audit signing key", KeyID(c.PublicKey))
}

// KeyID is a short, printable name of a public key:
// the first 16 hex digits of the key.
func KeyID(pub []byte) string {
	s := hex.EncodeToString(pub)
	if len(s) > 16 {
		s = s[:16]
	}
	return s
}

// CheckpointJSON is the exported form of a checkpoint (API, CLI, files).
type CheckpointJSON struct {
	ID        int64     `json:"id,omitempty"`
	Seq       int64     `json:"seq"`
	Hash      string    `json:"hash"`
	Count     int64     `json:"count"`
	At        time.Time `json:"at"`
	Kind      string    `json:"kind"`
	FirstSeq  int64     `json:"first_seq,omitempty"` // prune: the first seq of the pruned range
	PublicKey string    `json:"public_key"`
	Signature string    `json:"signature"`
}

// ToJSON converts c for export: hashes in hex, key and signature in base64.
func ToJSON(c access.Checkpoint) CheckpointJSON {
	return CheckpointJSON{ID: c.ID, Seq: c.Seq, Hash: hex.EncodeToString(c.Hash), Count: c.Count, At: c.At.UTC(), Kind: c.Kind, FirstSeq: c.FirstSeq,
		PublicKey: base64.StdEncoding.EncodeToString(c.PublicKey), Signature: base64.StdEncoding.EncodeToString(c.Signature)}
}

// FromJSON converts an exported checkpoint back.
func FromJSON(j CheckpointJSON) (access.Checkpoint, error) {
	h, err := hex.DecodeString(j.Hash)
	if err != nil || len(h) != access.ChainHashSize {
		return access.Checkpoint{}, fmt.Errorf("checkpoint hash %q: want %d bytes in hex", j.Hash, access.ChainHashSize)
	}
	pub, err := base64.StdEncoding.DecodeString(j.PublicKey)
	if err != nil {
		return access.Checkpoint{}, fmt.Errorf("checkpoint public_key: %w", err)
	}
	sig, err := base64.StdEncoding.DecodeString(j.Signature)
	if err != nil {
		return access.Checkpoint{}, fmt.Errorf("checkpoint signature: %w", err)
	}
	return access.Checkpoint{ID: j.ID, Seq: j.Seq, Hash: h, Count: j.Count, At: access.NormalizeChainTime(j.At), Kind: j.Kind, FirstSeq: j.FirstSeq, PublicKey: pub, Signature: sig}, nil
}

// ReadCheckpointFile reads an exported checkpoint: one JSON object, or a
// JSON array of them, or JSON lines.
func ReadCheckpointFile(path string) ([]access.Checkpoint, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read checkpoint file: %w", err)
	}
	var js []CheckpointJSON
	trimmed := strings.TrimSpace(string(b))
	if strings.HasPrefix(trimmed, "[") {
		if err := json.Unmarshal([]byte(trimmed), &js); err != nil {
			return nil, fmt.Errorf("checkpoint file %s: %w", path, err)
		}
	} else {
		dec := json.NewDecoder(strings.NewReader(trimmed))
		for dec.More() {
			var j CheckpointJSON
			if err := dec.Decode(&j); err != nil {
				return nil, fmt.Errorf("checkpoint file %s: %w", path, err)
			}
			js = append(js, j)
		}
	}
	if len(js) == 0 {
		return nil, fmt.Errorf("checkpoint file %s: no checkpoint in it", path)
	}
	out := make([]access.Checkpoint, 0, len(js))
	for _, j := range js {
		c, err := FromJSON(j)
		if err != nil {
			return nil, fmt.Errorf("checkpoint file %s: %w", path, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// KeyFileName is the signing key generated in the data directory when none
// is configured.
const KeyFileName = "audit-signing.key"

// KeyConfig says where the checkpoint signing key comes from, first match
// wins: Inline (env ELEVATE_AUDIT_SIGNING_KEY: PEM, or base64 of the 32-byte
// seed), File (audit.signing_key_file, must exist), else DataDir/audit-signing.key,
// generated on first use with a warning.
type KeyConfig struct {
	Inline  string
	File    string
	DataDir string
	// NoGenerate refuses to create a missing default key.
	NoGenerate bool
}

// LoadKey returns the signing key. The key is never logged; only its public
// key id is.
func LoadKey(kc KeyConfig, log *slog.Logger) (ed25519.PrivateKey, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if s := strings.TrimSpace(kc.Inline); s != "" {
		k, err := ParseKey([]byte(s))
		if err != nil {
			return nil, fmt.Errorf("ELEVATE_AUDIT_SIGNING_KEY: %w", err)
		}
		return k, nil
	}
	if kc.File != "" {
		b, err := os.ReadFile(kc.File)
		if err != nil {
			return nil, fmt.Errorf("audit.signing_key_file: %w", err)
		}
		k, err := ParseKey(b)
		if err != nil {
			return nil, fmt.Errorf("audit.signing_key_file %s: %w", kc.File, err)
		}
		return k, nil
	}
	if kc.DataDir == "" {
		return nil, errors.New("audit signing key: set audit.signing_key_file, ELEVATE_AUDIT_SIGNING_KEY or data_dir")
	}
	path := filepath.Join(kc.DataDir, KeyFileName)
	b, err := os.ReadFile(path)
	if err == nil {
		k, err := ParseKey(b)
		if err != nil {
			return nil, fmt.Errorf("audit signing key %s: %w", path, err)
		}
		return k, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("audit signing key: %w", err)
	}
	if kc.NoGenerate {
		return nil, fmt.Errorf("no audit signing key at %s: start the server once with this data_dir, or set audit.signing_key_file or ELEVATE_AUDIT_SIGNING_KEY", path)
	}
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate audit signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("encode audit signing key: %w", err)
	}
	if err := os.MkdirAll(kc.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("audit signing key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) { // another process made it first
			return LoadKey(kc, log)
		}
		return nil, fmt.Errorf("write audit signing key: %w", err)
	}
	if err := errors.Join(pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}), f.Close()); err != nil {
		return nil, fmt.Errorf("write audit signing key %s: %w", path, err)
	}
	log.Warn("generated a new audit checkpoint signing key; back it up, keep its public key elsewhere, and configure audit.signing_key_file on every replica",
		"path", path, "public_key_id", KeyID(k.Public().(ed25519.PublicKey)))
	return k, nil
}

// ParseKey reads a PKCS#8 PEM Ed25519 private key, or the base64 of a
// 32-byte seed or 64-byte private key.
func ParseKey(b []byte) (ed25519.PrivateKey, error) {
	if blk, _ := pem.Decode(b); blk != nil {
		k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse PEM private key: %w", err)
		}
		ek, ok := k.(ed25519.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("the key is a %T, want an Ed25519 key", k)
		}
		return ek, nil
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, errors.New("want a PEM \"PRIVATE KEY\" (PKCS#8, Ed25519) or the base64 of a 32-byte seed")
	}
	switch len(raw) {
	case ed25519.SeedSize:
		return ed25519.NewKeyFromSeed(raw), nil
	case ed25519.PrivateKeySize:
		return ed25519.PrivateKey(raw), nil
	}
	return nil, fmt.Errorf("base64 key of %d bytes: want a 32-byte seed", len(raw))
}

// PruneRanges fills in FirstSeq of the stored pruning checkpoints: the
// pruned ranges are contiguous from entry 1, so each starts right after the
// one before. A deleted pruning checkpoint therefore changes the range of
// the next one, whose signature then no longer matches.
func PruneRanges(cps []access.Checkpoint) {
	idx := make([]int, 0, len(cps))
	for i := range cps {
		if cps[i].Kind == KindPrune {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return cps[idx[a]].Seq < cps[idx[b]].Seq })
	next := int64(1)
	for _, i := range idx {
		cps[i].FirstSeq = next
		next = cps[i].Seq + 1
	}
}
