package audit

import (
	"context"
	"crypto/ed25519"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// Service writes checkpoints, verifies and exports the decision log, and
// serves it to auditors.
type Service struct {
	st      store.Store
	key     ed25519.PrivateKey
	trusted []ed25519.PublicKey
	log     *slog.Logger
	now     func() time.Time
	// activity prunes session activity (prune.go); nil: not stored.
	activity ActivityPruner
}

// New returns the service. key signs checkpoints; verification trusts its
// public key plus trusted (older keys after a rotation). A nil logger
// discards the log.
func New(st store.Store, key ed25519.PrivateKey, trusted []ed25519.PublicKey, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ts := append([]ed25519.PublicKey{key.Public().(ed25519.PublicKey)}, trusted...)
	return &Service{st: st, key: key, trusted: ts, log: log, now: time.Now}
}

// PublicKey is the public half of the signing key.
func (s *Service) PublicKey() ed25519.PublicKey { return s.key.Public().(ed25519.PublicKey) }

// Checkpoint signs and stores a checkpoint of the current head.
func (s *Service) Checkpoint(ctx context.Context, kind string) (access.Checkpoint, error) {
	var c access.Checkpoint
	err := s.st.InTx(ctx, func(tx store.Tx) error {
		head, n, err := tx.AuditHead(ctx)
		switch {
		case errors.Is(err, store.ErrNotFound):
			c = access.Checkpoint{Seq: 0, Hash: access.ChainGenesis, Count: 0}
		case err != nil:
			return err
		default:
			c = access.Checkpoint{Seq: head.Seq, Hash: head.Hash, Count: n}
		}
		if cps, err := tx.ListCheckpoints(ctx); err != nil {
			return err
		} else if p := lastPrune(cps); p != nil {
			c.Count += p.Count // entries pruned before the stored ones
			if n == 0 {
				c.Seq, c.Hash = p.Seq, p.Hash
			}
		}
		c.At, c.Kind = s.now(), kind
		Sign(&c, s.key)
		return tx.AddCheckpoint(ctx, &c)
	})
	if err != nil {
		return c, fmt.Errorf("write audit checkpoint: %w", err)
	}
	s.log.InfoContext(ctx, "audit checkpoint written", "seq", c.Seq, "count", c.Count, "hash", hex.EncodeToString(c.Hash), "kind", kind)
	return c, nil
}

func lastPrune(cps []access.Checkpoint) *access.Checkpoint {
	var p *access.Checkpoint
	for i := range cps {
		if cps[i].Kind == KindPrune && (p == nil || cps[i].Seq > p.Seq) {
			p = &cps[i]
		}
	}
	return p
}

// RunCheckpoints writes a periodic checkpoint every interval while the log
// has grown since the last checkpoint, until ctx ends. Errors are logged
// and retried at the next tick.
func (s *Service) RunCheckpoints(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.checkpointIfGrown(ctx); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "periodic audit checkpoint", "err", err.Error())
		}
	}
}

func (s *Service) checkpointIfGrown(ctx context.Context) error {
	var grown bool
	err := s.st.ReadTx(ctx, func(tx store.Tx) error {
		head, _, err := tx.AuditHead(ctx)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		cps, err := tx.ListCheckpoints(ctx)
		if err != nil {
			return err
		}
		grown = len(cps) == 0 || cps[len(cps)-1].Seq < head.Seq
		return nil
	})
	if err != nil || !grown {
		return err
	}
	_, err = s.Checkpoint(ctx, KindPeriodic)
	return err
}

// Verify checks the log and its checkpoints (plus external ones) with the
// configured keys.
func (s *Service) Verify(ctx context.Context, external []access.Checkpoint) (Report, error) {
	return Verify(ctx, s.st, VerifyOptions{Trusted: s.trusted, External: external})
}

// Checkpoints returns the stored checkpoints, oldest first.
func (s *Service) Checkpoints(ctx context.Context) ([]access.Checkpoint, error) {
	var out []access.Checkpoint
	err := s.st.ReadTx(ctx, func(tx store.Tx) (err error) {
		out, err = tx.ListCheckpoints(ctx)
		PruneRanges(out)
		return err
	})
	return out, err
}

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
		Details: e.Details, PrevHash: hex.EncodeToString(en.PrevHash), Hash: hex.EncodeToString(en.Hash)}
}

