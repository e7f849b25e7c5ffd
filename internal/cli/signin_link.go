package cli

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/app"
)

// cmdSignInLink prints a one-time portal sign-in link for a directory user,
// from the database alone (no AWS): the operator's way into the portal
// before OIDC or SAML is set up.
func cmdSignInLink(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "signin-link")
	var f serverFlags
	f.register(fs, env)
	user := fs.String("user", "", "user name or email of the directory user the link signs in (required)")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if strings.TrimSpace(*user) == "" {
		return fmt.Errorf("%w: elevate signin-link --user NAME: --user is required", ErrUsage)
	}
	cfg, err := f.load(env)
	if err != nil {
		return err
	}
	if !cfg.Auth.SignInLinks {
		return errors.New("sign-in links are turned off (auth.signin_links: false): set it to true, or sign in with OIDC or SAML")
	}
	a, err := app.New(ctx, cfg, app.Options{Logger: newLogger(env, cfg), Offline: true})
	if err != nil {
		return err
	}
	defer a.Close()
	secret, expires, err := a.Service().CreateSignInLink(ctx, *user, operatorName(env))
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s/signin/link?t=%s\n", cfg.URL(), url.QueryEscape(secret))
	fmt.Fprintf(env.Stdout, "valid once, until %s (%s)\n", expires.UTC().Format(time.RFC3339), "10 minutes")
	return nil
}
