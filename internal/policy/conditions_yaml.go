package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"
)

// ParseConditions reads a rule's require or auto_approve_if block on its
// own (the keys on_call, ticket and user, as under require: in a document),
// strictly: an unknown key or a bad value is an error with its line. An
// empty block is nil (no conditions).
func ParseConditions(s string) (*Conditions, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var c Conditions
	dec := yaml.NewDecoder(strings.NewReader(s))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("conditions: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	return &c, nil
}

// MarshalConditions writes conditions as the block ParseConditions reads
// ("" for none).
func MarshalConditions(c *Conditions) (string, error) {
	if c == nil {
		return "", nil
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return "", fmt.Errorf("encode conditions: %w", err)
	}
	if err := enc.Close(); err != nil {
		return "", fmt.Errorf("encode conditions: %w", err)
	}
	return buf.String(), nil
}
