package config

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// setRaw parses raw (from the environment or --set) into the field v:
// strings as they are, durations like 90s or 1h30m, booleans, numbers, lists
// of strings as a,b,c or a YAML flow list [a, b], anything else as YAML.
func setRaw(v reflect.Value, raw string) error {
	t := v.Type()
	switch {
	case t == durationType:
		d, err := time.ParseDuration(strings.TrimSpace(raw))
		if err != nil {
			return fmt.Errorf("not a duration like 90s or 1h30m")
		}
		v.SetInt(int64(d))
	case t.Kind() == reflect.String:
		v.SetString(raw)
	case t.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(raw))
		if err != nil {
			return fmt.Errorf("not true or false")
		}
		v.SetBool(b)
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		n, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
		if err != nil {
			return fmt.Errorf("not a whole number")
		}
		v.SetInt(n)
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		f, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
		if err != nil {
			return fmt.Errorf("not a number")
		}
		v.SetFloat(f)
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String && !strings.HasPrefix(strings.TrimSpace(raw), "["):
		var list []string
		for s := range strings.SplitSeq(raw, ",") {
			if s = strings.TrimSpace(s); s != "" {
				list = append(list, s)
			}
		}
		v.Set(reflect.ValueOf(list).Convert(t))
	default:
		p := reflect.New(t)
		dec := yaml.NewDecoder(strings.NewReader(raw))
		dec.KnownFields(true)
		if err := dec.Decode(p.Interface()); err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("not valid YAML for this key: %w", err)
		}
		v.Set(p.Elem())
	}
	return nil
}

// render returns v as a YAML node for dumps and the example: durations as
// 1h30m, everything else as yaml.v3 encodes it.
func render(v reflect.Value) (*yaml.Node, error) {
	if v.Type() == durationType {
		return &yaml.Node{Kind: yaml.ScalarNode, Value: shortDuration(time.Duration(v.Int()))}, nil
	}
	n := &yaml.Node{}
	if err := n.Encode(v.Interface()); err != nil {
		return nil, fmt.Errorf("encode %s: %w", v.Type(), err)
	}
	if n.Kind == yaml.SequenceNode && len(n.Content) > 0 && n.Content[0].Kind == yaml.ScalarNode {
		n.Style = yaml.FlowStyle
	}
	return n, nil
}

// shortDuration writes 1h30m0s as 1h30m and 15m0s as 15m.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// parseDefault parses a key's default into a fresh value of its type.
func (k Key) parseDefault() (reflect.Value, error) {
	v := reflect.New(k.typ).Elem()
	if k.Default == "" {
		return v, nil
	}
	return v, setRaw(v, k.Default)
}

// isZero reports whether v is its type's zero value (an empty list too).
func isZero(v reflect.Value) bool {
	if v.Kind() == reflect.Slice {
		return v.Len() == 0
	}
	return v.IsZero()
}
