package workflow

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"sync"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/store"
)

// ContextSource gathers the facts rules' conditions name: whether a user
// is on call in a rota, and a ticket's state. It never fails: a fact it
// could not gather carries the reason in its Err, and the policy treats it
// as unknown. It is called outside any store transaction, and bounds its
// own calls (integrations.Source satisfies it).
type ContextSource interface {
	OnCall(ctx context.Context, src policy.OnCallSource, user access.User) policy.OnCallFact
	Ticket(ctx context.Context, src policy.TicketSource, key string) policy.TicketFact
}

// ConditionObserver receives the outcome of every condition evaluated for
// a request (for metrics); an Observer may implement it.
type ConditionObserver interface {
	// ObserveCondition counts one condition: use is require or
	// auto_approve_if, outcome true, false or unknown.
	ObserveCondition(use, outcome string)
}

// EventRefusedByCondition records a request refused because a rule's
// require conditions did not hold or could not be checked: there is no
// request, so the refusal is its own entry of the decision log.
const EventRefusedByCondition access.EventType = "request.refused_by_condition"

// ticketEndComment starts the comment of an end because the ticket closed.
const ticketEndComment = "the request's ticket no longer meets the rule's ticket condition"

// gatherFacts gathers, outside any transaction, the facts the conditions
// of the rules that could apply to the actor name. Without a context
// source, or when no rule has conditions, it returns nil (every condition
// is then unknown, so nothing is auto-approved).
func (s *Service) gatherFacts(ctx context.Context, actor access.Actor, ticket string) (*policy.Facts, error) {
	if s.ctxSrc == nil {
		return nil, nil
	}
	var needs policy.Needs
	var user access.User
	err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		pol, err := s.policyEngine(ctx, tx)
		if err != nil {
			return err
		}
		needs = pol.Needs(policy.Question{User: actor.UserID})
		if needs.Empty() {
			return nil
		}
		user, err = tx.FindUserByID(ctx, actor.UserID)
		if err != nil {
			return fmt.Errorf("find requester %s: %w", actor.UserID, err)
		}
		return nil
	})
	if err != nil || needs.Empty() {
		return nil, err
	}
	return s.gather(ctx, needs, user, ticket), nil
}

