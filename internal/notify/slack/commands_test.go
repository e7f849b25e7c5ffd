package slack

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
)

func TestParseCommand(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		text string
		want commandArgs
	}{
		{"", commandArgs{}},
		{"prod", commandArgs{Account: "prod"}},
		{"prod AdministratorAccess 1h INC-42 redrive the DLQ", commandArgs{Account: "prod", PermissionSet: "AdministratorAccess",
			Duration: time.Hour, DurationText: "1h", Ticket: "INC-42", Justification: "redrive the DLQ"}},
		{"prod Admin 90m #77 why", commandArgs{Account: "prod", PermissionSet: "Admin", Duration: 90 * time.Minute, DurationText: "90m", Ticket: "#77", Justification: "why"}},
		{"prod Admin 1h redrive the DLQ", commandArgs{Account: "prod", PermissionSet: "Admin", Duration: time.Hour, DurationText: "1h", Justification: "redrive the DLQ"}},
		{"prod Admin soon please", commandArgs{Account: "prod", PermissionSet: "Admin", Justification: "soon please"}},
		{"prod Admin -1h why", commandArgs{Account: "prod", PermissionSet: "Admin", Justification: "-1h why"}},
		{"  prod   Admin  2h  INC-1  ", commandArgs{Account: "prod", PermissionSet: "Admin", Duration: 2 * time.Hour, DurationText: "2h", Ticket: "INC-1"}},
	} {
		if got := parseCommand(tc.text); got != tc.want {
			t.Errorf("parseCommand(%q) = %+v, want %+v", tc.text, got, tc.want)
		}
	}
}

func TestMatchCommand(t *testing.T) {
	t.Parallel()
	admin := Offer{AccountID: "444455556666", AccountName: "prod", PermissionSetARN: "arn:ps-admin", PermissionSet: "AdministratorAccess",
		MaxDuration: 4 * time.Hour, ApprovalsRequired: 1, TicketRequired: true}
	ro := Offer{AccountID: "444455556666", AccountName: "prod", PermissionSetARN: "arn:ps-ro", PermissionSet: "ReadOnlyAccess", MaxDuration: 8 * time.Hour}
	twin1 := Offer{AccountID: "111111111111", AccountName: "twin", PermissionSetARN: "arn:ps-ro", PermissionSet: "ReadOnlyAccess", MaxDuration: time.Hour}
	twin2 := Offer{AccountID: "222222222222", AccountName: "twin", PermissionSetARN: "arn:ps-ro", PermissionSet: "ReadOnlyAccess", MaxDuration: time.Hour}
	offers := []Offer{twin1, twin2, admin, ro}
	for _, tc := range []struct {
		text     string
		complete bool
		notice   string
		account  string
		ps       string
	}{
		{"prod AdministratorAccess 1h INC-42 redrive", true, "", "444455556666", "arn:ps-admin"},
		{"PROD administratoraccess 1h INC-42 redrive", true, "", "444455556666", "arn:ps-admin"},
		{"444455556666 ReadOnlyAccess 8h look", true, "", "444455556666", "arn:ps-ro"},
		{"prod AdministratorAccess 1h redrive", false, "Add a ticket", "444455556666", "arn:ps-admin"},
		{"prod AdministratorAccess 5h INC-1 redrive", false, "at most 4h", "444455556666", "arn:ps-admin"},
		{"prod AdministratorAccess", false, "Add a duration, a ticket, a justification", "444455556666", "arn:ps-admin"},
		{"prod", false, "Add a permission set, a duration, a justification", "444455556666", ""},
		{"prod PowerUser 1h x", false, `You may not request "PowerUser"`, "444455556666", ""},
		{"twin ReadOnlyAccess 1h x", false, "Several accounts", "", ""},
		{"111111111111 ReadOnlyAccess 1h x", true, "", "111111111111", "arn:ps-ro"},
		{"nowhere ReadOnlyAccess 1h x", false, "No account you may request", "", ""},
	} {
		f, complete := matchCommand(offers, parseCommand(tc.text))
		if complete != tc.complete || !strings.Contains(f.Notice, tc.notice) || f.AccountID != tc.account || f.PermissionSet != tc.ps {
			t.Errorf("%q: complete %v, notice %q, account %q, ps %q; want %v, %q, %q, %q", tc.text, complete, f.Notice, f.AccountID, f.PermissionSet,
				tc.complete, tc.notice, tc.account, tc.ps)
		}
	}
}

func TestAccountOptions(t *testing.T) {
	t.Parallel()
	var offers []Offer
	for i := range 5000 {
		id := fmt.Sprintf("%012d", 100000000000+i)
		offers = append(offers, Offer{AccountID: id, AccountName: fmt.Sprintf("acct-%05d", i), PermissionSet: "A"},
			Offer{AccountID: id, AccountName: fmt.Sprintf("acct-%05d", i), PermissionSet: "B"})
	}
	offers = append(offers, Offer{AccountID: "444455556666", AccountName: "prod"}, Offer{AccountID: "555566667777", AccountName: "preprod"})
	for _, tc := range []struct {
		q     string
		n     int
		first string
	}{
		{"", 100, "100000000000"}, {"acct-0421", 10, "100000004210"}, {"ACCT-04219", 1, "100000004219"},
		{"prod", 2, "444455556666"}, {"preprod", 1, "555566667777"}, {"4444", 2, "444455556666"}, {"zzz", 0, ""},
	} {
		got := accountOptions(offers, tc.q)
		if len(got) != tc.n || (tc.n > 0 && got[0].Value != tc.first) {
			first := ""
			if len(got) > 0 {
				first = got[0].Value
			}
			t.Errorf("%q: %d options, first %s; want %d, %s", tc.q, len(got), first, tc.n, tc.first)
		}
		seen := map[string]bool{}
		for _, o := range got {
			if seen[o.Value] {
				t.Errorf("%q: account %s twice", tc.q, o.Value)
			}
			seen[o.Value] = true
		}
	}
}

func TestFieldOf(t *testing.T) {
	t.Parallel()
	ps := BlockPermissionSet + ".1"
	for msg, want := range map[string]string{
		"duration 9h is longer than the 4h this rule allows":               BlockDuration,
		"ticket is required for this access: give the change":              BlockTicket,
		"justification is empty: say why you need this access":             BlockJustification,
		"start 2030-01-01 is more than 24h ahead":                          BlockStart,
		`permission set "x" does not exist`:                                ps,
		"you are not eligible for AdministratorAccess on prod: see policy": BlockAccount,
	} {
		if got := fieldOf(access.Errorf(access.CodeInvalid, "%s", msg), ps); got != want {
			t.Errorf("fieldOf(%q) = %s, want %s", msg, got, want)
		}
	}
	if got := fieldOf(errors.New("database down"), ps); got != BlockAccount {
		t.Errorf("an internal error goes to %s", got)
	}
}
