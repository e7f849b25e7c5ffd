package store

import (
	"encoding/json"
	"fmt"

	"github.com/elevate/elevate/internal/access"
)

// EncodeExtensions is the stored (JSON) form of a request's extensions,
// shared by the engines so that both store the same document.
func EncodeExtensions(exts []access.Extension) (string, error) {
	if len(exts) == 0 {
		return "[]", nil
	}
	out := make([]access.Extension, len(exts))
	for i, e := range exts {
		e.RequestedAt, e.DecidedAt = e.RequestedAt.UTC(), e.DecidedAt.UTC()
		e.Approvals = append([]access.Approval(nil), e.Approvals...)
		for j := range e.Approvals {
			e.Approvals[j].At = e.Approvals[j].At.UTC()
		}
		out[i] = e
	}
	b, err := json.Marshal(out)
	if err != nil {
		return "", fmt.Errorf("encode extensions: %w", err)
	}
	return string(b), nil
}

// DecodeExtensions reads what EncodeExtensions wrote.
func DecodeExtensions(s string) ([]access.Extension, error) {
	if s == "" || s == "[]" {
		return nil, nil
	}
	var exts []access.Extension
	if err := json.Unmarshal([]byte(s), &exts); err != nil {
		return nil, fmt.Errorf("decode extensions: %w", err)
	}
	return exts, nil
}
