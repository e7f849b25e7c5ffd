package sqlstore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// decodeDetails reads an entry's stored details strictly: one JSON object
// whose values are strings and whose keys are unique. encoding/json alone
// would keep the last of two equal keys, so an entry whose details carry a
// key twice would verify while other tools read the first value.
func decodeDetails(s string) (map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not a JSON object")
	}
	out := map[string]string{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("not JSON: %w", err)
		}
		k, ok := tok.(string)
		if !ok {
			return nil, errors.New("not a JSON object")
		}
		tok, err = dec.Token()
		if err != nil {
			return nil, fmt.Errorf("not JSON: %w", err)
		}
		v, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("the value of key %q is not a string", k)
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("key %q appears twice", k)
		}
		out[k] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("more than one JSON value")
	}
	return out, nil
}
