package audit_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/audit"
)

// testKey is a fixed Ed25519 key made from a seed of byte b.
func testKey(b byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, ed25519.SeedSize))
}

func pub(k ed25519.PrivateKey) ed25519.PublicKey { return k.Public().(ed25519.PublicKey) }

// signed is a checkpoint of kind signed with key.
func signed(kind string, key ed25519.PrivateKey) access.Checkpoint {
	c := access.Checkpoint{ID: 4, Seq: 42, Hash: bytes.Repeat([]byte{0x5a}, access.ChainHashSize), Count: 40,
		At: time.Date(2026, 2, 3, 4, 5, 6, 789000, time.UTC), Kind: kind}
	if kind == audit.KindPrune {
		c.FirstSeq = 3
	}
	audit.Sign(&c, key)
	return c
}

func TestCheckpointMessage(t *testing.T) {
	t.Parallel()
	hash := bytes.Repeat([]byte{0x0f}, access.ChainHashSize)
	hexHash := strings.Repeat("0f", access.ChainHashSize)
	at := time.Date(2026, 2, 3, 4, 5, 6, 789000, time.UTC)
	for _, tc := range []struct {
		name string
		c    access.Checkpoint
		want string
	}{
		{"periodic",
			access.Checkpoint{Seq: 42, Hash: hash, Count: 40, At: at, Kind: audit.KindPeriodic},
			"elevate-audit-checkpoint-v1\nseq 42\nhash " + hexHash + "\ncount 40\nat 2026-02-03T04:05:06.000789Z\nkind periodic\n"},
		{"a first seq outside pruning is not covered",
			access.Checkpoint{Seq: 42, Hash: hash, Count: 40, At: at, Kind: audit.KindManual, FirstSeq: 9},
			"elevate-audit-checkpoint-v1\nseq 42\nhash " + hexHash + "\ncount 40\nat 2026-02-03T04:05:06.000789Z\nkind manual\n"},
		{"prune adds the first seq",
			access.Checkpoint{Seq: 42, Hash: hash, Count: 40, At: at, Kind: audit.KindPrune, FirstSeq: 3},
			"elevate-audit-checkpoint-v1\nseq 42\nhash " + hexHash + "\ncount 40\nat 2026-02-03T04:05:06.000789Z\nkind prune\nfirst 3\n"},
		{"time in another zone and below the microsecond",
			access.Checkpoint{Seq: 1, Hash: hash, Count: 1, At: at.Add(999).In(time.FixedZone("X", -7*3600)), Kind: audit.KindPeriodic},
			"elevate-audit-checkpoint-v1\nseq 1\nhash " + hexHash + "\ncount 1\nat 2026-02-03T04:05:06.000789Z\nkind periodic\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := string(audit.CheckpointMessage(tc.c)); got != tc.want {
				t.Errorf("CheckpointMessage =\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestSign(t *testing.T) {
	t.Parallel()
	key := testKey(1)
	c := access.Checkpoint{Seq: 1, Hash: access.ChainGenesis, Count: 1,
		At: time.Date(2026, 1, 1, 12, 0, 0, 1234567, time.FixedZone("X", 3600)), Kind: audit.KindManual}
	audit.Sign(&c, key)
	if want := time.Date(2026, 1, 1, 11, 0, 0, 1234000, time.UTC); !c.At.Equal(want) || c.At.Location() != time.UTC {
		t.Errorf("At = %v, want it normalized to %v", c.At, want)
	}
	if !bytes.Equal(c.PublicKey, pub(key)) {
		t.Errorf("PublicKey = %x, want the key's %x", c.PublicKey, pub(key))
	}
	if !ed25519.Verify(pub(key), audit.CheckpointMessage(c), c.Signature) {
		t.Error("the signature does not cover CheckpointMessage")
	}
}

func TestCheckSignature(t *testing.T) {
	t.Parallel()
	key, other := testKey(1), testKey(2)
	for _, tc := range []struct {
		name    string
		kind    string
		tamper  func(c *access.Checkpoint)
		trusted []ed25519.PublicKey
		wantErr string // "" when the checkpoint must pass
	}{
		{name: "intact, any key trusted", kind: audit.KindPeriodic},
		{name: "intact, its key trusted", kind: audit.KindPeriodic, trusted: []ed25519.PublicKey{pub(other), pub(key)}},
		{name: "intact prune", kind: audit.KindPrune},
		{name: "signed by a key not trusted", kind: audit.KindPeriodic, trusted: []ed25519.PublicKey{pub(other)},
			wantErr: "signed by key " + audit.KeyID(pub(key))},
		{name: "seq", kind: audit.KindPeriodic, tamper: func(c *access.Checkpoint) { c.Seq++ }, wantErr: "does not match"},
		{name: "hash", kind: audit.KindPeriodic, tamper: func(c *access.Checkpoint) { c.Hash = bytes.Clone(c.Hash); c.Hash[31] ^= 1 }, wantErr: "does not match"},
		{name: "count", kind: audit.KindPeriodic, tamper: func(c *access.Checkpoint) { c.Count-- }, wantErr: "does not match"},
		{name: "time", kind: audit.KindPeriodic, tamper: func(c *access.Checkpoint) { c.At = c.At.Add(time.Microsecond) }, wantErr: "does not match"},
		{name: "kind", kind: audit.KindPeriodic, tamper: func(c *access.Checkpoint) { c.Kind = audit.KindManual }, wantErr: "does not match"},
		{name: "first seq of a prune", kind: audit.KindPrune, tamper: func(c *access.Checkpoint) { c.FirstSeq = 1 }, wantErr: "does not match"},
		{name: "signature", kind: audit.KindPeriodic, tamper: func(c *access.Checkpoint) { c.Signature = bytes.Clone(c.Signature); c.Signature[0] ^= 0x80 }, wantErr: "does not match"},
		{name: "public key swapped", kind: audit.KindPeriodic, tamper: func(c *access.Checkpoint) { c.PublicKey = pub(other) }, wantErr: "does not match"},
		{name: "public key cut short", kind: audit.KindPeriodic, tamper: func(c *access.Checkpoint) { c.PublicKey = c.PublicKey[:16] }, wantErr: "does not match"},
		{name: "no signature", kind: audit.KindPeriodic, tamper: func(c *access.Checkpoint) { c.Signature = nil }, wantErr: "does not match"},
		// What the message does not cover may change.
		{name: "time below the microsecond", kind: audit.KindPeriodic, tamper: func(c *access.Checkpoint) { c.At = c.At.Add(500) }},
		{name: "time in another zone", kind: audit.KindPeriodic, tamper: func(c *access.Checkpoint) { c.At = c.At.In(time.FixedZone("X", 7200)) }},
		{name: "id", kind: audit.KindPeriodic, tamper: func(c *access.Checkpoint) { c.ID = 99 }},
		{name: "first seq outside pruning", kind: audit.KindManual, tamper: func(c *access.Checkpoint) { c.FirstSeq = 7 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := signed(tc.kind, key)
			if tc.tamper != nil {
				tc.tamper(&c)
			}
			err := audit.CheckSignature(c, tc.trusted)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("CheckSignature: %v, want nil", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("CheckSignature: %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestKeyID(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		key  []byte
		want string
	}{
		{pub(testKey(1)), hex.EncodeToString(pub(testKey(1))[:8])},
		{[]byte{0xde, 0xad, 0xbe, 0xef}, "deadbeef"},
		{bytes.Repeat([]byte{0xab}, 9), "abababababababab"},
		{nil, ""},
	} {
		if got := audit.KeyID(tc.key); got != tc.want || len(got) > 16 {
			t.Errorf("KeyID(%x) = %q, want %q", tc.key, got, tc.want)
		}
	}
}

func TestCheckpointJSONRoundTrip(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{audit.KindPeriodic, audit.KindManual, audit.KindPrune} {
		c := signed(kind, testKey(3))
		j := audit.ToJSON(c)
		if j.Hash != strings.Repeat("5a", access.ChainHashSize) || j.PublicKey != base64.StdEncoding.EncodeToString(c.PublicKey) {
			t.Errorf("%s: ToJSON = %+v", kind, j)
		}
		b, err := json.Marshal(j)
		if err != nil {
			t.Fatal(err)
		}
		var back audit.CheckpointJSON
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		got, err := audit.FromJSON(back)
		if err != nil {
			t.Fatalf("%s: FromJSON: %v", kind, err)
		}
		if got.Seq != c.Seq || got.Count != c.Count || got.Kind != c.Kind || got.FirstSeq != c.FirstSeq || got.ID != c.ID ||
			!got.At.Equal(c.At) || !bytes.Equal(got.Hash, c.Hash) || !bytes.Equal(got.Signature, c.Signature) {
			t.Errorf("%s: round trip = %+v, want %+v", kind, got, c)
		}
		if err := audit.CheckSignature(got, nil); err != nil {
			t.Errorf("%s: the round-tripped checkpoint fails: %v", kind, err)
		}
	}
}

func TestFromJSONRefuses(t *testing.T) {
	t.Parallel()
	good := audit.ToJSON(signed(audit.KindPeriodic, testKey(1)))
	for _, tc := range []struct {
		name   string
		change func(j *audit.CheckpointJSON)
		want   string
	}{
		{"hash not hex", func(j *audit.CheckpointJSON) { j.Hash = "zz" }, "checkpoint hash"},
		{"hash too short", func(j *audit.CheckpointJSON) { j.Hash = "abcd" }, "want 32 bytes"},
		{"public key not base64", func(j *audit.CheckpointJSON) { j.PublicKey = "!!" }, "public_key"},
		{"signature not base64", func(j *audit.CheckpointJSON) { j.Signature = "!!" }, "signature"},
	} {
		j := good
		tc.change(&j)
		if _, err := audit.FromJSON(j); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: FromJSON error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestReadCheckpointFile(t *testing.T) {
	t.Parallel()
	a, b := audit.ToJSON(signed(audit.KindPeriodic, testKey(1))), audit.ToJSON(signed(audit.KindPrune, testKey(1)))
	line := func(j audit.CheckpointJSON) string {
		s, err := json.Marshal(j)
		if err != nil {
			t.Fatal(err)
		}
		return string(s)
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name    string
		content string
		want    int    // checkpoints read
		wantErr string // "" when it must read
	}{
		{name: "one object", content: line(a), want: 1},
		{name: "an array", content: "[" + line(a) + "," + line(b) + "]\n", want: 2},
		{name: "JSON lines", content: line(a) + "\n" + line(b) + "\n", want: 2},
		{name: "indented with blank space around", content: "\n  " + line(b) + "  \n\n", want: 1},
		{name: "empty", content: "  \n", wantErr: "no checkpoint"},
		{name: "an empty array", content: "[]", wantErr: "no checkpoint"},
		{name: "not JSON", content: "seq 4", wantErr: "checkpoint file"},
		{name: "a bad hash", content: strings.Replace(line(a), a.Hash, "00", 1), wantErr: "checkpoint hash"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".json")
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			cps, err := audit.ReadCheckpointFile(path)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || len(cps) != tc.want {
				t.Fatalf("read %d checkpoints, %v; want %d", len(cps), err, tc.want)
			}
			for _, c := range cps {
				if err := audit.CheckSignature(c, []ed25519.PublicKey{pub(testKey(1))}); err != nil {
					t.Errorf("checkpoint %d read from the file fails: %v", c.Seq, err)
				}
			}
		})
	}
	if _, err := audit.ReadCheckpointFile(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("a missing file reads without an error")
	}
}

func TestParseKey(t *testing.T) {
	t.Parallel()
	key := testKey(7)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	for _, tc := range []struct {
		name    string
		in      string
		wantErr string // "" when it must parse to key
	}{
		{name: "PKCS#8 PEM", in: string(pemKey)},
		{name: "base64 seed", in: base64.StdEncoding.EncodeToString(key.Seed())},
		{name: "base64 seed with blank space", in: "\n " + base64.StdEncoding.EncodeToString(key.Seed()) + " \n"},
		{name: "base64 private key", in: base64.StdEncoding.EncodeToString(key)},
		{name: "base64 of the wrong size", in: base64.StdEncoding.EncodeToString([]byte("short")), wantErr: "want a 32-byte seed"},
		{name: "neither", in: "not a key", wantErr: "want a PEM"},
		{name: "PEM that is not PKCS#8", in: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("junk")})), wantErr: "parse PEM private key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := audit.ParseKey([]byte(tc.in))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !got.Equal(key) {
				t.Fatalf("ParseKey = %x, %v; want the key", got, err)
			}
		})
	}
}

func TestLoadKey(t *testing.T) {
	t.Parallel()
	inline := testKey(8)
	k, err := audit.LoadKey(audit.KeyConfig{Inline: base64.StdEncoding.EncodeToString(inline.Seed()), DataDir: t.TempDir()}, nil)
	if err != nil || !k.Equal(inline) {
		t.Fatalf("inline key: %v", err)
	}

	dir := t.TempDir()
	if _, err := audit.LoadKey(audit.KeyConfig{DataDir: dir, NoGenerate: true}, nil); err == nil {
		t.Fatal("NoGenerate made a key")
	}
	first, err := audit.LoadKey(audit.KeyConfig{DataDir: dir}, nil)
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	again, err := audit.LoadKey(audit.KeyConfig{DataDir: dir, NoGenerate: true}, nil)
	if err != nil || !again.Equal(first) {
		t.Fatalf("the generated key does not load again: %v", err)
	}
	fromFile, err := audit.LoadKey(audit.KeyConfig{File: filepath.Join(dir, audit.KeyFileName)}, nil)
	if err != nil || !fromFile.Equal(first) {
		t.Fatalf("the generated key does not load as signing_key_file: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(dir, audit.KeyFileName)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	if _, err := audit.LoadKey(audit.KeyConfig{}, nil); err == nil {
		t.Error("no source at all gives a key")
	}
}

func TestPruneRanges(t *testing.T) {
	t.Parallel()
	cp := func(kind string, seq int64) access.Checkpoint {
		return access.Checkpoint{Kind: kind, Seq: seq, FirstSeq: -1}
	}
	for _, tc := range []struct {
		name string
		in   []access.Checkpoint
		want []int64 // FirstSeq of each, in place
	}{
		{"none", nil, nil},
		{"no pruning", []access.Checkpoint{cp(audit.KindPeriodic, 5), cp(audit.KindManual, 9)}, []int64{-1, -1}},
		{"one pruning", []access.Checkpoint{cp(audit.KindPrune, 10)}, []int64{1}},
		{"contiguous in order",
			[]access.Checkpoint{cp(audit.KindPrune, 10), cp(audit.KindPeriodic, 15), cp(audit.KindPrune, 20), cp(audit.KindPrune, 35)},
			[]int64{1, -1, 11, 21}},
		{"out of order",
			[]access.Checkpoint{cp(audit.KindPrune, 35), cp(audit.KindPrune, 10), cp(audit.KindPrune, 20)},
			[]int64{21, 1, 11}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			audit.PruneRanges(tc.in)
			for i, c := range tc.in {
				if c.FirstSeq != tc.want[i] {
					t.Errorf("checkpoint %d (%s, seq %d): FirstSeq %d, want %d", i, c.Kind, c.Seq, c.FirstSeq, tc.want[i])
				}
			}
		})
	}
}

func TestRetentionEnabled(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		r    audit.Retention
		want bool
	}{
		{audit.Retention{}, false},
		{audit.Retention{Requests: time.Hour}, true},
		{audit.Retention{Activity: time.Hour}, true},
		{audit.Retention{Audit: time.Hour}, true},
	} {
		if got := tc.r.Enabled(); got != tc.want {
			t.Errorf("%+v.Enabled() = %v, want %v", tc.r, got, tc.want)
		}
	}
}
