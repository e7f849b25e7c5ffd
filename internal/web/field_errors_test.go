package web

import (
	"errors"
	"fmt"
	"testing"

	"github.com/elevate/elevate/internal/access"
)

func TestFieldOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want string
	}{
		{access.Errorf(access.CodeInvalid, "duration 10h0m0s is longer than the 4h0m0s this rule allows"), "duration"},
		{access.Errorf(access.CodeInvalid, "Duration %q is not a duration: write it like 30m", "x"), "duration"},
		{access.Errorf(access.CodeInvalid, "justification is empty: say why you need this access"), "justification"},
		{access.Errorf(access.CodeInvalid, "ticket is required for this access: give the change or incident ticket"), "ticket"},
		{access.Errorf(access.CodeInvalid, "start 2020-01-01T00:00:00Z is in the past: leave it out to start now"), "start_at"},
		{access.Errorf(access.CodeInvalid, "Start time %q is not a date and time (UTC).", "x"), "start_at"},
		{access.Errorf(access.CodeInvalid, "permission_set is empty: name a permission set"), "permission_set"},
		{access.Errorf(access.CodeInvalid, "Choose a permission set."), ""},
		{access.Errorf(access.CodeInvalid, "account name %q matches several accounts: use the account id", "prod"), "account"},
		{fmt.Errorf("submit: %w", access.Errorf(access.CodeInvalid, "justification holds a line break: give it on one line")), "justification"},
		// Refusals about the request as a whole stay above the form.
		{access.Errorf(access.CodeNotEligible, "duration is fine but no rule allows it"), ""},
		{access.Errorf(access.CodeConflict, "ticket changed"), ""},
		{errors.New("duration: disk full"), ""},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := fieldOf(tt.err); got != tt.want {
			t.Errorf("fieldOf(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
