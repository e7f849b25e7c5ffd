// Package anchor holds the sinks that keep the decision log's anchors
// outside the database.
package anchor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/elevate/elevate/internal/audit"
)

// Dir publishes anchors as files in a directory (a mounted write-once
// volume): one file per anchor, 0600, created exclusively so that an
// existing anchor is never overwritten.
type Dir struct{ Path string }

// Name says where the sink writes.
func (d Dir) Name() string { return "directory " + d.Path }

// Publish writes a as anchor-<seq>-<unix µs>.json.
func (d Dir) Publish(_ context.Context, a audit.Anchor) error {
	b, err := audit.MarshalAnchor(a)
	if err != nil {
		return err
	}
	name := filepath.Join(d.Path, anchorName(a))
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) //nolint:gosec // the path is configuration
	if err != nil {
		return fmt.Errorf("anchor %s: %w", name, err)
	}
	if _, err := f.Write(b); err != nil {
		_ = f.Close()
		return fmt.Errorf("anchor %s: %w", name, err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("anchor %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("anchor %s: %w", name, err)
	}
	return nil
}

// LastSeq is the highest seq in the anchors' file names.
func (d Dir) LastSeq(_ context.Context) (int64, error) {
	entries, err := os.ReadDir(d.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read anchors: %w", err)
	}
	var last int64
	for _, e := range entries {
		if seq, ok := seqOfName(e.Name()); ok && !e.IsDir() {
			last = max(last, seq)
		}
	}
	return last, nil
}

// anchorName is the file name (or object key, after a prefix) of an
// anchor: its seq, zero-padded so that names sort by seq, and its time.
func anchorName(a audit.Anchor) string {
	return fmt.Sprintf("anchor-%020d-%d.json", a.Checkpoint.Seq, a.Checkpoint.At.UnixMicro())
}

// seqOfName reads the seq of an anchor's name.
func seqOfName(name string) (int64, bool) {
	rest, ok := strings.CutPrefix(name, "anchor-")
	if !ok || !strings.HasSuffix(name, ".json") {
		return 0, false
	}
	digits, _, _ := strings.Cut(rest, "-")
	seq, err := strconv.ParseInt(digits, 10, 64)
	return seq, err == nil
}

// Anchors reads every anchor in the directory. A file that does not decode
// is an error: an anchor sink holds nothing else.
func (d Dir) Anchors(_ context.Context) ([]audit.Anchor, error) {
	entries, err := os.ReadDir(d.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read anchors: %w", err)
	}
	var out []audit.Anchor
	for _, e := range entries {
		if e.IsDir() || !strings.HasPrefix(e.Name(), "anchor-") || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(d.Path, e.Name())) //nolint:gosec // the path is configuration
		if err != nil {
			return nil, fmt.Errorf("read anchor %s: %w", e.Name(), err)
		}
		a, err := audit.UnmarshalAnchor(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		out = append(out, a)
	}
	return out, nil
}
