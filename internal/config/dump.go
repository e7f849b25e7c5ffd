package config

import (
	"bytes"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// Redacted replaces a secret's value in dumps.
const Redacted = "<redacted>"

// Dump writes the effective configuration as YAML, every key in struct
// order: a key left at its zero value shows its built-in default with a
// "# default" comment; secrets show <redacted> when set (they are never
// read back from a file); a database URL's password is redacted.
func Dump(c Config) ([]byte, error) {
	root := &yaml.Node{Kind: yaml.MappingNode}
	maps := map[string]*yaml.Node{"": root}
	var parent func(path string) *yaml.Node
	parent = func(path string) *yaml.Node {
		if n, ok := maps[path]; ok {
			return n
		}
		up, name := "", path
		if i := strings.LastIndexByte(path, '.'); i >= 0 {
			up, name = path[:i], path[i+1:]
		}
		n := &yaml.Node{Kind: yaml.MappingNode}
		p := parent(up)
		p.Content = append(p.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: name}, n)
		maps[path] = n
		return n
	}
	for _, k := range allKeys() {
		up, name := "", k.Path
		if i := strings.LastIndexByte(k.Path, '.'); i >= 0 {
			up, name = k.Path[:i], k.Path[i+1:]
		}
		v := k.field(&c)
		var val *yaml.Node
		switch {
		case k.Secret:
			state := "unset"
			if !isZero(v) {
				state = "set"
			}
			val = &yaml.Node{Kind: yaml.ScalarNode, Value: secretMarker + state + ":" + k.Env}
		case isZero(v) && k.Default != "":
			d, err := k.parseDefault()
			if err != nil {
				return nil, fmt.Errorf("dump %s: default %q: %w", k.Path, k.Default, err)
			}
			if val, err = render(d); err != nil {
				return nil, fmt.Errorf("dump %s: %w", k.Path, err)
			}
			val.LineComment = "default"
		default:
			var err error
			if val, err = render(v); err != nil {
				return nil, fmt.Errorf("dump %s: %w", k.Path, err)
			}
			if k.RedactURL {
				val.Value = redactURL(val.Value)
			}
		}
		p := parent(up)
		p.Content = append(p.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: name}, val)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, fmt.Errorf("dump: encode: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("dump: encode: %w", err)
	}
	// Secrets become comments, so the dump is a valid configuration file.
	out := secretLine.ReplaceAllStringFunc(buf.String(), func(l string) string {
		m := secretLine.FindStringSubmatch(l)
		val := "(unset)"
		if m[3] == "set" {
			val = Redacted
		}
		return fmt.Sprintf("%s# %s: %s  (secret: %s or %s_FILE)", m[1], m[2], val, m[4], m[4])
	})
	return []byte(out), nil
}

const secretMarker = "__secret:"

var secretLine = regexp.MustCompile(`(?m)^(\s*)([a-z0-9_]+): __secret:(set|unset):([A-Z0-9_]+)$`)

// redactURL hides the password of a URL; text that is not a URL with a
// user is returned unchanged unless it looks like it holds one.
func redactURL(s string) string {
	if s == "" {
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		return Redacted // can't tell where a password would be
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "REDACTED")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "REDACTED")
		u.RawQuery = q.Encode()
	}
	return u.String()
}
