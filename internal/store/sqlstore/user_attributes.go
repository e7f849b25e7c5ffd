package sqlstore

import "encoding/json"

// encodeAttributes writes a user's directory attributes as a JSON object
// (keys sorted, so an unchanged user stages an unchanged row); none is ”.
func encodeAttributes(m map[string]string) string {
	if len(m) == 0 {
		return ""
	}
	b, err := json.Marshal(m) // a map of strings always encodes
	if err != nil {
		return ""
	}
	return string(b)
}

// decodeAttributes reads what encodeAttributes wrote; ” (and anything
// unreadable, which only a hand edit could produce) is no attributes.
func decodeAttributes(s string) map[string]string {
	if s == "" {
		return nil
	}
	var m map[string]string
	if json.Unmarshal([]byte(s), &m) != nil {
		return nil
	}
	return m
}
