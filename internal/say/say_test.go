package say_test

import (
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/say"
)

func TestAccount(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, id, want string }{
		{"prod", "444455556666", "prod (4444 5555 6666)"},
		{"", "444455556666", "4444 5555 6666"},
		{"444455556666", "444455556666", "4444 5555 6666"},
		{"odd", "12345", "odd (12345)"},
		{"letters", "4444abcd6666", "letters (4444abcd6666)"},
	} {
		if got := say.Account(tc.name, tc.id); got != tc.want {
			t.Errorf("Account(%q, %q) = %q, want %q", tc.name, tc.id, got, tc.want)
		}
	}
	got := say.Accounts(map[string]string{"111111111111": "dev"}, []string{"111111111111", "222222222222"})
	if want := "dev (1111 1111 1111), 2222 2222 2222"; got != want {
		t.Errorf("Accounts = %q, want %q", got, want)
	}
}

func TestDuration(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{-time.Minute, "0s"},
		{45 * time.Second, "45s"},
		{90 * time.Second, "1m 30s"},
		{15 * time.Minute, "15m"},
		{time.Hour, "1h"},
		{90 * time.Minute, "1h 30m"},
		{time.Hour + 30*time.Second, "1h"},
		{4 * time.Hour, "4h"},
		{24 * time.Hour, "1d"},
		{30 * time.Hour, "1d 6h"},
		{24*time.Hour + 30*time.Minute, "1d"},
		{1500 * time.Millisecond, "2s"},
	} {
		if got := say.Duration(tc.d); got != tc.want {
			t.Errorf("Duration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  string
	}{
		{in: "1d", want: 24 * time.Hour},
		{in: "2d", want: 48 * time.Hour},
		{in: "1d6h", want: 30 * time.Hour},
		{in: "1d 6h", want: 30 * time.Hour},
		{in: "1h 30m", want: 90 * time.Minute},
		{in: "1h30m", want: 90 * time.Minute},
		{in: " 4h ", want: 4 * time.Hour},
		{in: "45s", want: 45 * time.Second},
		{in: "", err: "no duration given"},
		{in: "soon", err: `"soon" is not a duration: write it like 30m`},
		{in: "xd", err: "is not a duration"},
		{in: "1.5d", err: "is not a duration"},
		{in: "-1h", err: "is negative"},
	} {
		got, err := say.ParseDuration(tc.in)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParseDuration(%q) error = %v, want one containing %q", tc.in, err, tc.err)
		case tc.err == "" && err != nil:
			t.Errorf("ParseDuration(%q): %v", tc.in, err)
		case tc.err == "" && got != tc.want:
			t.Errorf("ParseDuration(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := say.Zone(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestTime(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		t    time.Time
		loc  *time.Location
		want string
	}{
		{at, nil, "Tue 8 Dec 2026 09:00 UTC"},
		{at, mustZone(t, "Europe/Berlin"), "Tue 8 Dec 2026 10:00 CET"},
		{at, mustZone(t, "America/New_York"), "Tue 8 Dec 2026 04:00 EST"},
		{at, time.FixedZone("", 5*3600+1800), "Tue 8 Dec 2026 14:30 +0530"},
		{at.Add(30 * time.Second), nil, "Tue 8 Dec 2026 09:00:30 UTC"},
		{time.Time{}, nil, "—"},
	} {
		if got := say.Time(tc.t, tc.loc); got != tc.want {
			t.Errorf("Time(%v, %v) = %q, want %q", tc.t, tc.loc, got, tc.want)
		}
	}
}

func TestRelative(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "now"},
		{500 * time.Millisecond, "now"},
		{30 * time.Second, "in less than a minute"},
		{42 * time.Minute, "in 42 min"},
		{41*time.Minute + 10*time.Second, "in 42 min"},
		{-5 * time.Minute, "5 min ago"},
		{90 * time.Minute, "in 1h 30m"},
		{59*time.Minute + 59*time.Second, "in 1h"},
		{59 * time.Minute, "in 59 min"},
		{50 * time.Hour, "in 2d 2h"},
	} {
		if got := say.Relative(now.Add(tc.d), now); got != tc.want {
			t.Errorf("Relative(now%+v) = %q, want %q", tc.d, got, tc.want)
		}
	}
	if got := say.Ends(now.Add(42*time.Minute), now); got != "ends in 42 min" {
		t.Errorf("Ends = %q", got)
	}
	if got := say.Ends(now.Add(-3*time.Minute), now); got != "ended 3 min ago" {
		t.Errorf("Ends after the end = %q", got)
	}
	if got := say.Starts(now.Add(2*time.Hour), now); got != "starts in 2h" {
		t.Errorf("Starts = %q", got)
	}
}