// gather asks the context source for every fact, concurrently.
func (s *Service) gather(ctx context.Context, needs policy.Needs, user access.User, ticket string) *policy.Facts {
	f := &policy.Facts{OnCall: map[policy.OnCallSource]policy.OnCallFact{}, Tickets: map[policy.TicketSource]policy.TicketFact{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, src := range needs.OnCall {
		wg.Go(func() {
			fact := s.ctxSrc.OnCall(ctx, src, user)
			mu.Lock()
			f.OnCall[src] = fact
			mu.Unlock()
		})
	}
	if strings.TrimSpace(ticket) != "" {
		for _, src := range needs.Tickets {
			wg.Go(func() {
				fact := s.ctxSrc.Ticket(ctx, src, strings.TrimSpace(ticket))
				mu.Lock()
				f.Tickets[src] = fact
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	return f
}

// observeConditions counts the outcomes of a decision's conditions.
func (s *Service) observeConditions(rs []policy.ConditionResult) {
	co, ok := s.obs.(ConditionObserver)
	if !ok {
		return
	}
	for _, c := range rs {
		co.ObserveCondition(c.Use, string(c.Outcome))
	}
}

// conditionDetails are the decision-log details of a decision's
// conditions: each with its outcome and evidence, whether the request was
// auto-approved, and why auto-approval was not used.
func conditionDetails(m map[string]string, d policy.Decision) map[string]string {
	if len(d.Conditions) == 0 {
		return m
	}
	lines := make([]string, len(d.Conditions))
	for i, c := range d.Conditions {
		lines[i] = c.String()
	}
	m = withDetail(m, "conditions", strings.Join(lines, "\n"))
	if d.AutoApproved {
		m = withDetail(m, "auto_approved", "true")
	}
	if d.AutoApproveUnknown != "" {
		m = withDetail(m, "auto_approve_fallback", d.AutoApproveUnknown)
	}
	return m
}

// ticketDetails are the decision-log details of the ticket as its system
// reported it: the approvers see its title and link.
func ticketDetails(m map[string]string, f *policy.Facts) map[string]string {
	if f == nil {
		return m
	}
	for _, t := range f.Tickets {
		if t.Found {
			m = withDetail(m, "ticket_title", t.Title)
			m = withDetail(m, "ticket_url", t.URL)
			m = withDetail(m, "ticket_status", t.Status)
		}
	}
	return m
}

// recordRefusal writes a refusal by a rule's conditions to the decision
// log in its own transaction (the request's was rolled back).
func (s *Service) recordRefusal(ctx context.Context, actor access.Actor, in SubmitInput, reason string, rs []policy.ConditionResult) {
	lines := make([]string, len(rs))
	for i, c := range rs {
		lines[i] = c.String()
	}
	ev := access.Event{Type: EventRefusedByCondition, Actor: actor, At: s.clock.Now(), Details: map[string]string{
		"permission_set": in.PermissionSet, "accounts": strings.Join(in.AccountIDs, ","), "ticket": in.Ticket,
		"reason": reason, "conditions": strings.Join(lines, "\n")}}
	err := s.store.InTx(ctx, func(tx store.Tx) error { return s.appendEvents(ctx, tx, ev) })
	if err != nil {
		s.log.ErrorContext(ctx, "record a refusal by conditions", "error", err)
	}
}

// ticketRuleOf returns the ticket condition of the request's rules (a
// request over several accounts may name several rules, comma-separated)
// and whether access ends when the ticket closes.
func ticketRuleOf(pol *policy.Engine, rules string) (*policy.TicketCondition, bool) {
	for _, name := range strings.Split(rules, ",") {
		if tc, end := pol.TicketConditionOf(strings.TrimSpace(name)); tc != nil {
			return tc, end
		}
	}
	return nil, false
}

// ticketCheck re-checks a request's ticket against its rule's ticket
// condition; ok is false when the condition no longer holds (unknown
// holds: access is not cut off because a ticket system is down).
type ticketCheck struct {
	outcome  policy.Outcome
	evidence string
	end      bool // the rule ends access when the ticket closes
	checked  bool // the rule has a ticket condition
}

func (s *Service) checkTicket(ctx context.Context, r access.Request) (ticketCheck, error) {
	if s.ctxSrc == nil || r.Ticket == "" {
		return ticketCheck{}, nil
	}
	var tc *policy.TicketCondition
	var end bool
	var email string
	err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		pol, err := s.policyEngine(ctx, tx)
		if err != nil {
			return err
		}
		tc, end = ticketRuleOf(pol, r.Rule)
		if tc == nil {
			return nil
		}
		u, err := tx.FindUserByID(ctx, r.RequesterID)
		if err != nil {
			return fmt.Errorf("find requester %s: %w", r.RequesterID, err)
		}
		email = u.Email
		return nil
	})
	if err != nil || tc == nil {
		return ticketCheck{}, err
	}
	fact := s.ctxSrc.Ticket(ctx, tc.Source(), r.Ticket)
	o, ev := policy.EvalTicket(tc, r.Ticket, &fact, email)
	s.observeConditions([]policy.ConditionResult{{Use: "ticket_recheck", Outcome: o}})
	return ticketCheck{outcome: o, evidence: ev, end: end, checked: true}, nil
}

// EndClosedTickets ends the active requests whose rule says
// end_when_ticket_closes and whose ticket no longer meets the rule's
// ticket condition (closed, gone): as elevate, with the reason in the
// decision log, the requester told by the end's notification. A ticket
// that cannot be checked leaves the access as it is. The sweep calls it,
// so the check interval is the sweep's.
func (s *Service) EndClosedTickets(ctx context.Context) ([]string, error) {
	if s.ctxSrc == nil {
		return nil, nil
	}
	var active []access.Request
	err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		pol, err := s.policyEngine(ctx, tx)
		if err != nil || !pol.EndsWithTickets() {
			return err
		}
		reqs, err := tx.ListRequests(ctx, access.RequestFilter{Statuses: []access.Status{access.StatusActive}, Limit: 1000})
		if err != nil {
			return fmt.Errorf("list active requests: %w", err)
		}
		for _, r := range reqs {
			if _, end := ticketRuleOf(pol, r.Rule); end && r.Ticket != "" && !r.EndRequested() {
				active = append(active, *r)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("end access of closed tickets: %w", err)
	}
	var ended []string
	for _, r := range active {
		c, err := s.checkTicket(ctx, r)
		if err != nil {
			return ended, err
		}
		if c.outcome == policy.Unknown {
			s.log.WarnContext(ctx, "ticket check unknown: access kept", "request_id", r.ID, "reason", c.evidence)
		}
		if !c.checked || !c.end || c.outcome != policy.False {
			continue
		}
		ok, err := s.endForTicket(ctx, r.ID, c.evidence)
		if err != nil {
			return ended, err
		}
		if ok {
			ended = append(ended, r.ID)
		}
	}
	return ended, nil
}

// endForTicket ends one active request because its ticket closed.
func (s *Service) endForTicket(ctx context.Context, id, evidence string) (bool, error) {
	acted := false
	err := s.retryConflicts(ctx, func(tx store.Tx) error {
		acted = false
		r, err := tx.FindRequestByID(ctx, id)
		if err != nil {
			return fmt.Errorf("find request: %w", err)
		}
		if r.Status != access.StatusActive || r.EndRequested() {
			return nil
		}
		next, ev, err := r.End(directoryActor, ticketEndComment+": "+evidence, s.clock.Now())
		if err != nil {
			return err
		}
		ev.Details = withDetail(ev.Details, "reason", "ticket_closed")
		if err := tx.UpdateRequest(ctx, &next); err != nil {
			return fmt.Errorf("update request: %w", err)
		}
		if err := s.appendEvents(ctx, tx, ev); err != nil {
			return err
		}
		if err := s.revokeNow(ctx, tx, next); err != nil {
			return err
		}
		acted = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("end request %s whose ticket closed: %w", id, err)
	}
	if acted {
		s.log.InfoContext(ctx, "access ended: its ticket closed", "request_id", id)
	}
	return acted, nil
}

// cancelForTicket cancels a scheduled request whose ticket no longer meets
// its rule's condition when its access is about to start.
func (s *Service) cancelForTicket(ctx context.Context, id, evidence string) error {
	err := s.retryConflicts(ctx, func(tx store.Tx) error {
		r, err := tx.FindRequestByID(ctx, id)
		if err != nil {
			return fmt.Errorf("find request: %w", err)
		}
		if r.Status != access.StatusScheduled {
			return nil
		}
		next, ev, err := r.Cancel(directoryActor, "at activation, "+ticketEndComment+": "+evidence, s.clock.Now())
		if err != nil {
			return err
		}
		ev.Details = withDetail(ev.Details, "reason", "ticket_closed")
		if err := tx.UpdateRequest(ctx, &next); err != nil {
			return fmt.Errorf("update request: %w", err)
		}
		if err := s.appendEvents(ctx, tx, ev); err != nil {
			return err
		}
		return s.scheduleFollowUp(ctx, tx, next)
	})
	if err != nil {
		return fmt.Errorf("cancel request %s whose ticket closed: %w", id, err)
	}
	return nil
}

// DirectoryAttributes returns the actor's directory attributes as last
// synced (core and enterprise extension), with the manager's user id
// replaced by their user name when known: what rules' user conditions see.
func (s *Service) DirectoryAttributes(ctx context.Context, actor access.Actor) (map[string]string, error) {
	if actor.UserID == "" {
		return nil, access.Errorf(access.CodeUnauthenticated, "sign in to see your directory attributes")
	}
	var out map[string]string
	err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		u, err := tx.FindUserByID(ctx, actor.UserID)
		if err != nil {
			return fmt.Errorf("find user %s: %w", actor.UserID, err)
		}
		out = maps.Clone(u.Attributes)
		if id := out["manager"]; id != "" {
			if m, err := tx.FindUserByID(ctx, id); err == nil {
				out["manager"] = m.UserName
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("directory attributes of %s: %w", actor.UserName, err)
	}
	return out, nil
}
