package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Source is a parsed YAML policy document with its node tree, so problems
// can be reported with their line numbers.
type Source struct {
	Doc  Document
	root *yaml.Node
}

// Parse reads a YAML policy document strictly: unknown keys and bad values
// are errors that give the line.
func Parse(data []byte) (*Source, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("policy document: %w", err)
	}
	var doc Document
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("policy document: %w", err)
	}
	return &Source{Doc: doc, root: &root}, nil
}

var pathPart = regexp.MustCompile(`([a-z_]+)|\[(\d+)\]`)

// Line returns the line of a path such as rules[2].accounts[0] in the
// source, or of its nearest ancestor that exists; 0 when unknown.
func (s *Source) Line(path string) int {
	if s == nil || s.root == nil || len(s.root.Content) == 0 {
		return 0
	}
	n := s.root.Content[0]
	line := n.Line
	for _, m := range pathPart.FindAllStringSubmatch(path, -1) {
		var next *yaml.Node
		if m[1] != "" && n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == m[1] {
					next = n.Content[i+1]
					line = n.Content[i].Line
				}
			}
		} else if m[2] != "" && n.Kind == yaml.SequenceNode {
			if i, _ := strconv.Atoi(m[2]); i < len(n.Content) {
				next = n.Content[i]
				line = next.Line
			}
		}
		if next == nil {
			return line
		}
		n = next
	}
	return line
}

// Locate fills in the line of every problem.
func (s *Source) Locate(ps []Problem) []Problem {
	out := make([]Problem, len(ps))
	for i, p := range ps {
		p.Line = s.Line(p.Path)
		out[i] = p
	}
	return out
}

// Marshal writes the document as YAML in canonical form (normalized, with
// every setting spelled out).
func Marshal(d Document) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("# elevate policy: settings, eligibility rules and approver rules (docs/policy.md)\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(d.Normalize()); err != nil {
		return nil, fmt.Errorf("encode policy document: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode policy document: %w", err)
	}
	return buf.Bytes(), nil
}

// ChangeKind says what a plan does to one part of the policy.
type ChangeKind string

// Change kinds.
const (
	Added   ChangeKind = "added"
	Changed ChangeKind = "changed"
	Removed ChangeKind = "removed"
)

// Change is one difference between two documents.
type Change struct {
	Kind   ChangeKind `json:"kind"`
	What   string     `json:"what"`   // "rule NAME", "approver rule NAME" or "settings"
	Fields []string   `json:"fields"` // "field: old -> new"
}

func (c Change) String() string {
	sign := map[ChangeKind]string{Added: "+", Changed: "~", Removed: "-"}[c.Kind]
	s := fmt.Sprintf("%s %s %s", sign, c.What, c.Kind)
	for _, f := range c.Fields {
		s += "\n    " + f
	}
	return s
}

// Plan lists the differences from the current document to the next, both
// normalized: settings first, then rules and approver rules by name (rules
// that only moved are not changes).
func Plan(current, next Document) []Change {
	current, next = current.Normalize(), next.Normalize()
	var out []Change
	if f := fieldDiff(current.Settings, next.Settings); len(f) > 0 {
		out = append(out, Change{Kind: Changed, What: "settings", Fields: f})
	}
	out = append(out, diffNamed("rule", current.Rules, next.Rules, func(r Rule) string { return r.Name })...)
	out = append(out, diffNamed("approver rule", current.ApproverRules, next.ApproverRules, func(r ApproverRule) string { return r.Name })...)
	return out
}

// FormatPlan renders a plan for people: "no changes" when it is empty.
func FormatPlan(changes []Change) string {
	if len(changes) == 0 {
		return "No changes: the policy already matches the document.\n"
	}
	var b strings.Builder
	n := map[ChangeKind]int{}
	for _, c := range changes {
		b.WriteString(c.String())
		b.WriteByte('\n')
		n[c.Kind]++
	}
	fmt.Fprintf(&b, "Plan: %d to add, %d to change, %d to remove.\n", n[Added], n[Changed], n[Removed])
	return b.String()
}

func diffNamed[T any](kind string, cur, next []T, name func(T) string) []Change {
	var out []Change
	old := map[string]T{}
	for _, r := range cur {
		old[name(r)] = r
	}
	seen := map[string]bool{}
	for _, r := range next {
		seen[name(r)] = true
		o, ok := old[name(r)]
		if !ok {
			out = append(out, Change{Kind: Added, What: kind + " " + name(r), Fields: fieldDiff(*new(T), r)})
			continue
		}
		if f := fieldDiff(o, r); len(f) > 0 {
			out = append(out, Change{Kind: Changed, What: kind + " " + name(r), Fields: f})
		}
	}
	for _, r := range cur {
		if !seen[name(r)] {
			out = append(out, Change{Kind: Removed, What: kind + " " + name(r)})
		}
	}
	return out
}

// fieldDiff lists the fields of two structs of the same type that differ,
// by their YAML names.
func fieldDiff(a, b any) []string {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	var out []string
	for i := range va.NumField() {
		fa, fb := va.Field(i).Interface(), vb.Field(i).Interface()
		if reflect.DeepEqual(fa, fb) {
			continue
		}
		tag := strings.Split(va.Type().Field(i).Tag.Get("yaml"), ",")[0]
		out = append(out, fmt.Sprintf("%s: %s -> %s", tag, show(va.Field(i)), show(vb.Field(i))))
	}
	return out
}

func show(v reflect.Value) string {
	switch v.Kind() {
	case reflect.Slice:
		if v.Len() == 0 {
			return "[]"
		}
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = fmt.Sprint(v.Index(i).Interface())
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case reflect.String:
		return strconv.Quote(v.String())
	}
	return fmt.Sprint(v.Interface())
}
