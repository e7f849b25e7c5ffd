package cli

// elevate login and logout: the CLI signs in through the portal in the
// browser (whatever sign-in the server has: OIDC, SAML, the demo's picker)
// and keeps the short-lived token it is handed in the user's config
// directory, so that client commands work without ELEVATE_TOKEN.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/elevate/elevate/client"
)

// storedLogin is what `elevate login` stores.
type storedLogin struct {
	Server    string    `json:"server"`
	Token     string    `json:"token"`
	User      string    `json:"user"`
	CreatedAt time.Time `json:"created_at"`
}

// credentialsPath is the file of the stored sign-in: in ELEVATE_CONFIG_DIR,
// else in the user's config directory (XDG_CONFIG_HOME or ~/.config on
// Linux), under elevate/.
func credentialsPath(env *Env) (string, error) {
	if d := env.Getenv("ELEVATE_CONFIG_DIR"); d != "" {
		return filepath.Join(d, "credentials.json"), nil
	}
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find your config directory: %w (set ELEVATE_CONFIG_DIR)", err)
	}
	return filepath.Join(d, "elevate", "credentials.json"), nil
}

// loadCredentials returns the stored sign-in; ok is false when there is none.
func loadCredentials(env *Env) (storedLogin, bool, error) {
	var c storedLogin
	p, err := credentialsPath(env)
	if err != nil {
		return c, false, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return c, false, nil
	}
	if err != nil {
		return c, false, fmt.Errorf("read the stored sign-in: %w", err)
	}
	if err := json.Unmarshal(b, &c); err != nil || c.Token == "" || c.Server == "" {
		return c, false, fmt.Errorf("the stored sign-in %s is damaged: run `elevate login` again", p)
	}
	return c, true, nil
}

// storeCredentials writes c readable by the user alone (0600, in a 0700
// directory), replacing the file atomically.
func storeCredentials(env *Env, c storedLogin) (string, error) {
	p, err := credentialsPath(env)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", fmt.Errorf("store the sign-in: %w", err)
	}
	b, _ := json.MarshalIndent(c, "", "  ") // strings and a time always marshal
	tmp, err := os.CreateTemp(filepath.Dir(p), ".credentials-*")
	if err != nil {
		return "", fmt.Errorf("store the sign-in: %w", err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }() // gone after the rename; removes a failed write
	if err := tmp.Chmod(0o600); err != nil {
		_ = tmp.Close()
		return "", fmt.Errorf("store the sign-in: %w", err)
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		_ = tmp.Close()
		return "", fmt.Errorf("store the sign-in: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("store the sign-in: %w", err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return "", fmt.Errorf("store the sign-in: %w", err)
	}
	return p, nil
}

// randomState returns the one-time state of a login.
func randomState() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make the login state: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// openBrowser opens u in the user's browser: $BROWSER, else the system's
// opener. An error only means the user opens the printed link themselves.
func openBrowser(env *Env, u string) error {
	// The opener is the user's own choice or the system's; u is the
	// server's sign-in link, passed as one argument (no shell).
	name, args := "xdg-open", []string{u}
	switch {
	case env.Getenv("BROWSER") != "":
		name = env.Getenv("BROWSER")
	case runtime.GOOS == "darwin":
		name = "open"
	case runtime.GOOS == "windows":
		name, args = "rundll32", []string{"url.dll,FileProtocolHandler", u}
	}
	return exec.Command(name, args...).Start() //nolint:gosec // G204: the user's or the system's opener, the link as an argument
}

func cmdLogin(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "login")
	server := env.Getenv("ELEVATE_SERVER")
	if server == "" {
		server = defaultServer
	}
	fs.StringVar(&server, "server", server, "URL of the elevate server; env ELEVATE_SERVER")
	noBrowser := fs.Bool("no-browser", false, "print the sign-in link instead of opening the browser (open it on this computer)")
	headless := fs.Bool("headless", false, "for a machine without a browser: print a link to open on any device, and a code to check there")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up when the sign-in is not done by then")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("login takes no arguments")
	}
	base, err := url.Parse(strings.TrimRight(strings.TrimSpace(server), "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return usageErr("--server %q: give the server's URL, such as https://elevate.example.com", server)
	}
	if *headless {
		return loginHeadless(ctx, env, base, *timeout)
	}
	state, err := randomState()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen on the loopback for the browser's answer: %w", err)
	}
	tokens := make(chan string, 1)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/callback" {
			http.NotFound(w, r)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 4096)
		got, tok := r.PostFormValue("state"), r.PostFormValue("token")
		if subtle.ConstantTimeCompare([]byte(got), []byte(state)) != 1 || tok == "" {
			http.Error(w, "This sign-in is not the one the elevate CLI waits for: run elevate login again.", http.StatusBadRequest)
			return
		}
		// The browser's page first, then the token: the CLI stops this
		// server once it has the token, and the page must reach the
		// browser before that.
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = io.WriteString(w, "<!doctype html><title>elevate</title><h1>The elevate CLI is signed in</h1><p>Back to your terminal: you may close this tab.</p>")
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		select {
		case tokens <- tok:
		default:
		}
	})}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		// Shutdown, not Close: a response still being written finishes.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()

	host, _ := os.Hostname()
	q := url.Values{"port": {strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)}, "state": {state}, "host": {host}}
	link := base.String() + "/cli/login?" + q.Encode()
	fmt.Fprintf(env.Stderr, "To sign in, open this link in your browser on this computer:\n  %s\n", link)
	if !*noBrowser {
		if err := openBrowser(env, link); err != nil {
			fmt.Fprintf(env.Stderr, "(the browser could not be opened: %v)\n", err)
		}
	}
	fmt.Fprintln(env.Stderr, "Waiting for the sign-in…")
	wait, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	var tok string
	select {
	case tok = <-tokens:
	case <-wait.Done():
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("the sign-in was not done within %s: run elevate login again (--timeout for longer)", *timeout)
	}
	c, err := client.New(base.String(), tok, client.WithClientKind("cli"), client.WithUserAgent("elevate-cli"))
	if err != nil {
		return err
	}
	me, err := c.Me(ctx)
	if err != nil {
		return fmt.Errorf("check the new token: %w", err)
	}
	return saveLogin(env, base, tok, me.UserName)
}

