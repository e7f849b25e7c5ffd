package sqlstore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// decodeDetails reads an entry's stored details strictly: one JSON object
// whose values are strings and whose keys are unique. encoding/json alone
// would keep the last of two equal keys, so an entry whose details carry a
// key twice would verify while other tools read the first value.
func decodeDetails(s string) (map[string]string, error) {
	if m, ok := decodeCanonicalDetails(s); ok {
		return m, nil
	}
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

// decodeCanonicalDetails reads details in the forms elevate writes them
// (chain version 1: json.Marshal of a map of strings, no spaces; version 2:
// access.CanonicalDetails, one space after ':' and ','; no escapes in the
// common case) without encoding/json's reflection, which the verification of a
// large log would otherwise spend most of its time in. ok is false for
// anything else (an escape, a non-string, a duplicate key, bytes that are
// not UTF-8, ...): decodeDetails then reads it the general way and says
// what is wrong.
func decodeCanonicalDetails(s string) (m map[string]string, ok bool) {
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, false
	}
	// str reads a plain JSON string starting at s[i] == '"'.
	str := func(i int) (string, int, bool) {
		if i >= len(s) || s[i] != '"' {
			return "", 0, false
		}
		for j := i + 1; j < len(s); j++ {
			switch c := s[j]; {
			case c == '"':
				v := s[i+1 : j]
				return v, j + 1, utf8.ValidString(v)
			case c == '\\' || c < 0x20:
				return "", 0, false
			}
		}
		return "", 0, false
	}
	m = map[string]string{}
	i := 1
	if s[i] == '}' {
		return m, i == len(s)-1
	}
	for {
		k, j, ok := str(i)
		if !ok || j >= len(s) || s[j] != ':' {
			return nil, false
		}
		if j+1 < len(s) && s[j+1] == ' ' {
			j++
		}
		v, j, ok := str(j + 1)
		if !ok || j >= len(s) {
			return nil, false
		}
		if _, dup := m[k]; dup {
			return nil, false
		}
		m[k] = v
		switch {
		case s[j] == ',' && j+1 < len(s) && s[j+1] == ' ':
			i = j + 2
		case s[j] == ',':
			i = j + 1
		case s[j] == '}' && j == len(s)-1:
			return m, true
		default:
			return nil, false
		}
	}
}
