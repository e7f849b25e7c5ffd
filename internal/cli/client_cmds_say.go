package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/say"
)

// voice is how the client commands say times: in the reader's zone (the
// local zone; TZ from the command's environment; UTC with --utc), with
// phrases relative to now where they help.
type voice struct {
	loc *time.Location
	now time.Time
}

// voice returns the voice of the command's flags.
func (cf *clientFlags) voice() voice {
	v := voice{loc: time.Local, now: time.Now()}
	if cf.env.Now != nil {
		v.now = cf.env.Now()
	}
	if tz := cf.env.Getenv("TZ"); tz != "" {
		if loc, err := say.Zone(tz); err == nil {
			v.loc = loc
		}
	}
	if cf.utc {
		v.loc = time.UTC
	}
	return v
}

// when says an optional time: "Tue 8 Dec 2026 10:00 CET", "-" for none.
func (v voice) when(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "-"
	}
	return say.Time(*t, v.loc)
}

// optWhen is when with "" for none (the row is left out).
func (v voice) optWhen(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return v.when(t)
}

// relWhen is when with the time relative to now: "… (in 42 min)".
func (v voice) relWhen(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return v.when(t) + " (" + say.Relative(*t, v.now) + ")"
}

// accountsOf names r's accounts: "prod (4444 5555 6666), …", from the
// server's names (an older server sends ids only).
func accountsOf(r *client.Request) string {
	names := map[string]string{}
	for _, a := range r.Accounts {
		names[a.ID] = a.Name
	}
	return say.Accounts(names, r.AccountIDs)
}

// accountName names one account of r.
func accountName(r *client.Request, id string) string {
	for _, a := range r.Accounts {
		if a.ID == id {
			return say.Account(a.Name, id)
		}
	}
	return say.Account("", id)
}

// accountCell shortens a long account list for a table cell: each as
// "prod (4444 5555 6666)", "+N more" past two.
func accountCell(r *client.Request) string {
	parts := make([]string, 0, len(r.AccountIDs))
	for _, id := range r.AccountIDs {
		parts = append(parts, accountName(r, id))
	}
	if len(parts) > 2 {
		return strings.Join(parts[:2], ", ") + ", +" + strconv.Itoa(len(parts)-2) + " more"
	}
	return orDash(strings.Join(parts, ", "))
}

// durationOf says r's duration as people write it.
func durationOf(r *client.Request) string {
	if r.DurationSeconds > 0 {
		return say.Duration(r.Length())
	}
	if d, err := time.ParseDuration(r.Duration); err == nil {
		return say.Duration(d)
	}
	return r.Duration
}

// printUse writes the "now use it" step of active access: the console
// links and the ~/.aws/config profile.
func printUse(w io.Writer, u *client.Use) {
	if u == nil || len(u.Consoles) == 0 {
		return
	}
	fmt.Fprintln(w, "\nUse it now:")
	for _, c := range u.Consoles {
		fmt.Fprintf(w, "  Console for %s: %s\n", c.Account, c.URL)
	}
	fmt.Fprintf(w, "\n  AWS CLI: add this to ~/.aws/config (or run `elevate aws-config >> ~/.aws/config`),\n  then `aws sso login --sso-session %s` and `aws --profile %s ...`:\n\n", u.SSOSession, profileName(u))
	for _, line := range strings.Split(strings.TrimRight(u.AWSConfig, "\n"), "\n") {
		if line != "" {
			line = "    " + line
		}
		fmt.Fprintln(w, line)
	}
}

// profileName is the first profile's name, for the example command.
func profileName(u *client.Use) string {
	if len(u.Profiles) == 0 {
		return "NAME"
	}
	return u.Profiles[0].Name
}
