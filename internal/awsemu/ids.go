package awsemu

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// Identifiers are derived from names with SHA-256 so that the same seed
// always yields the same ids. Each helper returns a value that matches the
// corresponding model pattern.

func digest(parts ...string) []byte {
	sum := sha256.Sum256([]byte("awsemu\x00" + strings.Join(parts, "\x00")))
	return sum[:]
}

// hexID returns n lowercase hex digits (n <= 64).
func hexID(n int, parts ...string) string {
	return hex.EncodeToString(digest(parts...))[:n]
}

// uuidFrom returns a name-based (version 5) UUID in lowercase.
func uuidFrom(parts ...string) string {
	return uuid.NewSHA1(uuid.NameSpaceOID, []byte(strings.Join(parts, "\x00"))).String()
}

// derivedAccountID returns a 12-digit account id that does not start with 0.
func derivedAccountID(name string) string {
	n := binary.BigEndian.Uint64(digest("account", name)[:8])
	return fmt.Sprintf("%012d", 100000000000+n%900000000000)
}

// principalID returns an identity store id in the "<10 hex>-<uuid>" form.
func principalID(storeID, kind, name string) string {
	return strings.TrimPrefix(storeID, "d-") + "-" + uuidFrom(storeID, kind, name)
}
