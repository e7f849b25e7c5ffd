package config

import (
	"errors"
	"fmt"
	"strings"
)

// ApplyEnvironment sets every key whose environment variable is set: the
// key's systematic name (ELEVATE_ + the path in upper case, dots as
// underscores), then its older aliases. NAME_FILE reads the value from a
// file instead (a trailing newline is dropped), for secrets mounted as files
// (/run/secrets/...). Setting both NAME and NAME_FILE is an error. Empty
// variables are ignored. Errors name the variable and the key, never a
// secret's value.
func (c *Config) ApplyEnvironment(getenv func(string) string, readFile func(string) ([]byte, error)) error {
	var errs []error
	keyEnv := map[string]bool{}
	for _, k := range allKeys() {
		keyEnv[k.Env] = true
	}
	for _, k := range allKeys() {
		names := append([]string{k.Env}, k.Aliases...)
		for i := len(names) - 1; i >= 0; i-- { // the systematic name last, so it wins
			name := names[i]
			raw, file := getenv(name), getenv(name+"_FILE")
			if keyEnv[name+"_FILE"] {
				file = "" // NAME_FILE is another key (audit.signing_key_file)
			}
			if raw == "" && file == "" {
				continue
			}
			if raw != "" && file != "" {
				errs = append(errs, fmt.Errorf("%s and %s_FILE are both set (key %s): set one", name, name, k.Path))
				continue
			}
			from := name
			if file != "" {
				b, err := readFile(file)
				if err != nil {
					errs = append(errs, fmt.Errorf("%s_FILE (key %s): read %s: %w", name, k.Path, file, err))
					continue
				}
				raw, from = strings.TrimRight(string(b), "\r\n"), name+"_FILE"
			}
			if err := setRaw(k.field(c), raw); err != nil {
				if k.Secret {
					err = errors.New("invalid value")
				}
				errs = append(errs, fmt.Errorf("%s (key %s): %w", from, k.Path, err))
			}
		}
	}
	return errors.Join(errs...)
}

// Set sets one key from a --set key=value flag. Secrets are refused: a
// command line is visible to every user of the machine (ps).
func (c *Config) Set(path, raw string) error {
	k, ok := LookupKey(path)
	if !ok {
		return fmt.Errorf("--set %s: unknown key%s", path, suggest(path))
	}
	if k.Secret {
		return fmt.Errorf("--set %s: a secret is not taken on the command line (ps shows it); set %s or %s_FILE", path, k.Env, k.Env)
	}
	if err := setRaw(k.field(c), raw); err != nil {
		return fmt.Errorf("--set %s: %w", path, err)
	}
	return nil
}

// ApplySets applies --set flags, each "key=value", in order.
func (c *Config) ApplySets(sets []string) error {
	var errs []error
	for _, s := range sets {
		path, raw, ok := strings.Cut(s, "=")
		if !ok {
			errs = append(errs, fmt.Errorf("--set %q: want key=value", s))
			continue
		}
		if err := c.Set(strings.TrimSpace(path), raw); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
