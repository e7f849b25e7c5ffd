package config

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"
)

// Key is one configuration key, derived from the Config struct by
// reflection: its dotted path comes from the yaml tags (or, for secrets that
// are never read from the file, from the `key` tag), and its environment
// variable from the path, so a new field is a new key everywhere at once.
type Key struct {
	// Path is the dotted key path, e.g. notify.slack.bot_token.
	Path string
	// Env is ELEVATE_ and the path in upper case with . replaced by _,
	// e.g. ELEVATE_NOTIFY_SLACK_BOT_TOKEN. Env+"_FILE" names a file to read
	// the value from.
	Env string
	// Aliases are older environment names that still work (Env wins).
	Aliases []string
	// Secret keys are never read from the file or from --set, only from the
	// environment (or *_FILE), and are redacted in dumps (`secret:"true"`).
	Secret bool
	// RedactURL keys hold a URL whose password is redacted in dumps
	// (`secret:"url"`).
	RedactURL bool
	// Default is the default in YAML syntax; empty when the default is the
	// zero value or derived from other keys.
	Default string

	typ   reflect.Type
	index []int
}

// InFile reports whether the key may appear in the YAML file.
func (k Key) InFile() bool { return !k.Secret }

var durationType = reflect.TypeOf(time.Duration(0))

// Keys returns every configuration key in struct order.
func Keys() []Key { return allKeys() }

var allKeys = sync.OnceValue(func() []Key {
	ks, err := walkKeys(reflect.TypeOf(Config{}), "", nil)
	if err != nil {
		panic(err) // a programming error; TestKeys catches it
	}
	return ks
})

// walkKeys lists the leaf fields of t (a struct) as keys under prefix.
func walkKeys(t reflect.Type, prefix string, index []int) ([]Key, error) {
	var out []Key
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		secretTag := f.Tag.Get("secret")
		if name == "-" {
			name = f.Tag.Get("key")
			if name == "" {
				return nil, fmt.Errorf("config: field %s.%s has yaml:\"-\" but no key tag: every field must be a key", t.Name(), f.Name)
			}
			if secretTag != "true" {
				return nil, fmt.Errorf("config: field %s.%s is kept out of the file but not marked secret:\"true\"", t.Name(), f.Name)
			}
		}
		if name == "" {
			return nil, fmt.Errorf("config: field %s.%s has no yaml tag", t.Name(), f.Name)
		}
		path := name
		if prefix != "" {
			path = prefix + "." + name
		}
		idx := append(append([]int(nil), index...), i)
		if f.Type.Kind() == reflect.Struct && f.Type != durationType {
			sub, err := walkKeys(f.Type, path, idx)
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
			continue
		}
		k := Key{Path: path, Env: envName(path), typ: f.Type, index: idx,
			Secret: secretTag == "true", RedactURL: secretTag == "url",
			Aliases: envAliases[path], Default: defaults[path]}
		out = append(out, k)
	}
	return out, nil
}

// envName derives the environment variable of a key path.
func envName(path string) string {
	return "ELEVATE_" + strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(path))
}

// LookupKey finds a key by its dotted path.
func LookupKey(path string) (Key, bool) {
	for _, k := range allKeys() {
		if k.Path == path {
			return k, true
		}
	}
	return Key{}, false
}

// field returns the addressable field of c that k names.
func (k Key) field(c *Config) reflect.Value {
	return reflect.ValueOf(c).Elem().FieldByIndex(k.index)
}

// suggest returns " (did you mean X?)" for the known key nearest to path.
func suggest(path string) string {
	best, bestD := "", 4
	for _, k := range allKeys() {
		if d := distance(path, k.Path); d < bestD {
			best, bestD = k.Path, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s?)", best)
}

// distance is the Levenshtein distance of a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
