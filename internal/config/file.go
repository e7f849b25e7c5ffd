package config

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// decodeYAML decodes a YAML configuration over c. Every error names the
// line and the key: an unknown key (with the nearest known one), a secret
// in the file, a value of the wrong type. It returns the line of every key
// and list item it saw, so later validation errors can name lines too.
func (c *Config) decodeYAML(b []byte) (map[string]int, error) {
	lines := map[string]int{}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return lines, fmt.Errorf("not valid YAML: %w", err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return lines, nil // an empty file: the defaults
	}
	root := doc.Content[0]
	if isNull(root) {
		return lines, nil
	}
	if root.Kind != yaml.MappingNode {
		return lines, fmt.Errorf("line %d: the configuration must be a mapping of keys", root.Line)
	}
	prefixes := map[string]bool{}
	for _, k := range allKeys() {
		p := k.Path
		for {
			i := strings.LastIndexByte(p, '.')
			if i < 0 {
				break
			}
			p = p[:i]
			prefixes[p] = true
		}
	}
	var errs []error
	var walk func(n *yaml.Node, prefix string)
	walk = func(n *yaml.Node, prefix string) {
		for i := 0; i+1 < len(n.Content); i += 2 {
			kn, vn := n.Content[i], n.Content[i+1]
			path := kn.Value
			if prefix != "" {
				path = prefix + "." + kn.Value
			}
			lines[path] = kn.Line
			if prefixes[path] {
				switch {
				case isNull(vn):
				case vn.Kind != yaml.MappingNode:
					errs = append(errs, fmt.Errorf("line %d: %s: want a mapping of keys under it", vn.Line, path))
				default:
					walk(vn, path)
				}
				continue
			}
			k, ok := LookupKey(path)
			switch {
			case !ok:
				errs = append(errs, fmt.Errorf("line %d: %s: unknown key%s", kn.Line, path, suggest(path)))
			case k.Secret:
				errs = append(errs, fmt.Errorf("line %d: %s: a secret is not read from the file; set %s or %s_FILE", kn.Line, path, k.Env, k.Env))
			default:
				recordLines(vn, path, lines)
				p := reflect.New(k.typ)
				if err := vn.Decode(p.Interface()); err != nil {
					errs = append(errs, fmt.Errorf("line %d: %s: %s", vn.Line, path, yamlMessage(err)))
					continue
				}
				k.field(c).Set(p.Elem())
			}
		}
	}
	walk(root, "")
	if len(errs) == 0 {
		// Node.Decode ignores unknown fields inside lists of structs
		// (policy.rules); a strict decode of the whole document finds them.
		var scratch Config
		dec := yaml.NewDecoder(strings.NewReader(string(b)))
		dec.KnownFields(true)
		if err := dec.Decode(&scratch); err != nil {
			errs = append(errs, errors.New(yamlMessage(err)))
		}
	}
	return lines, errors.Join(errs...)
}

// recordLines notes the line of every nested key and list item under path.
func recordLines(n *yaml.Node, path string, lines map[string]int) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			p := path + "." + n.Content[i].Value
			lines[p] = n.Content[i].Line
			recordLines(n.Content[i+1], p, lines)
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			lines[p] = item.Line
			recordLines(item, p, lines)
		}
	}
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// yamlMessage is yaml.v3's error without its "yaml: unmarshal errors:" preamble.
func yamlMessage(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return strings.Join(te.Errors, "; ")
	}
	return strings.TrimPrefix(err.Error(), "yaml: ")
}
