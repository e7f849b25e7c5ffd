package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/elevate/elevate/internal/access"
)

// maxBodyBytes bounds every request body.
const maxBodyBytes = 64 << 10

// decodeBody decodes a JSON object from r's body into dst, strictly: the
// content type must be JSON, the body at most 64 KiB of valid UTF-8, with
// no unknown field, no field named in another case than dst's (encoding/json
// alone would match "Justification" to justification), no key twice in any
// object (encoding/json alone keeps the last, which two parsers of one body
// could read differently), no NUL in any string, and nothing after the
// object. An empty body is accepted when optional is true, and leaves dst
// alone.
func decodeBody(w http.ResponseWriter, r *http.Request, dst any, optional bool) error {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return access.Errorf(codeTooLarge, "request body is larger than %d KiB", maxBodyBytes>>10)
		}
		return fmt.Errorf("read request body: %w", err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		if optional {
			return nil
		}
		return access.Errorf(access.CodeInvalid, "request body is empty: send a JSON object")
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return access.Errorf(codeUnsupportedMedia, "request body must be JSON: send the header Content-Type: application/json")
	}
	if err := checkJSON(data, reflect.TypeOf(dst)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err, dst)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return access.Errorf(access.CodeInvalid, "request body has data after the JSON object: send one object")
	}
	return nil
}

// jsonError turns a decoding error into a message that names the problem.
func jsonError(err error, dst any) error {
	if e, ok := errors.AsType[*json.SyntaxError](err); ok {
		return access.Errorf(access.CodeInvalid, "request body is not valid JSON at byte %d: %s", e.Offset, strings.TrimPrefix(e.Error(), "json: "))
	}
	if e, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		if e.Field == "" {
			return access.Errorf(access.CodeInvalid, "request body must be a JSON object, not %s", e.Value)
		}
		return access.Errorf(access.CodeInvalid, "field %q must be %s, not %s", e.Field, jsonKind(e.Type), e.Value)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return access.Errorf(access.CodeInvalid, "request body is truncated JSON")
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if field, ok := strings.CutPrefix(msg, "unknown field "); ok {
		return access.Errorf(access.CodeInvalid, "unknown field %s in request body: accepted fields are %s", field, strings.Join(jsonFields(dst), ", "))
	}
	return access.Errorf(access.CodeInvalid, "request body is invalid: %s", msg)
}

// jsonKind describes what JSON a Go type accepts.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array of " + strings.TrimPrefix(strings.TrimPrefix(jsonKind(t.Elem()), "a "), "an ") + "s"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a " + t.Kind().String()
}

// jsonFields lists the JSON names of the fields of the struct dst points to.
func jsonFields(dst any) []string {
	t := reflect.TypeOf(dst)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var names []string
	if t.Kind() != reflect.Struct {
		return names
	}
	for f := range t.Fields() {
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
}

// maxJSONDepth bounds how deeply checkJSON follows nested values; request
// bodies are flat objects, so deeper nesting is refused.
const maxJSONDepth = 32

// checkJSON reads data token by token alongside t, the Go type it is decoded
// into, and refuses what encoding/json lets through: invalid UTF-8 (which it
// would turn into U+FFFD), duplicate keys, object keys that are not exactly
// one of a struct's JSON names, and NUL characters (escaped as \u0000) in
// strings, which no database column should hold. Each refusal names the
// field. A syntax error stops the walk without a verdict: the decoder then
// reports it with its offset.
func checkJSON(data []byte, t reflect.Type) error {
	if !utf8.Valid(data) {
		return access.Errorf(access.CodeInvalid, "request body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	err := walkJSON(dec, t, "", 0)
	if _, ok := errors.AsType[*access.Error](err); ok {
		return err
	}
	return nil
}

// walkJSON checks the next value of dec, decoded into t (nil: any type).
func walkJSON(dec *json.Decoder, t reflect.Type, path string, depth int) error {
	if depth > maxJSONDepth {
		return access.Errorf(access.CodeInvalid, "request body nests deeper than %d levels", maxJSONDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	t = plainType(t)
	switch tok := tok.(type) {
	case string:
		if strings.ContainsRune(tok, 0) {
			return access.Errorf(access.CodeInvalid, "field %q holds a NUL character", fieldName(path))
		}
	case json.Delim:
		switch tok {
		case '[':
			var elem reflect.Type
			if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
				elem = t.Elem()
			}
			for i := 0; dec.More(); i++ {
				if err := walkJSON(dec, elem, fmt.Sprintf("%s[%d]", fieldName(path), i), depth+1); err != nil {
					return err
				}
			}
		case '{':
			if err := walkObject(dec, t, path, depth); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil { // the closing ] or }
			return err
		}
	}
	return nil
}

// walkObject checks the members of an object whose { was just read.
func walkObject(dec *json.Decoder, t reflect.Type, path string, depth int) error {
	var fields map[string]reflect.Type
	if t != nil && t.Kind() == reflect.Struct {
		fields = structFields(t)
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		full := key
		if path != "" {
			full = path + "." + key
		}
		if strings.ContainsRune(key, 0) {
			return access.Errorf(access.CodeInvalid, "a field name in %s holds a NUL character", fieldName(path))
		}
		if seen[key] {
			return access.Errorf(access.CodeInvalid, "field %q appears twice in the request body: send each field once", full)
		}
		seen[key] = true
		var sub reflect.Type
		if fields != nil {
			ft, ok := fields[key]
			if !ok {
				names := slices.Sorted(maps.Keys(fields))
				for _, n := range names {
					if strings.EqualFold(n, key) {
						return access.Errorf(access.CodeInvalid, "field %q is spelled %q: field names are case-sensitive", full, n)
					}
				}
				return access.Errorf(access.CodeInvalid, "unknown field %q in request body: accepted fields are %s", full, strings.Join(names, ", "))
			}
			sub = ft
		} else if t != nil && t.Kind() == reflect.Map {
			sub = t.Elem()
		}
		if err := walkJSON(dec, sub, full, depth+1); err != nil {
			return err
		}
	}
	return nil
}

var jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()

// plainType dereferences pointers, and returns nil for types that decode
// themselves (time.Time and other json.Unmarshalers) or take any JSON.
func plainType(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() == reflect.Interface || reflect.PointerTo(t).Implements(jsonUnmarshaler) {
		return nil
	}
	return t
}

// structFields maps the JSON names of t's exported fields to their types.
func structFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

// fieldName is how a message names the field at path.
func fieldName(path string) string {
	if path == "" {
		return "request body"
	}
	return path
}
