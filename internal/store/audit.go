package store

import (
	"time"

	"github.com/elevate/elevate/internal/access"
)

// AuditEntry is one entry of the hash-chained decision log (package audit
// says how Hash is computed).
type AuditEntry struct {
	Seq      int64
	PrevHash []byte
	Hash     []byte
	Event    access.Event
}

// Checkpoint pins the head of the decision log: the entry Seq with hash Hash
// was the last of Count entries at time At. It is signed with Ed25519
// (package audit says over which bytes). Kind is "periodic", "manual" or
// "prune".
type Checkpoint struct {
	ID        int64
	Seq       int64
	Hash      []byte
	Count     int64
	At        time.Time
	Kind      string
	PublicKey []byte
	Signature []byte
}