// ExportOptions select what Export writes.
type ExportOptions struct {
	Format   string    // jsonl or csv
	Since    time.Time // entries at or after this time; zero: all
	AfterSeq int64     // entries after this seq
}

// CSVHeader is the first line of a CSV export.
var CSVHeader = []string{"seq", "at", "type", "request_id", "grant_id", "actor_user_id", "actor_name", "actor_email", "actor_via", "details", "prev_hash", "hash"}

// Export writes the log to w as JSON lines or CSV (details as a JSON
// object), oldest first. It returns how many entries it wrote.
func (s *Service) Export(ctx context.Context, w io.Writer, o ExportOptions) (int64, error) {
	var write func(access.AuditEntry) error
	var flush func() error
	switch o.Format {
	case "jsonl", "":
		enc := json.NewEncoder(w)
		write = func(en access.AuditEntry) error { return enc.Encode(EntryToJSON(en)) }
		flush = func() error { return nil }
	case "csv":
		cw := csv.NewWriter(w)
		if err := cw.Write(CSVHeader); err != nil {
			return 0, fmt.Errorf("export: %w", err)
		}
		write = func(en access.AuditEntry) error {
			e := en.Event
			det := []byte("{}")
			if len(e.Details) > 0 {
				var err error
				if det, err = json.Marshal(e.Details); err != nil {
					return err
				}
			}
			at := ""
			if !e.At.IsZero() {
				at = e.At.UTC().Format(time.RFC3339Nano)
			}
			return cw.Write([]string{strconv.FormatInt(en.Seq, 10), at, string(e.Type), e.RequestID, e.GrantID,
				e.Actor.UserID, e.Actor.UserName, e.Actor.Email, string(e.Actor.Via), string(det),
				hex.EncodeToString(en.PrevHash), hex.EncodeToString(en.Hash)})
		}
		flush = func() error { cw.Flush(); return cw.Error() }
	default:
		return 0, access.Errorf(access.CodeInvalid, "export format %q: want jsonl or csv", o.Format)
	}
	var n int64
	err := s.st.ReadTx(ctx, func(tx store.Tx) error {
		return tx.ScanAudit(ctx, o.AfterSeq, 0, func(en access.AuditEntry) error {
			if !o.Since.IsZero() && en.Event.At.Before(o.Since) {
				return nil
			}
			n++
			return write(en)
		})
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return n, fmt.Errorf("export the audit log: %w", err)
	}
	return n, nil
}

// MaxPage is the largest page Events returns.
const MaxPage = 1000

// mayAudit allows auditors and admins.
func mayAudit(actor access.Actor) error {
	if actor.Auditor || actor.Admin {
		return nil
	}
	return access.Errorf(access.CodeForbidden, "only auditors and admins may read the audit log")
}

// Events returns up to limit entries after seq afterSeq (paging by seq),
// for an auditor or admin.
func (s *Service) Events(ctx context.Context, actor access.Actor, afterSeq int64, limit int) ([]EntryJSON, error) {
	if err := mayAudit(actor); err != nil {
		return nil, err
	}
	if afterSeq < 0 {
		return nil, access.Errorf(access.CodeInvalid, "since %d: want a seq of 0 or more", afterSeq)
	}
	if limit <= 0 || limit > MaxPage {
		limit = min(max(limit, 100), MaxPage)
	}
	out := []EntryJSON{}
	err := s.st.ReadTx(ctx, func(tx store.Tx) error {
		return tx.ScanAudit(ctx, afterSeq, limit, func(en access.AuditEntry) error {
			out = append(out, EntryToJSON(en))
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read the audit log: %w", err)
	}
	return out, nil
}

// VerifyAs is Verify for an auditor or admin.
func (s *Service) VerifyAs(ctx context.Context, actor access.Actor) (Report, error) {
	if err := mayAudit(actor); err != nil {
		return Report{}, err
	}
	return s.Verify(ctx, nil)
}

// CheckpointsAs lists the checkpoints for an auditor or admin.
func (s *Service) CheckpointsAs(ctx context.Context, actor access.Actor) ([]CheckpointJSON, error) {
	if err := mayAudit(actor); err != nil {
		return nil, err
	}
	cps, err := s.Checkpoints(ctx)
	if err != nil {
		return nil, fmt.Errorf("list audit checkpoints: %w", err)
	}
	out := make([]CheckpointJSON, 0, len(cps))
	for _, c := range cps {
		out = append(out, ToJSON(c))
	}
	return out, nil
}
