package workflow

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// List limits.
const (
	// MaxListLimit is the largest page a list returns.
	MaxListLimit = 1000
	// exportPage is how many requests an export reads per transaction.
	exportPage = 500
	// maxSearch is the longest search text a list takes.
	maxSearch = 200
)

// RequestPage is one page of a request list.
type RequestPage struct {
	Items []*access.Request
	// Next is the cursor of the next page; empty when this page is the
	// last.
	Next string
}

// cursor is what an opaque list cursor holds: the order it belongs to and
// the place of the last request of its page.
type cursor struct {
	Order access.RequestOrder `json:"o"`
	At    int64               `json:"t,omitempty"` // Unix microseconds; 0: no creation time
	ID    string              `json:"i"`
}

// encodeCursor returns the cursor that continues after r in order.
func encodeCursor(order access.RequestOrder, r *access.Request) string {
	c := cursor{Order: order, ID: r.ID}
	if !r.CreatedAt.IsZero() {
		c.At = r.CreatedAt.UnixMicro()
	}
	b, _ := json.Marshal(c) // a struct of strings and an int always marshals
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor returns the place a cursor continues after; the cursor must
// come from a list in the same order.
func decodeCursor(s string, order access.RequestOrder) (*access.RequestKey, error) {
	bad := access.Errorf(access.CodeInvalid, "cursor %q is not one this server gave: use the next_cursor of the previous page, or leave it out for the first page", s)
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil || c.ID == "" {
		return nil, bad
	}
	if c.Order != order {
		return nil, access.Errorf(access.CodeInvalid, "cursor is from a list sorted %s, not %s: keep the sort of the first page, or leave the cursor out", c.Order, order)
	}
	k := access.RequestKey{ID: c.ID}
	if c.At != 0 {
		k.CreatedAt = time.UnixMicro(c.At).UTC()
	}
	return &k, nil
}

// ParseListTime parses a bound of a list's date range: an RFC 3339 time, or
// a date (YYYY-MM-DD, UTC) meaning the start of that day, or with end the
// start of the next day, so that "until 2026-12-07" includes that day.
func ParseListTime(name, s string, end bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, access.Errorf(access.CodeInvalid, "%s %q is not a date: use YYYY-MM-DD or an RFC 3339 time such as 2026-12-07T09:00:00Z", name, s)
	}
	if end {
		d = d.AddDate(0, 0, 1)
	}
	return d, nil
}

// query checks in and turns it into the store's query for actor: the scope
// becomes the user filter, account names become ids.
func (s *Service) query(ctx context.Context, tx store.Tx, actor access.Actor, in ListInput) (access.RequestQuery, error) {
	q := access.RequestQuery{Statuses: in.Statuses, Limit: in.Limit, Order: in.Order,
		Requester: strings.TrimSpace(in.Requester), PermissionSet: strings.TrimSpace(in.PermissionSet),
		Search: strings.TrimSpace(in.Search), CreatedFrom: in.Since, CreatedBefore: in.Until}
	switch in.Scope {
	case ScopeMine:
		q.RequesterID = actor.UserID
	case ScopeApprovals:
		q.ApproverID = actor.UserID
	case ScopeInvolved, "":
		q.InvolvingUserID = actor.UserID
	case ScopeAll:
		if !actor.Admin && !actor.Auditor && !actor.IsSystem() {
			return q, access.Errorf(access.CodeForbidden, "only admins and auditors can list all requests")
		}
	default:
		return q, access.Errorf(access.CodeInvalid, "scope %q is unknown: use mine, approvals, involved or all", in.Scope)
	}
	for _, a := range in.Accounts {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		acc, err := tx.FindAccount(ctx, a)
		switch {
		case err == nil:
			q.AccountIDs = append(q.AccountIDs, acc.ID)
		case errors.Is(err, store.ErrNotFound) && access.ValidAccountID(a):
			// An account gone from the directory still has its requests.
			q.AccountIDs = append(q.AccountIDs, a)
		case errors.Is(err, store.ErrNotFound):
			return q, access.Errorf(access.CodeInvalid, "account %q is not in the directory: give an account id (12 digits) or name", a)
		case errors.Is(err, store.ErrConflict):
			return q, access.Errorf(access.CodeInvalid, "several accounts are named %q: give the account id", a)
		default:
			return q, err
		}
	}
	return q, nil
}

