package awsemu

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// shapeKind is the Smithy type of a shape, as named in service-2.json.
type shapeKind string

const (
	kindString    shapeKind = "string"
	kindInteger   shapeKind = "integer"
	kindBoolean   shapeKind = "boolean"
	kindTimestamp shapeKind = "timestamp"
	kindList      shapeKind = "list"
	kindStructure shapeKind = "structure"
	kindUnion     shapeKind = "union"
	kindDocument  shapeKind = "document"
	kindMap       shapeKind = "map"
)

// shape describes the constraints of one model shape. It mirrors the
// information in a botocore service-2.json shape (type, pattern, min, max,
// enum, member(s), required) so that a table generated from the models can
// replace the hand-written one in model.go without touching the validator.
type shape struct {
	kind     shapeKind
	pattern  *regexp.Regexp // anchored; nil when the model has none
	rawPat   string         // the pattern as written in the model, for messages
	min, max int64
	hasMin   bool
	hasMax   bool
	enum     []string
	member   *shape            // list element or map value
	key      *shape            // map key
	members  map[string]*shape // structure or union members
	required []string
}

// violation is one failed constraint, found while validating a request.
type violation struct {
	path       string // member path, lowerCamel as AWS reports it (e.g. "filter.accountId")
	value      any    // offending value, nil when missing
	constraint string // AWS-style text, e.g. "Member must not be null"
	reason     string // Organizations InvalidInputException reason
}

// Shape constructors. They take the model's constraints; a negative bound
// means "not set".

func strShape(pattern string, minLen, maxLen int64) *shape {
	s := &shape{kind: kindString}
	if pattern != "" {
		s.rawPat = pattern
		s.pattern = regexp.MustCompile(`^(?:` + pattern + `)$`)
	}
	s.setBounds(minLen, maxLen)
	return s
}

func enumShape(values ...string) *shape {
	return &shape{kind: kindString, enum: values}
}

func intShape(minVal, maxVal int64) *shape {
	s := &shape{kind: kindInteger}
	s.setBounds(minVal, maxVal)
	return s
}

func listShape(elem *shape, minLen, maxLen int64) *shape {
	s := &shape{kind: kindList, member: elem}
	s.setBounds(minLen, maxLen)
	return s
}

func structShape(required []string, members map[string]*shape) *shape {
	return &shape{kind: kindStructure, members: members, required: required}
}

func (s *shape) setBounds(lo, hi int64) {
	if lo >= 0 {
		s.min, s.hasMin = lo, true
	}
	if hi >= 0 {
		s.max, s.hasMax = hi, true
	}
}

// validateInput checks a decoded JSON request body (decoded with UseNumber)
// against an operation's input shape and returns every violation found, in a
// stable order.
func validateInput(in *shape, body map[string]any) []violation {
	var out []violation
	in.validateStruct(body, "", &out)
	return out
}

func (s *shape) validate(v any, path string, out *[]violation) {
	if v == nil { // JSON null is treated as absent
		return
	}
	switch s.kind {
	case kindString:
		str, ok := v.(string)
		if !ok {
			*out = append(*out, violation{path: path, value: v, constraint: "Member must be a string", reason: "INVALID_PATTERN"})
			return
		}
		s.validateString(str, path, out)
	case kindInteger:
		n, ok := v.(json.Number)
		if !ok {
			*out = append(*out, violation{path: path, value: v, constraint: "Member must be an integer", reason: "INVALID_PATTERN"})
			return
		}
		i, err := n.Int64()
		if err != nil {
			*out = append(*out, violation{path: path, value: v, constraint: "Member must be an integer", reason: "INVALID_PATTERN"})
			return
		}
		if s.hasMin && i < s.min {
			*out = append(*out, violation{path: path, value: v, constraint: fmt.Sprintf("Member must have value greater than or equal to %d", s.min), reason: "MIN_VALUE_EXCEEDED"})
		}
		if s.hasMax && i > s.max {
			*out = append(*out, violation{path: path, value: v, constraint: fmt.Sprintf("Member must have value less than or equal to %d", s.max), reason: "MAX_VALUE_EXCEEDED"})
		}
	case kindBoolean:
		if _, ok := v.(bool); !ok {
			*out = append(*out, violation{path: path, value: v, constraint: "Member must be a boolean", reason: "INVALID_PATTERN"})
		}
	case kindTimestamp:
		if _, ok := v.(json.Number); !ok {
			*out = append(*out, violation{path: path, value: v, constraint: "Member must be a timestamp in epoch seconds", reason: "INVALID_PATTERN"})
		}
	case kindList:
		list, ok := v.([]any)
		if !ok {
			*out = append(*out, violation{path: path, value: v, constraint: "Member must be a list", reason: "INVALID_PATTERN"})
			return
		}
		if s.hasMin && int64(len(list)) < s.min {
			*out = append(*out, violation{path: path, value: v, constraint: fmt.Sprintf("Member must have length greater than or equal to %d", s.min), reason: "MIN_LENGTH_EXCEEDED"})
		}
		if s.hasMax && int64(len(list)) > s.max {
			*out = append(*out, violation{path: path, value: v, constraint: fmt.Sprintf("Member must have length less than or equal to %d", s.max), reason: "MAX_LENGTH_EXCEEDED"})
		}
		for i, elem := range list {
			if elem == nil {
				*out = append(*out, violation{path: fmt.Sprintf("%s.%d.member", path, i+1), constraint: "Member must not be null", reason: "INPUT_REQUIRED"})
				continue
			}
			s.member.validate(elem, fmt.Sprintf("%s.%d.member", path, i+1), out)
		}
	case kindStructure, kindUnion:
		obj, ok := v.(map[string]any)
		if !ok {
			*out = append(*out, violation{path: path, value: v, constraint: "Member must be a structure", reason: "INVALID_PATTERN"})
			return
		}
		s.validateStruct(obj, path, out)
	case kindMap:
		obj, ok := v.(map[string]any)
		if !ok {
			*out = append(*out, violation{path: path, value: v, constraint: "Member must be a map", reason: "INVALID_PATTERN"})
			return
		}
		if s.hasMin && int64(len(obj)) < s.min {
			*out = append(*out, violation{path: path, value: v, constraint: fmt.Sprintf("Member must have length greater than or equal to %d", s.min), reason: "MIN_LENGTH_EXCEEDED"})
		}
		if s.hasMax && int64(len(obj)) > s.max {
			*out = append(*out, violation{path: path, value: v, constraint: fmt.Sprintf("Member must have length less than or equal to %d", s.max), reason: "MAX_LENGTH_EXCEEDED"})
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if s.key != nil {
				s.key.validate(k, path+".key", out)
			}
			if obj[k] != nil && s.member != nil {
				s.member.validate(obj[k], path+"."+k, out)
			}
		}
	case kindDocument:
		// Any JSON value.
	}
}

