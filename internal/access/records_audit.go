package access

import "time"

// AuditEntry is one entry of the hash-chained decision log (package audit
// says how Hash is computed).
type AuditEntry struct {
	Seq      int64
	PrevHash []byte
	Hash     []byte
	Event    Event
	// DetailsError is set, and Event.Details left empty, when the stored
	// details are not a JSON object of strings with unique keys: elevate
	// never writes such an entry, so it was written outside elevate. The
	// verification reports it as tampering of the entry; other readers
	// refuse it.
	DetailsError string
	// Version is the chain version the entry's hash was computed with
	// (ChainV1 or ChainV2).
	Version int
	// StoredDetails are, for a version 2 entry, the details exactly as
	// stored (canonical JSON text), which its hash covers. A verification
	// reads them without decoding them (Event.Details is then nil).
	StoredDetails string
}

// Checkpoint pins the head of the decision log: the entry Seq with hash Hash
// was the last of Count entries at time At. It is signed with Ed25519
// (package audit says over which bytes). Kind is "periodic", "manual" or
// "prune"; a "prune" checkpoint is the anchor of the entries after Seq once
// the entries FirstSeq to Seq were deleted by retention.
type Checkpoint struct {
	ID    int64
	Seq   int64
	Hash  []byte
	Count int64
	At    time.Time
	Kind  string
	// FirstSeq is, for a "prune" checkpoint, the first seq of the range it
	// summarizes (FirstSeq to Seq were deleted); 0 for the other kinds. It
	// is signed but not stored: the ranges are contiguous from 1, so it is
	// the previous pruning checkpoint's Seq + 1 (audit.PruneRanges).
	FirstSeq  int64
	PublicKey []byte
	Signature []byte
}
