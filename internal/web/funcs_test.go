package web

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/workflow"
)

func TestHumanDuration(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{-time.Minute, "0s"},
		{45 * time.Second, "45s"},
		{90 * time.Second, "1m 30s"},
		{time.Hour, "1h"},
		{90 * time.Minute, "1h 30m"},
		{time.Hour + 30*time.Second, "1h"}, // seconds are dropped once there are hours
		{26*time.Hour + 5*time.Minute, "1d 2h"},
		{400 * time.Millisecond, "0s"},
	} {
		if got := humanDuration(tc.d); got != tc.want {
			t.Errorf("humanDuration(%s) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestTemplateFuncs(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	left := funcs["left"].(func(time.Time, time.Time) string)
	for _, tc := range []struct {
		end  time.Time
		want string
	}{
		{time.Time{}, ""},
		{now.Add(-time.Second), "ending"},
		{now, "ending"},
		{now.Add(90*time.Minute + 400*time.Millisecond), "ends in 1h 30m"},
		{now.Add(41*time.Minute + 30*time.Second), "ends in 42 min"},
		{now.Add(59*time.Second + 600*time.Millisecond), "ends in less than a minute"},
	} {
		if got := left(tc.end, now); got != tc.want {
			t.Errorf("left(%v) = %q, want %q", tc.end, got, tc.want)
		}
	}
	ts := funcs["ts"].(func(time.Time) string)
	if got := ts(time.Time{}); got != "—" {
		t.Errorf("ts(zero) = %q", got)
	}
	if got := ts(time.Date(2026, 3, 1, 10, 4, 0, 0, time.FixedZone("CET", 3600))); got != "Sun 1 Mar 2026 09:04 UTC" {
		t.Errorf("ts in CET = %q, want UTC", got)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	tsBerlin := funcsIn(berlin)["ts"].(func(time.Time) string)
	if got := tsBerlin(time.Date(2026, 3, 1, 9, 4, 0, 0, time.UTC)); got != "Sun 1 Mar 2026 10:04 CET" {
		t.Errorf("ts for a reader in Berlin = %q", got)
	}
	name := funcs["name"].(func(map[string]string, string) string)
	if got := name(map[string]string{"u1": "alice"}, "u1"); got != "alice" {
		t.Errorf("name(u1) = %q", got)
	}
	if got := name(nil, "u2"); got != "u2" {
		t.Errorf("name of an unknown id = %q, want the id", got)
	}
}

func TestStatusOf(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{access.Errorf(access.CodeInvalid, "x"), http.StatusBadRequest},
		{access.Errorf(access.CodeUnauthenticated, "x"), http.StatusUnauthorized},
		{access.Errorf(access.CodeForbidden, "x"), http.StatusForbidden},
		{access.Errorf(access.CodeSelfApproval, "x"), http.StatusForbidden},
		{access.Errorf(access.CodeNotEligible, "x"), http.StatusForbidden},
		{access.Errorf(access.CodeNotFound, "x"), http.StatusNotFound},
		{access.Errorf(access.CodeConflict, "x"), http.StatusConflict},
		{access.Errorf(access.CodeIllegalTransition, "x"), http.StatusConflict},
		{errors.New("disk on fire"), http.StatusInternalServerError},
	} {
		if got := statusOf(tc.err); got != tc.want {
			t.Errorf("statusOf(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

func TestPolicyPlanCounts(t *testing.T) {
	d := policyEditData{Plan: workflow.PolicyPlan{Changes: []policy.Change{
		{Kind: policy.Added, What: "rule a"}, {Kind: policy.Added, What: "rule b"},
		{Kind: policy.Changed, What: "settings"}, {Kind: policy.Removed, What: "rule c"},
	}}}
	for kind, want := range map[string]int{"added": 2, "changed": 1, "removed": 1, "other": 0} {
		if got := d.Count(kind); got != want {
			t.Errorf("Count(%s) = %d, want %d", kind, got, want)
		}
	}
}
