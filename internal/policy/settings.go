package policy

import (
	"bytes"
	"fmt"

	"gopkg.in/yaml.v3"
)

// MarshalSettings encodes the settings alone as YAML, in the form of the
// document's settings section (durations as 1h30m0s), for the audit of a
// settings change.
func MarshalSettings(s Settings) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(Document{Settings: s}.Normalize().Settings); err != nil {
		return nil, fmt.Errorf("encode settings: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode settings: %w", err)
	}
	return buf.Bytes(), nil
}
