package workflow

import (
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
)

func TestParseListTime(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		end  bool
		want time.Time
		err  string
	}{
		{in: "", want: time.Time{}},
		{in: "2026-12-07", want: time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)},
		{in: "2026-12-07", end: true, want: time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)},
		{in: "2026-12-31", end: true, want: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
		{in: "2026-12-07T09:30:00+02:00", end: true, want: time.Date(2026, 12, 7, 7, 30, 0, 0, time.UTC)},
		{in: "yesterday", err: `since "yesterday" is not a date: use YYYY-MM-DD`},
		{in: "07/12/2026", err: "is not a date"},
	} {
		got, err := ParseListTime("since", tc.in, tc.end)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseListTime(%q) error = %v, want one with %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("ParseListTime(%q, %v) = %v, %v; want %v", tc.in, tc.end, got, err, tc.want)
		}
	}
}

func TestListInputCheck(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		in   ListInput
		err  string
	}{
		{"empty", ListInput{}, ""},
		{"every filter", ListInput{Statuses: []access.Status{access.StatusActive}, Limit: 1000, Order: access.OldestFirst,
			Search: "x", Since: day, Until: day.Add(time.Hour)}, ""},
		{"unknown status", ListInput{Statuses: []access.Status{"activ"}}, `status "activ" is unknown`},
		{"limit too large", ListInput{Limit: 1001}, "limit 1001 is out of range: use 1 to 1000"},
		{"negative limit", ListInput{Limit: -1}, "out of range"},
		{"unknown sort", ListInput{Order: "ends"}, `sort "ends" is unknown: use newest or oldest`},
		{"long search", ListInput{Search: strings.Repeat("é", 201)}, "search is 201 characters long: use at most 200"},
		{"range backwards", ListInput{Since: day, Until: day}, "the date range ends"},
	} {
		err := tc.in.check()
		if (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: check() = %v, want %q", tc.name, err, tc.err)
		}
	}
}

func TestCursor(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 7, 9, 0, 0, 123456000, time.UTC)
	for _, r := range []*access.Request{{ID: "req_1", CreatedAt: at}, {ID: "req_2"}} {
		c := encodeCursor(access.OldestFirst, r)
		k, err := decodeCursor(c, access.OldestFirst)
		if err != nil || k.ID != r.ID || !k.CreatedAt.Equal(r.CreatedAt) {
			t.Errorf("cursor of %s: got %+v, %v", r.ID, k, err)
		}
		if _, err := decodeCursor(c, access.NewestFirst); err == nil || !strings.Contains(err.Error(), "keep the sort of the first page") {
			t.Errorf("cursor of an oldest-first list used newest first: %v", err)
		}
	}
	for _, bad := range []string{"nope!", "e30", "bm90IGpzb24"} {
		if _, err := decodeCursor(bad, access.NewestFirst); err == nil || !strings.Contains(err.Error(), "is not one this server gave") {
			t.Errorf("decodeCursor(%q) = %v, want a refusal", bad, err)
		}
	}
}
