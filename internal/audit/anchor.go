package audit

import (
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/elevate/elevate/internal/access"
)

// KindAnchor is a checkpoint published outside the database.
const KindAnchor = "anchor"

// Anchor is what is published outside the database: a signed checkpoint of
// the head, and the hash of every entry since the previous anchor, so that
// verify can name the first entry rewritten after it was anchored (the
// checkpoint alone only says that the head differs).
type Anchor struct {
	Checkpoint access.Checkpoint
	Hashes     map[int64][]byte // seq -> hash of the entries it covers
}

type anchorJSON struct {
	Checkpoint CheckpointJSON    `json:"checkpoint"`
	Hashes     map[string]string `json:"hashes"` // seq -> hex
}

// MarshalAnchor encodes a as JSON.
func MarshalAnchor(a Anchor) ([]byte, error) {
	j := anchorJSON{Checkpoint: ToJSON(a.Checkpoint), Hashes: make(map[string]string, len(a.Hashes))}
	for seq, h := range a.Hashes {
		j.Hashes[fmt.Sprint(seq)] = hex.EncodeToString(h)
	}
	return json.Marshal(j)
}

// UnmarshalAnchor decodes an anchor MarshalAnchor wrote. The checkpoint's
// signature is checked by the Verifier, with the other checkpoints.
func UnmarshalAnchor(b []byte) (Anchor, error) {
	var j anchorJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return Anchor{}, fmt.Errorf("anchor: %w", err)
	}
	cp, err := FromJSON(j.Checkpoint)
	if err != nil {
		return Anchor{}, fmt.Errorf("anchor: %w", err)
	}
	a := Anchor{Checkpoint: cp, Hashes: make(map[int64][]byte, len(j.Hashes))}
	for k, v := range j.Hashes {
		var seq int64
		if _, err := fmt.Sscan(k, &seq); err != nil {
			return Anchor{}, fmt.Errorf("anchor: seq %q: %w", k, err)
		}
		h, err := hex.DecodeString(v)
		if err != nil || len(h) != access.ChainHashSize {
			return Anchor{}, fmt.Errorf("anchor: hash of seq %d: want %d bytes in hex", seq, access.ChainHashSize)
		}
		a.Hashes[seq] = h
	}
	return a, nil
}
