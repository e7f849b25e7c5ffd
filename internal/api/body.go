package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"

	"github.com/elevate/elevate/internal/access"
)

// maxBodyBytes bounds every request body.
const maxBodyBytes = 64 << 10

// decodeBody decodes a JSON object from r's body into dst, strictly: the
// content type must be JSON, the body at most 64 KiB, with no unknown
// fields and nothing after the object. An empty body is accepted when
// optional is true, and leaves dst alone.
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
