package workflow

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/store"
)

// EventBreakGlassReviewed records the after-the-fact review of a
// break-glass request, with the reviewer's comment.
const EventBreakGlassReviewed access.EventType = "request.break_glass_reviewed"

// BreakGlassUse is one break-glass request and its review.
type BreakGlassUse = access.BreakGlassUse

// checkBreakGlassStart refuses a break-glass request for later: it is for
// emergencies, and activates at once.
func checkBreakGlassStart(in SubmitInput, now time.Time) error {
	if in.BreakGlass && in.StartAt.After(now) {
		return access.Errorf(access.CodeInvalid, "a break-glass request is active at once: leave start out")
	}
	return nil
}

// breakGlassRefusal says why a break-glass request is refused, and points
// to the ordinary way when a rule allows the same access with approval.
func breakGlassRefusal(pol *policy.Engine, actor access.Actor, a access.Account, ps access.PermissionSet, d policy.Decision) error {
	msg := d.Reason
	if od := pol.Decide(policy.Question{User: actor.UserID, Account: a.ID, PermissionSet: ps.ARN}); od.Allowed {
		msg = fmt.Sprintf("%s; rule %s does not allow break-glass: request it without break_glass (%d approval(s) needed)",
			d.Reason, od.Rule, od.ApprovalsRequired)
	}
	return access.Errorf(access.CodeNotEligible, "%s", msg)
}

// reviewerIDs returns the user ids of a break-glass decision's reviewers.
func reviewerIDs(d policy.Decision) []string {
	ids := make([]string, len(d.Reviewers))
	for i, a := range d.Reviewers {
		ids[i] = a.UserID
	}
	return ids
}

// recordBreakGlass marks a new break-glass request for review, in the
// request's transaction.
func recordBreakGlass(ctx context.Context, tx store.BreakGlass, r access.Request) error {
	err := tx.CreateBreakGlass(ctx, access.BreakGlassUse{RequestID: r.ID, RequesterID: r.RequesterID, RequesterName: r.RequesterName,
		Rule: r.Rule, PermissionSetName: r.PermissionSetName, AccountIDs: r.AccountIDs(), Justification: r.Justification, At: r.CreatedAt})
	if err != nil {
		return fmt.Errorf("record break-glass use: %w", err)
	}
	return nil
}

// ReviewBreakGlass records the review of a break-glass request, with a
// comment, audited in the same transaction. An approver of the request or
// an admin may review it; the requester never.
func (s *Service) ReviewBreakGlass(ctx context.Context, actor access.Actor, id, comment string) (BreakGlassUse, error) {
	if actor.UserID == "" {
		return BreakGlassUse{}, access.Errorf(access.CodeUnauthenticated, "sign in to review break-glass use")
	}
	comment = strings.TrimSpace(comment)
	if comment == "" {
		return BreakGlassUse{}, access.Errorf(access.CodeInvalid, "comment is empty: say what you checked about this break-glass use")
	}
	if _, err := access.CleanText("comment", comment, true); err != nil {
		return BreakGlassUse{}, err
	}
	if utf8.RuneCountInString(comment) > access.MaxCommentLen {
		return BreakGlassUse{}, access.Errorf(access.CodeInvalid, "comment is longer than %d characters", access.MaxCommentLen)
	}
	var out BreakGlassUse
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		r, err := tx.FindRequestByID(ctx, id)
		if err != nil {
			return notFound(err, "request %s does not exist", id)
		}
		if !r.VisibleTo(actor) {
			return access.Errorf(access.CodeNotFound, "request %s does not exist", id)
		}
		u, err := tx.FindBreakGlass(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return access.Errorf(access.CodeInvalid, "request %s was not break-glass: there is nothing to review", id)
		}
		if err != nil {
			return err
		}
		switch {
		case actor.UserID == r.RequesterID:
			return access.Errorf(access.CodeSelfApproval, "you can't review your own break-glass use: an approver or an admin reviews it")
		case !r.IsApprover(actor.UserID) && !actor.Admin:
			return access.Errorf(access.CodeForbidden, "only the request's approvers and admins may review break-glass use")
		case u.Reviewed():
			return access.Errorf(access.CodeAlreadyDecided, "request %s was reviewed by %s at %s", id, u.ReviewedBy,
				u.ReviewedAt.UTC().Format(time.RFC3339))
		}
		now := s.clock.Now()
		rv := access.BreakGlassReview{RequestID: id, ReviewerID: actor.UserID, ReviewedBy: actor.UserName, At: now, Comment: comment}
		if err := tx.ReviewBreakGlass(ctx, rv); err != nil {
			return fmt.Errorf("record review: %w", err)
		}
		if err := s.appendEvents(ctx, tx, access.Event{Type: EventBreakGlassReviewed, RequestID: id, Actor: actor, At: now,
			Details: map[string]string{"comment": comment, "rule": u.Rule, "requester": u.RequesterName}}); err != nil {
			return err
		}
		u.ReviewerID, u.ReviewedBy, u.ReviewedAt, u.ReviewComment = rv.ReviewerID, rv.ReviewedBy, rv.At.UTC(), rv.Comment
		out = u
		return nil
	})
	if errors.Is(err, store.ErrConflict) {
		return BreakGlassUse{}, access.Errorf(access.CodeAlreadyDecided, "request %s was reviewed by someone else at the same time", id)
	}
	if err != nil {
		return BreakGlassUse{}, fmt.Errorf("review break-glass request %s: %w", id, err)
	}
	s.log.InfoContext(ctx, "break-glass reviewed", "request_id", id, "reviewer", actor.UserName, "via", actor.Via)
	return out, nil
}

// ListBreakGlass lists break-glass use, newest first; only the unreviewed
// when asked. Admins and auditors only.
func (s *Service) ListBreakGlass(ctx context.Context, actor access.Actor, unreviewed bool, limit int) ([]BreakGlassUse, error) {
	if actor.UserID == "" {
		return nil, access.Errorf(access.CodeUnauthenticated, "sign in to list break-glass use")
	}
	if !actor.Admin && !actor.Auditor {
		return nil, access.Errorf(access.CodeForbidden, "only admins and auditors may list break-glass use")
	}
	if limit < 0 || limit > 1000 {
		return nil, access.Errorf(access.CodeInvalid, "limit %d is out of range: use 1 to 1000", limit)
	}
	var out []BreakGlassUse
	err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.ListBreakGlass(ctx, access.BreakGlassFilter{Unreviewed: unreviewed, Limit: limit})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list break-glass use: %w", err)
	}
	return out, nil
}