// check validates the parts of in that need no store.
func (in ListInput) check() error {
	for _, st := range in.Statuses {
		if !st.Valid() {
			return access.Errorf(access.CodeInvalid, "status %q is unknown: use one of %v", st, access.Statuses)
		}
	}
	if in.Limit < 0 || in.Limit > MaxListLimit {
		return access.Errorf(access.CodeInvalid, "limit %d is out of range: use 1 to %d", in.Limit, MaxListLimit)
	}
	switch in.Order {
	case "", access.NewestFirst, access.OldestFirst:
	default:
		return access.Errorf(access.CodeInvalid, "sort %q is unknown: use newest or oldest", in.Order)
	}
	if n := utf8.RuneCountInString(in.Search); n > maxSearch {
		return access.Errorf(access.CodeInvalid, "search is %d characters long: use at most %d", n, maxSearch)
	}
	if !in.Since.IsZero() && !in.Until.IsZero() && !in.Until.After(in.Since) {
		return access.Errorf(access.CodeInvalid, "the date range ends (%s) before it starts (%s): give an end after the start",
			in.Until.Format(time.RFC3339), in.Since.Format(time.RFC3339))
	}
	return nil
}

// PageRequests returns a page of the requests the actor may see that match
// in, in in.Order (newest first by default), after in.Cursor.
func (s *Service) PageRequests(ctx context.Context, actor access.Actor, in ListInput) (RequestPage, error) {
	if actor.UserID == "" && !actor.IsSystem() {
		return RequestPage{}, access.Errorf(access.CodeUnauthenticated, "sign in to list requests")
	}
	if err := in.check(); err != nil {
		return RequestPage{}, err
	}
	if in.Order == "" {
		in.Order = access.NewestFirst
	}
	var after *access.RequestKey
	if in.Cursor != "" {
		var err error
		if after, err = decodeCursor(in.Cursor, in.Order); err != nil {
			return RequestPage{}, err
		}
	}
	limit := in.Limit
	if limit == 0 {
		limit = 100
	}
	var page RequestPage
	err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		q, err := s.query(ctx, tx, actor, in)
		if err != nil {
			return err
		}
		// One more than asked tells whether a next page exists.
		q.After, q.Limit = after, limit+1
		rs, err := tx.PageRequests(ctx, q)
		if err != nil {
			return err
		}
		if len(rs) > limit {
			rs = rs[:limit]
			page.Next = encodeCursor(in.Order, rs[len(rs)-1])
		}
		page.Items = rs
		return nil
	})
	if err != nil {
		return RequestPage{}, fmt.Errorf("list requests: %w", err)
	}
	return page, nil
}

// ExportRequests calls fn with every request the actor may see that match
// in (in.Limit and in.Cursor aside), in pages of a few hundred, in order.
// Each page is read in its own read transaction, so a long export holds no
// transaction while fn writes; the keyset order means a request is passed
// once at most, and every request that exists for the whole export and
// keeps matching is passed. An error from fn stops the export and is
// returned as is.
func (s *Service) ExportRequests(ctx context.Context, actor access.Actor, in ListInput, fn func([]*access.Request) error) error {
	in.Limit, in.Cursor = exportPage, ""
	for {
		page, err := s.PageRequests(ctx, actor, in)
		if err != nil {
			return err
		}
		if len(page.Items) > 0 {
			if err := fn(page.Items); err != nil {
				return err
			}
		}
		if page.Next == "" {
			return nil
		}
		in.Cursor = page.Next
	}
}
