package workflow_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/audit"
	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/workflow"
)

// logStore is an in-memory decision log: it serves ReadTx and ScanAudit,
// all that Export and Events read; any other call panics.
type logStore struct {
	store.Store
	entries []access.AuditEntry
}

func (s *logStore) ReadTx(_ context.Context, fn func(store.Tx) error) error { return fn(logTx{s: s}) }

type logTx struct {
	store.Tx
	s *logStore
}

func (t logTx) ScanAudit(_ context.Context, afterSeq int64, limit int, fn func(access.AuditEntry) error) error {
	n := 0
	for _, en := range t.s.entries {
		if en.Seq <= afterSeq {
			continue
		}
		if limit > 0 && n == limit {
			return nil
		}
		n++
		if err := fn(en); err != nil {
			return err
		}
	}
	return nil
}

// threeEntries is a real chain of three submissions, an hour apart.
func threeEntries() []access.AuditEntry {
	t0 := time.Date(2026, 4, 5, 6, 7, 8, 0, time.UTC)
	var out []access.AuditEntry
	var seq int64
	var head []byte
	for i, id := range []string{"r1", "r2", "r3"} {
		e := access.Event{Type: access.EventSubmitted, RequestID: id, At: t0.Add(time.Duration(i) * time.Hour), Actor: access.SystemActor}
		s, prev, h := access.ChainLink(seq, head, e)
		out = append(out, access.AuditEntry{Seq: s, PrevHash: prev, Hash: h, Event: e})
		seq, head = s, h
	}
	return out
}

func newLog(t *testing.T, entries []access.AuditEntry) *workflow.AuditLog {
	t.Helper()
	_, key, _ := ed25519.GenerateKey(nil)
	l, err := workflow.NewAuditLog(workflow.AuditLogDeps{Store: &logStore{entries: entries}, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestNewAuditLogNeedsAStoreAndAKey(t *testing.T) {
	t.Parallel()
	_, key, _ := ed25519.GenerateKey(nil)
	if _, err := workflow.NewAuditLog(workflow.AuditLogDeps{Key: key}); err == nil {
		t.Error("NewAuditLog without a store succeeded")
	}
	if _, err := workflow.NewAuditLog(workflow.AuditLogDeps{Store: &logStore{}}); err == nil {
		t.Error("NewAuditLog without a key succeeded")
	}
}

func TestAuditLogExportSelects(t *testing.T) {
	t.Parallel()
	log := threeEntries()
	for _, tc := range []struct {
		name string
		o    audit.ExportOptions
		want int64
	}{
		{"all", audit.ExportOptions{Format: "csv"}, 3},
		{"after a seq", audit.ExportOptions{AfterSeq: 1}, 2},
		{"since a time", audit.ExportOptions{Since: log[1].Event.At}, 2},
		{"since a time after the last", audit.ExportOptions{Since: log[2].Event.At.Add(time.Second)}, 0},
		{"both", audit.ExportOptions{AfterSeq: 2, Since: log[0].Event.At}, 1},
	} {
		var buf bytes.Buffer
		n, err := newLog(t, log).Export(t.Context(), &buf, tc.o)
		lines := int64(strings.Count(buf.String(), "\n"))
		if tc.o.Format == "csv" {
			lines-- // the header
		}
		if err != nil || n != tc.want || lines != tc.want {
			t.Errorf("%s: Export = %d, %v, %d lines; want %d", tc.name, n, err, lines, tc.want)
		}
	}
	var buf bytes.Buffer
	if _, err := newLog(t, log).Export(t.Context(), &buf, audit.ExportOptions{Format: "xml"}); access.ErrorCode(err) != access.CodeInvalid || buf.Len() != 0 {
		t.Errorf("Export(xml) = %v, wrote %q; want invalid_argument and nothing", err, buf.String())
	}
}

func TestAuditLogEventsAsAuditor(t *testing.T) {
	t.Parallel()
	l := newLog(t, threeEntries())
	if _, err := l.Events(t.Context(), access.Actor{UserName: "mallory"}, 0, 10); access.ErrorCode(err) != access.CodeForbidden {
		t.Errorf("Events for a plain user: %v, want forbidden", err)
	}
	if _, err := l.Events(t.Context(), access.Actor{Auditor: true}, -1, 10); access.ErrorCode(err) != access.CodeInvalid {
		t.Errorf("Events after seq -1: %v, want invalid_argument", err)
	}
	for _, actor := range []access.Actor{{Auditor: true}, {Admin: true}} {
		got, err := l.Events(t.Context(), actor, 1, 0)
		if err != nil || len(got) != 2 || got[0].Seq != 2 {
			t.Errorf("Events(%+v, after 1) = %+v, %v; want entries 2 and 3", actor, got, err)
		}
	}
	if _, err := l.VerifyAs(t.Context(), access.Actor{UserName: "mallory"}); access.ErrorCode(err) != access.CodeForbidden {
		t.Errorf("VerifyAs for a plain user: %v, want forbidden", err)
	}
	if _, err := l.CheckpointsAs(t.Context(), access.Actor{UserName: "mallory"}); access.ErrorCode(err) != access.CodeForbidden {
		t.Errorf("CheckpointsAs for a plain user: %v, want forbidden", err)
	}
}
