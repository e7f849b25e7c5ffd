package workflow

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// MaxEligibilityLimit is the largest page of eligible pairs, and the
// default.
const MaxEligibilityLimit = 1000

// EligibilityPageInput selects a page of what the policy offers the actor.
type EligibilityPageInput struct {
	// Cursor continues after a previous page (its Next); "" starts at the
	// beginning.
	Cursor string
	// Limit is the most pairs on the page: 1 to MaxEligibilityLimit, 0
	// for MaxEligibilityLimit.
	Limit int
}

// EligibilityPage is a page of eligible pairs; Next continues it ("" on the
// last page).
type EligibilityPage struct {
	Items []Eligible
	Next  string
}

// eligibleKey names a pair in a cursor: account id, permission set ARN and
// whether it is the break-glass offer (a pair can be offered both ways).
func eligibleKey(accountID, setARN string, breakGlass bool) string {
	bg := "0"
	if breakGlass {
		bg = "1"
	}
	return accountID + "\x00" + setARN + "\x00" + bg
}

// PageEligibility is Eligibility one page at a time, in the same order
// (account, then permission set; a break-glass offer after the regular
// one): only the page is built, never the whole list. The cursor names the
// last pair of the previous page, so pages neither repeat nor skip a pair
// while the policy and the directory stay the same; if that pair is no
// longer offered, the cursor is refused and the listing must start again.
func (s *Service) PageEligibility(ctx context.Context, actor access.Actor, in EligibilityPageInput) (EligibilityPage, error) {
	limit := in.Limit
	switch {
	case limit == 0:
		limit = MaxEligibilityLimit
	case limit < 1 || limit > MaxEligibilityLimit:
		return EligibilityPage{}, access.Errorf(access.CodeInvalid, "limit %d: use 1 to %d", in.Limit, MaxEligibilityLimit)
	}
	after := ""
	if in.Cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(in.Cursor)
		if err != nil || strings.Count(string(b), "\x00") != 2 {
			return EligibilityPage{}, access.Errorf(access.CodeInvalid, "cursor %q is not one this API returned: pass next_cursor unchanged, or leave cursor out to start again", in.Cursor)
		}
		after = string(b)
	}
	var page EligibilityPage
	err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		pol, err := s.policyEngine(ctx, tx)
		if err != nil {
			return err
		}
		found := after == ""
		more := false
		for e := range pol.Eligibles(actor.UserID) {
			if !found {
				found = eligibleKey(e.Account.ID, e.PermissionSet.ARN, e.BreakGlass) == after
				continue
			}
			if len(page.Items) == limit {
				more = true
				break
			}
			if page.Items == nil {
				page.Items = make([]Eligible, 0, min(limit, 64))
			}
			page.Items = append(page.Items, Eligible{Account: e.Account, PermissionSet: e.PermissionSet, Rule: e.Rule, MaxDuration: e.MaxDuration,
				ApprovalsRequired: e.ApprovalsRequired, TicketRequired: e.TicketRequired, BreakGlass: e.BreakGlass})
		}
		if !found {
			return access.Errorf(access.CodeInvalid, "the cursor's pair is no longer offered (the policy or the directory changed since the previous page): list again without cursor")
		}
		if more {
			last := page.Items[len(page.Items)-1]
			page.Next = base64.RawURLEncoding.EncodeToString([]byte(eligibleKey(last.Account.ID, last.PermissionSet.ARN, last.BreakGlass)))
		}
		return nil
	})
	if err != nil {
		return EligibilityPage{}, fmt.Errorf("eligibility of %s: %w", actor.UserName, err)
	}
	return page, nil
}
