package teamimport

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ref is an {id, name} pair of a TEAM list: an account, an OU or a
// permission set (whose id is its ARN).
type ref struct{ ID, Name string }

// The typed getters below return errors that name the file, the item and
// the attribute, so that a bad export is fixed where it is wrong.

func (it Item) errorf(attr, format string, args ...any) error {
	return fmt.Errorf("%s: %s: %s", it.Where(), attr, fmt.Sprintf(format, args...))
}

// str returns a string attribute; a required one must be present and
// non-empty.
func (it Item) str(attr string, required bool) (string, error) {
	v, ok := it.Attrs[attr]
	if !ok || v == nil {
		if required {
			return "", it.errorf(attr, "missing")
		}
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", it.errorf(attr, "want a string (S), got %s", kind(v))
	}
	s = strings.TrimSpace(s)
	if required && s == "" {
		return "", it.errorf(attr, "empty")
	}
	return s, nil
}

// boolean returns a BOOL attribute. TEAM stores some switches as the
// strings "true" and "false" instead, which are read too.
func (it Item) boolean(attr string, required bool) (bool, error) {
	v, ok := it.Attrs[attr]
	if !ok || v == nil {
		if required {
			return false, it.errorf(attr, "missing")
		}
		return false, nil
	}
	switch b := v.(type) {
	case bool:
		return b, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(b)) {
		case "true":
			return true, nil
		case "", "false":
			return false, nil
		}
		return false, it.errorf(attr, "%q: want true, false or empty", b)
	}
	return false, it.errorf(attr, "want a BOOL, got %s", kind(v))
}

// hours returns an attribute holding a whole number of hours as a string.
func (it Item) hours(attr string, required bool) (int, error) {
	s, err := it.str(attr, required)
	if err != nil || s == "" {
		return 0, err
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, it.errorf(attr, "%q: want a whole number of hours from 1", s)
	}
	return n, nil
}

// refs returns a list of {name, id} maps; an absent list is empty.
func (it Item) refs(attr string, required bool) ([]ref, error) {
	list, err := it.list(attr, required)
	if err != nil {
		return nil, err
	}
	out := make([]ref, 0, len(list))
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, it.errorf(fmt.Sprintf("%s[%d]", attr, i), "want a map (M) with id and name, got %s", kind(e))
		}
		id, _ := m["id"].(string)
		name, _ := m["name"].(string)
		if strings.TrimSpace(id) == "" {
			return nil, it.errorf(fmt.Sprintf("%s[%d]", attr, i), "no id")
		}
		out = append(out, ref{ID: strings.TrimSpace(id), Name: strings.TrimSpace(name)})
	}
	return out, nil
}

// strList returns a list of strings (L of S, or SS); an absent list is empty.
func (it Item) strList(attr string, required bool) ([]string, error) {
	list, err := it.list(attr, required)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(list))
	for i, e := range list {
		s, ok := e.(string)
		if !ok {
			return nil, it.errorf(fmt.Sprintf("%s[%d]", attr, i), "want a string (S), got %s", kind(e))
		}
		out = append(out, strings.TrimSpace(s))
	}
	return out, nil
}

func (it Item) list(attr string, required bool) ([]any, error) {
	v, ok := it.Attrs[attr]
	if !ok || v == nil {
		if required {
			return nil, it.errorf(attr, "missing")
		}
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, it.errorf(attr, "want a list (L), got %s", kind(v))
	}
	return list, nil
}

func kind(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case bool:
		return "a BOOL"
	case []any:
		return "a list"
	case map[string]any:
		return "a map"
	case nil:
		return "NULL"
	}
	return fmt.Sprintf("%T", v)
}

// reader reads an item's attributes and keeps the first error, so that an
// item's fields are read in a row and the error is checked once.
type reader struct {
	it  Item
	err error
}

// keep returns a function that passes a getter's value on and keeps its
// error: keep[string](r)(it.str(...)).
func keep[T any](r *reader) func(T, error) T {
	return func(v T, err error) T {
		if r.err == nil {
			r.err = err
		}
		return v
	}
}

func (r *reader) str(attr string, required bool) string {
	return keep[string](r)(r.it.str(attr, required))
}

func (r *reader) boolean(attr string, required bool) bool {
	return keep[bool](r)(r.it.boolean(attr, required))
}

func (r *reader) hours(attr string, required bool) int {
	return keep[int](r)(r.it.hours(attr, required))
}

func (r *reader) refs(attr string, required bool) []ref {
	return keep[[]ref](r)(r.it.refs(attr, required))
}

func (r *reader) strList(attr string, required bool) []string {
	return keep[[]string](r)(r.it.strList(attr, required))
}

// header reads what every policy item has: its id, its type (one of
// types) and the name TEAM showed.
func (r *reader) header(table Table, types ...string) (id, typ, name string) {
	id, typ, name = r.str("id", true), r.str("type", true), r.str("name", false)
	if r.err == nil && !slices.Contains(types, typ) {
		r.err = r.it.errorf("type", "%q: an %s item is for a %s", typ, table, strings.Join(types, " or "))
	}
	return id, typ, name
}