func TestSlackDate(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	if got, want := say.SlackDate(at), "<!date^1796720400^{date_short_pretty} at {time}|Tue 8 Dec 2026 09:00 UTC>"; got != want {
		t.Errorf("SlackDate = %q, want %q", got, want)
	}
	if got := say.SlackDate(at.Add(5 * time.Second)); !strings.Contains(got, "{time_secs}") {
		t.Errorf("SlackDate of a time with seconds = %q, want {time_secs}", got)
	}
}

func TestZone(t *testing.T) {
	t.Parallel()
	if loc := mustZone(t, ""); loc != time.UTC {
		t.Errorf(`Zone("") = %v, want UTC`, loc)
	}
	if _, err := say.Zone("Mars/Olympus"); err == nil || !strings.Contains(err.Error(), "IANA name") {
		t.Errorf("Zone(Mars/Olympus) error = %v, want one naming the IANA form", err)
	}
}

func TestParseStart(t *testing.T) {
	t.Parallel()
	berlin := mustZone(t, "Europe/Berlin")
	now := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC) // 10:00 in Berlin
	for _, tc := range []struct {
		in   string
		want time.Time
		err  string
	}{
		{in: "2026-12-08T12:00:00Z", want: time.Date(2026, 12, 8, 12, 0, 0, 0, time.UTC)},
		{in: "2026-12-08 12:00", want: time.Date(2026, 12, 8, 11, 0, 0, 0, time.UTC)},
		{in: "2026-12-08T12:00", want: time.Date(2026, 12, 8, 11, 0, 0, 0, time.UTC)},
		{in: "2026-12-08 12:00:30", want: time.Date(2026, 12, 8, 11, 0, 30, 0, time.UTC)},
		{in: "11:30", want: time.Date(2026, 12, 8, 10, 30, 0, 0, time.UTC)},
		{in: "09:30", want: time.Date(2026, 12, 9, 8, 30, 0, 0, time.UTC)}, // passed today in Berlin: tomorrow
		{in: "+2h", want: now.Add(2 * time.Hour)},
		{in: "+1d", want: now.Add(24 * time.Hour)},
		{in: "+1h 30m", want: now.Add(90 * time.Minute)},
		{in: "now", want: now},
		{in: "", err: "no start time given"},
		{in: "tomorrow", err: `start "tomorrow" is not a time: write it like 2026-12-08 09:00`},
		{in: "+soon", err: `start "+soon"`},
	} {
		got, err := say.ParseStart(tc.in, now, berlin)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParseStart(%q) error = %v, want one containing %q", tc.in, err, tc.err)
		case tc.err == "" && err != nil:
			t.Errorf("ParseStart(%q): %v", tc.in, err)
		case tc.err == "" && !got.Equal(tc.want):
			t.Errorf("ParseStart(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestConsoleURLAndProfile(t *testing.T) {
	t.Parallel()
	got := say.ConsoleURL("https://d-1234567890.awsapps.com/start/", "444455556666", "AdministratorAccess")
	if want := "https://d-1234567890.awsapps.com/start/#/console?account_id=444455556666&role_name=AdministratorAccess"; got != want {
		t.Errorf("ConsoleURL = %q, want %q", got, want)
	}
	if got := say.ConsoleURL("", "444455556666", "Admin"); got != "" {
		t.Errorf("ConsoleURL without a portal = %q, want empty", got)
	}
	if got := say.ConsoleURL("https://p/start", "1", "a b&c"); !strings.HasSuffix(got, "role_name=a+b%26c") {
		t.Errorf("ConsoleURL does not escape the role: %q", got)
	}
	p := say.Profile{AccountID: "444455556666", AccountName: "prod eu", RoleName: "AdministratorAccess", Region: "eu-west-1"}
	if p.Name() != "prod-eu-AdministratorAccess" {
		t.Errorf("Name = %q", p.Name())
	}
	cfg := say.AWSConfig("https://d-1234567890.awsapps.com/start", "us-east-1", p)
	want := `[sso-session elevate]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile prod-eu-AdministratorAccess]
sso_session = elevate
sso_account_id = 444455556666
sso_role_name = AdministratorAccess
region = eu-west-1
`
	if cfg != want {
		t.Errorf("AWSConfig =\n%s\nwant\n%s", cfg, want)
	}
}