func (s *shape) validateString(str, path string, out *[]violation) {
	if len(s.enum) > 0 {
		found := false
		for _, e := range s.enum {
			if e == str {
				found = true
				break
			}
		}
		if !found {
			*out = append(*out, violation{path: path, value: str, constraint: "Member must satisfy enum value set: [" + strings.Join(s.enum, ", ") + "]", reason: "INVALID_ENUM"})
		}
		return
	}
	n := int64(utf8.RuneCountInString(str))
	if s.hasMin && n < s.min {
		*out = append(*out, violation{path: path, value: str, constraint: fmt.Sprintf("Member must have length greater than or equal to %d", s.min), reason: "MIN_LENGTH_EXCEEDED"})
	}
	if s.hasMax && n > s.max {
		*out = append(*out, violation{path: path, value: str, constraint: fmt.Sprintf("Member must have length less than or equal to %d", s.max), reason: "MAX_LENGTH_EXCEEDED"})
	}
	if s.pattern != nil && !s.pattern.MatchString(str) {
		*out = append(*out, violation{path: path, value: str, constraint: "Member must satisfy regular expression pattern: " + s.rawPat, reason: "INVALID_PATTERN"})
	}
}

func (s *shape) validateStruct(obj map[string]any, path string, out *[]violation) {
	for _, name := range s.required {
		if obj[name] == nil {
			*out = append(*out, violation{path: joinPath(path, name), constraint: "Member must not be null", reason: "INPUT_REQUIRED"})
		}
	}
	names := make([]string, 0, len(s.members))
	for name := range s.members {
		names = append(names, name)
	}
	sort.Strings(names)
	set := 0
	for _, name := range names {
		v, ok := obj[name]
		if !ok || v == nil {
			continue
		}
		set++
		s.members[name].validate(v, joinPath(path, name), out)
	}
	if s.kind == kindUnion && set != 1 {
		*out = append(*out, violation{path: path, value: nil, constraint: "Member must have exactly one member set", reason: "INVALID_PATTERN"})
	}
}

// joinPath appends a member name in the lowerCamel form AWS uses in
// validation messages.
func joinPath(path, name string) string {
	lc := name
	if name != "" {
		lc = strings.ToLower(name[:1]) + name[1:]
	}
	if path == "" {
		return lc
	}
	return path + "." + lc
}

// validationMessage renders violations the way AWS's JSON services do:
// "2 validation errors detected: Value 'x' at 'targetId' failed to satisfy
// constraint: ...; Value null at 'principalId' failed to satisfy ...".
func validationMessage(vs []violation) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		val := "null"
		if v.value != nil {
			val = fmt.Sprintf("'%v'", v.value)
		}
		parts[i] = fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: %s", val, v.path, v.constraint)
	}
	noun := "error"
	if len(vs) > 1 {
		noun = "errors"
	}
	return fmt.Sprintf("%d validation %s detected: %s", len(vs), noun, strings.Join(parts, "; "))
}
