package audit

import (
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// EntryJSON is the exported form of a log entry (JSON lines, the API).
type EntryJSON struct {
	Seq       int64             `json:"seq"`
	At        time.Time         `json:"at"`
	Type      string            `json:"type"`
	RequestID string            `json:"request_id,omitempty"`
	GrantID   string            `json:"grant_id,omitempty"`
	Actor     ActorJSON         `json:"actor"`
	Details   map[string]string `json:"details,omitempty"`
	PrevHash  string            `json:"prev_hash"`
	Hash      string            `json:"hash"`
	// ChainVersion is the rule Hash was computed with (1 or 2; docs/audit.md),
	// which a copy needs to be re-verified elsewhere.
	ChainVersion int `json:"chain_version"`
}

// ActorJSON is who acted, and how.
type ActorJSON struct {
	UserID   string `json:"user_id,omitempty"`
	UserName string `json:"user_name"`
	Email    string `json:"email,omitempty"`
	Via      string `json:"via"`
}

// EntryToJSON converts an entry for export.
func EntryToJSON(en access.AuditEntry) EntryJSON {
	e := en.Event
	return EntryJSON{Seq: en.Seq, At: e.At, Type: string(e.Type), RequestID: e.RequestID, GrantID: e.GrantID,
		Actor:   ActorJSON{UserID: e.Actor.UserID, UserName: e.Actor.UserName, Email: e.Actor.Email, Via: string(e.Actor.Via)},
		Details: e.Details, PrevHash: hex.EncodeToString(en.PrevHash), Hash: hex.EncodeToString(en.Hash), ChainVersion: chainVersion(en)}
}

// chainVersion is en's chain version; an entry read without one is
// version 1.
func chainVersion(en access.AuditEntry) int { return max(en.Version, access.ChainV1) }

// MaxPage is the largest page of entries served to an auditor at once.
const MaxPage = 1000

// ExportOptions select what an export writes.
type ExportOptions struct {
	Format   string    // jsonl or csv
	Since    time.Time // entries at or after this time; zero: all
	AfterSeq int64     // entries after this seq
}

// Includes reports whether an entry after AfterSeq is exported: it is not
// older than Since.
func (o ExportOptions) Includes(en access.AuditEntry) bool {
	return o.Since.IsZero() || !en.Event.At.Before(o.Since)
}

// CSVHeader is the first line of a CSV export.
var CSVHeader = []string{"seq", "at", "type", "request_id", "grant_id", "actor_user_id", "actor_name", "actor_email", "actor_via", "details", "prev_hash", "hash", "chain_version"}

// ExportWriter writes entries as JSON lines or CSV (details as a JSON
// object), in the order they are written.
type ExportWriter struct {
	write func(access.AuditEntry) error
	flush func() error
}

// NewExportWriter returns a writer of format (jsonl, the default, or csv)
// to w; a CSV export starts with CSVHeader. An unknown format is an
// invalid_argument error, and nothing is written.
func NewExportWriter(w io.Writer, format string) (*ExportWriter, error) {
	switch format {
	case "jsonl", "":
		enc := json.NewEncoder(w)
		return &ExportWriter{
			write: func(en access.AuditEntry) error { return enc.Encode(EntryToJSON(en)) },
			flush: func() error { return nil },
		}, nil
	case "csv":
		cw := csv.NewWriter(w)
		if err := cw.Write(CSVHeader); err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		return &ExportWriter{
			write: func(en access.AuditEntry) error {
				row, err := csvRow(en)
				if err != nil {
					return err
				}
				return cw.Write(row)
			},
			flush: func() error { cw.Flush(); return cw.Error() },
		}, nil
	}
	return nil, access.Errorf(access.CodeInvalid, "export format %q: want jsonl or csv", format)
}

// csvRow is an entry's CSV record, in the columns of CSVHeader.
func csvRow(en access.AuditEntry) ([]string, error) {
	e := en.Event
	det := []byte("{}")
	if len(e.Details) > 0 {
		var err error
		if det, err = json.Marshal(e.Details); err != nil {
			return nil, err
		}
	}
	at := ""
	if !e.At.IsZero() {
		at = e.At.UTC().Format(time.RFC3339Nano)
	}
	return []string{strconv.FormatInt(en.Seq, 10), at, string(e.Type), e.RequestID, e.GrantID,
		e.Actor.UserID, e.Actor.UserName, e.Actor.Email, string(e.Actor.Via), string(det),
		hex.EncodeToString(en.PrevHash), hex.EncodeToString(en.Hash), strconv.Itoa(chainVersion(en))}, nil
}

// Write writes one entry.
func (x *ExportWriter) Write(en access.AuditEntry) error { return x.write(en) }

// Flush writes what is buffered and reports the first write error.
func (x *ExportWriter) Flush() error { return x.flush() }