// saveLogin stores the sign-in and says so.
func saveLogin(env *Env, base *url.URL, tok, user string) error {
	p, err := storeCredentials(env, storedLogin{Server: base.String(), Token: tok, User: user, CreatedAt: time.Now().UTC()})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Signed in to %s as %s (the token is in %s, for 12 hours; elevate logout revokes it).\n", base, user, p)
	return nil
}

// loginHeadless signs in without a browser on this machine: the CLI makes
// the token's secret itself and puts only its SHA-256 in the link, which
// the user opens on any device; once they confirm there, the server knows
// the token and the CLI, polling with the secret, is let in.
func loginHeadless(ctx context.Context, env *Env, base *url.URL, timeout time.Duration) error {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return fmt.Errorf("make the token: %w", err)
	}
	secret := "elv_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
	sum := sha256.Sum256([]byte(secret))
	device := hex.EncodeToString(sum[:])
	host, _ := os.Hostname()
	q := url.Values{"device": {device}, "host": {host}}
	fmt.Fprintf(env.Stderr, "Open this link in a browser on any device and sign in:\n  %s\nCheck that the page shows the code %s.\n",
		base.String()+"/cli/login?"+q.Encode(), strings.ToUpper(device[:4]+"-"+device[4:8]))
	fmt.Fprintln(env.Stderr, "Waiting for the sign-in…")
	c, err := client.New(base.String(), secret, client.WithClientKind("cli"), client.WithUserAgent("elevate-cli"))
	if err != nil {
		return err
	}
	wait, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(headlessPoll)
	defer tick.Stop()
	for {
		me, err := c.Me(wait)
		if err == nil {
			return saveLogin(env, base, secret, me.UserName)
		}
		// Not confirmed yet (401), or polled too often (429): wait and ask again.
		e, ok := errors.AsType[*client.Error](err)
		if !ok && wait.Err() == nil || ok && e.Status != http.StatusUnauthorized && e.Status != http.StatusTooManyRequests {
			return fmt.Errorf("wait for the sign-in at %s: %w", base, err)
		}
		select {
		case <-tick.C:
		case <-wait.Done():
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("the sign-in was not done within %s: run elevate login --headless again (--timeout for longer)", timeout)
		}
	}
}

// headlessPoll is how often a headless login asks whether it is signed in:
// well under the server's limit of failed tokens per address.
var headlessPoll = 3 * time.Second

func cmdLogout(ctx context.Context, env *Env, args []string) error {
	flags := newFlagSet(env, "logout")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return usageErr("logout takes no arguments")
	}
	cr, ok, err := loadCredentials(env)
	if err != nil {
		return err
	}
	if !ok {
		fmt.Fprintln(env.Stdout, "Not signed in: nothing to do.")
		return nil
	}
	c, err := client.New(cr.Server, cr.Token, client.WithClientKind("cli"), client.WithUserAgent("elevate-cli"))
	if err != nil {
		return err
	}
	revokeErr := c.Logout(ctx)
	if e, ok := errors.AsType[*client.Error](revokeErr); ok && e.Status == http.StatusUnauthorized {
		revokeErr = nil // expired or revoked already
	}
	if revokeErr != nil {
		return fmt.Errorf("revoke the token at %s: %w (the stored sign-in is kept; try again)", cr.Server, revokeErr)
	}
	p, err := credentialsPath(env)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove the stored sign-in: %w", err)
	}
	fmt.Fprintf(env.Stdout, "Signed out of %s: the token is revoked.\n", cr.Server)
	return nil
}
