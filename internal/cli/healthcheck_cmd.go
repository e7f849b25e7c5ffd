package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// cmdHealthcheck GETs /healthz of a local server and exits 0 on 200: the
// container image's HEALTHCHECK, which has no curl.
func cmdHealthcheck(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "healthcheck")
	var f serverFlags
	f.register(fs, env)
	url := fs.String("url", "", "URL to check (default http://<addr>/healthz, with 127.0.0.1 for a wildcard host)")
	timeout := fs.Duration("timeout", 5*time.Second, "give up after this long")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *url == "" {
		cfg, _ := f.resolve(env) // only addr matters here; `config check` reports problems
		host, port, err := net.SplitHostPort(cfg.Addr)
		if err != nil {
			return fmt.Errorf("healthcheck: addr %q is not host:port: %w", cfg.Addr, err)
		}
		if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
			host = "127.0.0.1"
		}
		*url = "http://" + net.JoinHostPort(host, port) + "/healthz"
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: GET %s: %w", *url, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: GET %s: %s", *url, resp.Status)
	}
	fmt.Fprintf(env.Stdout, "ok: %s\n", *url)
	return nil
}
