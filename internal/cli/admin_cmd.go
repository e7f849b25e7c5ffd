package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/elevate/elevate/internal/app"
)

const adminUsage = "elevate admin recover --user NAME"

// cmdAdmin is the server-side admin commands: `admin recover` restores a
// user's admin role when a policy change locked every admin out. It opens
// the database directly (like token create), so it needs the server's
// configuration and database access, and no API token.
func cmdAdmin(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] != "recover" {
		return fmt.Errorf("%w: %s", ErrUsage, adminUsage)
	}
	fs := newFlagSet(env, "admin recover")
	var f serverFlags
	f.register(fs, env)
	user := fs.String("user", "", "user name or email of the user to make an admin again (required)")
	if _, err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if strings.TrimSpace(*user) == "" {
		return fmt.Errorf("%w: --user is required: %s", ErrUsage, adminUsage)
	}
	cfg, err := f.load(env)
	if err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, app.Options{Logger: newLogger(env, cfg), Offline: true})
	if err != nil {
		return err
	}
	defer a.Close()
	res, err := a.Service().RecoverAdmin(ctx, *user, operatorName(env))
	if err != nil {
		return err
	}
	if !res.Changed {
		fmt.Fprintf(env.Stdout, "%s is already listed in settings.admins (policy revision %d): nothing changed.\n", res.UserName, res.Revision)
		return nil
	}
	fmt.Fprintf(env.Stdout, "%s is an admin again: added to settings.admins in policy revision %d (audited as admin.recovered).\n"+
		"Fix admins_group, then remove %s from settings.admins with `elevate policy apply` if it should not stay.\n", res.UserName, res.Revision, res.UserName)
	return nil
}

// operatorName names who ran a server-side command, for the decision log:
// the host's user, which is all the command knows.
func operatorName(env *Env) string {
	for _, k := range []string{"SUDO_USER", "USER", "LOGNAME"} {
		if v := strings.TrimSpace(env.Getenv(k)); v != "" {
			return "host user " + v
		}
	}
	return "host operator"
}
