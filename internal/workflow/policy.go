package workflow

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/store"
)

// Policy event types.
const (
	// EventPolicyApplied records an applied policy document, with the
	// documents before and after and the plan.
	EventPolicyApplied access.EventType = "policy.applied"
	// EventBreakGlass marks a break-glass activation, for alerts and review.
	EventBreakGlass access.EventType = "request.break_glass"
)

// policyCache holds the compiled policy engine for one (policy revision,
// directory sync) pair; every replica rebuilds it when either changes in
// the database.
type policyCache struct {
	mu       sync.Mutex
	revision int
	syncedAt time.Time
	engine   *policy.Engine
	doc      *policy.Document // parsed document of revision (nil: none cached)
	docRev   int
	// preview is engine's Preview, for the policy editor (nil: not yet).
	preview   *policy.Preview
	previewOf *policy.Engine
}

// configDocument is the policy the configuration file gives: the initial
// policy while no document was applied.
func (s *Service) configDocument() policy.Document {
	st := s.settings
	return policy.Document{
		Settings: policy.Settings{MinDuration: st.MinDuration, MaxDuration: st.MaxDuration, ApprovalTimeout: st.ApprovalTimeout,
			AdminsGroup: st.AdminsGroup, AuditorsGroup: st.AuditorsGroup, TicketRequired: st.TicketRequired,
			NotificationChannels: st.NotificationChannels},
		Rules:         st.Rules,
		ApproverRules: st.ApproverRules,
	}.Normalize()
}

// policyDocument returns the document in effect and its revision (0: the
// configuration's).
func (s *Service) policyDocument(ctx context.Context, tx store.Policies) (policy.Document, int, error) {
	rev, err := tx.PolicyRevision(ctx)
	if err != nil {
		return policy.Document{}, 0, fmt.Errorf("policy revision: %w", err)
	}
	if rev == 0 {
		return s.configDocument(), 0, nil
	}
	c := &s.policy
	c.mu.Lock()
	if c.doc != nil && c.docRev == rev {
		d := *c.doc
		c.mu.Unlock()
		return d, rev, nil
	}
	c.mu.Unlock()
	sp, err := tx.GetPolicy(ctx)
	if err != nil {
		return policy.Document{}, 0, fmt.Errorf("read policy: %w", err)
	}
	src, err := policy.Parse(sp.Document)
	if err != nil {
		return policy.Document{}, 0, fmt.Errorf("stored policy revision %d: %w", sp.Revision, err)
	}
	doc := src.Doc.Normalize()
	c.mu.Lock()
	c.doc, c.docRev = &doc, sp.Revision
	c.mu.Unlock()
	return doc, sp.Revision, nil
}

// effectiveSettings returns the settings in effect: the applied document's,
// else the configuration's.
func (s *Service) effectiveSettings(ctx context.Context, tx store.Tx) (policy.Settings, error) {
	doc, _, err := s.policyDocument(ctx, tx)
	return doc.Settings, err
}

// policyEngine returns the engine for the policy and directory in effect,
// compiling it when either changed since the last call.
func (s *Service) policyEngine(ctx context.Context, tx store.Tx) (*policy.Engine, error) {
	syncedAt, err := tx.DirectorySyncedAt(ctx)
	if err != nil {
		return nil, fmt.Errorf("directory sync time: %w", err)
	}
	doc, rev, err := s.policyDocument(ctx, tx)
	if err != nil {
		return nil, err
	}
	c := &s.policy
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.engine != nil && c.revision == rev && c.syncedAt.Equal(syncedAt) {
		return c.engine, nil
	}
	dir, err := tx.DirectorySnapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("load directory: %w", err)
	}
	e := policy.New(doc, policy.NewIndex(dir))
	if ps := e.Problems(); len(ps) > 0 {
		s.log.WarnContext(ctx, "policy names what the directory does not have", "revision", rev, "problems", len(ps), "first", ps[0].String())
	}
	for _, n := range e.Limits() {
		s.log.WarnContext(ctx, "a policy rule covers what elevate, a delegated administrator, cannot grant; such requests are refused",
			"revision", rev, "rule", n.Rule, "detail", n.Message)
	}
	c.engine, c.revision, c.syncedAt = e, rev, syncedAt
	return e, nil
}

// ExplainInput is what `policy explain` asks about.
type ExplainInput struct {
	User          string // user name, email or id; empty: the actor
	Account       string
	PermissionSet string
	BreakGlass    bool
	// Ticket is checked by the rules' ticket conditions; the on-call
	// conditions are checked too (conditions.go).
	Ticket string
}

// Explain says which rules match the question and why, and who would
// approve. Admins and auditors may ask about anyone; others about themselves.
func (s *Service) Explain(ctx context.Context, actor access.Actor, in ExplainInput) (policy.Explanation, error) {
	if actor.UserID == "" {
		return policy.Explanation{}, access.Errorf(access.CodeUnauthenticated, "sign in to ask the policy")
	}
	if strings.TrimSpace(in.Account) == "" || strings.TrimSpace(in.PermissionSet) == "" {
		return policy.Explanation{}, access.Errorf(access.CodeInvalid, "account and permission_set are required")
	}
	user := strings.TrimSpace(in.User)
	if user == "" {
		user = actor.UserID
	}
	var ex policy.Explanation
	err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		e, err := s.policyEngine(ctx, tx)
		if err != nil {
			return err
		}
		ex = e.Explain(policy.Question{User: user, Account: strings.TrimSpace(in.Account), PermissionSet: strings.TrimSpace(in.PermissionSet), BreakGlass: in.BreakGlass})
		if !actor.Admin && !actor.Auditor && ex.Decision.User.ID != actor.UserID {
			return access.Errorf(access.CodeForbidden, "only admins and auditors may ask the policy about other users")
		}
		return nil
	})
	if err != nil {
		return policy.Explanation{}, fmt.Errorf("explain: %w", err)
	}
	if ex.Decision.User.ID == "" {
		return ex, nil
	}
	// Explain again with the facts of the rules' conditions, gathered
	// outside the transaction, so that it shows each condition's evidence.
	facts, err := s.gatherFacts(ctx, access.Actor{UserID: ex.Decision.User.ID}, in.Ticket)
	if err != nil || facts == nil {
		return ex, err
	}
	err = s.store.ReadTx(ctx, func(tx store.Tx) error {
		e, err := s.policyEngine(ctx, tx)
		if err != nil {
			return err
		}
		ex = e.Explain(policy.Question{User: ex.Decision.User.ID, Account: strings.TrimSpace(in.Account), PermissionSet: strings.TrimSpace(in.PermissionSet),
			BreakGlass: in.BreakGlass, Ticket: in.Ticket, Facts: facts})
		return nil
	})
	if err != nil {
		return policy.Explanation{}, fmt.Errorf("explain: %w", err)
	}
	return ex, nil
}

// PolicyPlan is the outcome of planning or applying a policy document.
type PolicyPlan struct {
	Changes  []policy.Change
	Problems []policy.Problem // invalid or unresolved parts, with lines
	// Limits name the rules that cover pairs AWS will not let elevate
	// assign; they never stop apply (such pairs are simply not eligible).
	Limits   []policy.LimitNote
	Revision int  // the revision in effect afterwards
	Applied  bool // a new revision was stored
}

func requireAdmin(actor access.Actor, what string) error {
	if actor.UserID == "" {
		return access.Errorf(access.CodeUnauthenticated, "sign in to %s", what)
	}
	if !actor.Admin {
		return access.Errorf(access.CodeForbidden, "only admins may %s", what)
	}
	return nil
}

// ExportPolicy returns the policy in effect as a YAML document, and its
// revision (0: the configuration file's initial policy). Admins only.
func (s *Service) ExportPolicy(ctx context.Context, actor access.Actor) ([]byte, int, error) {
	if err := requireAdmin(actor, "export the policy"); err != nil {
		return nil, 0, err
	}
	var out []byte
	var rev int
	err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		doc, r, err := s.policyDocument(ctx, tx)
		if err != nil {
			return err
		}
		rev = r
		out, err = policy.Marshal(doc)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("export policy: %w", err)
	}
	return out, rev, nil
}

// PlanPolicy compares a YAML document with the policy in effect. Admins only.
// force waives the problems an admin may choose to override (see
// roleProblems).
func (s *Service) PlanPolicy(ctx context.Context, actor access.Actor, yamlDoc []byte, force bool) (PolicyPlan, error) {
	if err := requireAdmin(actor, "plan policy changes"); err != nil {
		return PolicyPlan{}, err
	}
	var plan PolicyPlan
	err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		var err error
		plan, _, err = s.planPolicy(ctx, tx, yamlDoc, actor, force)
		return err
	})
	if err != nil {
		return PolicyPlan{}, fmt.Errorf("plan policy: %w", err)
	}
	return plan, nil
}

// planPolicy compares a document with the policy in effect and lists its
// problems: names the directory does not have, durations above the ceiling,
// and role changes that would lock admins or auditors out (for actor,
// unless force waives them).
func (s *Service) planPolicy(ctx context.Context, tx store.Tx, yamlDoc []byte, actor access.Actor, force bool) (PolicyPlan, policy.Document, error) {
	src, err := policy.Parse(yamlDoc)
	if err != nil {
		return PolicyPlan{}, policy.Document{}, access.Errorf(access.CodeInvalid, "%s", err.Error())
	}
	cur, rev, err := s.policyDocument(ctx, tx)
	if err != nil {
		return PolicyPlan{}, policy.Document{}, err
	}
	dir, err := tx.DirectorySnapshot(ctx)
	if err != nil {
		return PolicyPlan{}, policy.Document{}, fmt.Errorf("load directory: %w", err)
	}
	eng := policy.New(src.Doc, policy.NewIndex(dir))
	ps := append(eng.Problems(), s.ceilingProblems(src.Doc)...)
	ps = append(ps, roleProblems(dir, cur.Normalize().Settings, src.Doc.Normalize().Settings, actor, force)...)
	plan := PolicyPlan{Revision: rev, Changes: policy.Plan(cur, src.Doc), Limits: eng.Limits(), Problems: src.Locate(ps)}
	return plan, src.Doc.Normalize(), nil
}

// ApplyPolicy replaces the policy with a YAML document, atomically, when it
// is valid and every name resolves; the change is audited with the
// documents before and after. An unchanged document is a no-op. base is the
// revision the document was planned on (0: the configuration file's
// policy): when another change landed since, the apply is refused with
// conflict, in the transaction that would write it, so two admins applying
// at once can't silently undo each other. Admins only. force applies a
// change that removes the actor's own admin role or names a role group that
// is missing or empty, as long as an admin remains.
func (s *Service) ApplyPolicy(ctx context.Context, actor access.Actor, yamlDoc []byte, base int, force bool) (PolicyPlan, error) {
	if err := requireAdmin(actor, "apply a policy"); err != nil {
		return PolicyPlan{}, err
	}
	if base < 0 {
		return PolicyPlan{}, access.Errorf(access.CodeInvalid, "revision %d is negative: send the revision the plan was made against", base)
	}
	return s.applyPolicy(ctx, actor, policyApply{
		base:     base,
		conflict: "the policy changed since revision %d (now %d): plan again",
		force:    force,
		document: func(policy.Document, int) ([]byte, error) { return yamlDoc, nil },
		event: func(cur, next policy.Document, plan PolicyPlan, now time.Time) (access.Event, error) {
			before, err := policy.Marshal(cur)
			if err != nil {
				return access.Event{}, err
			}
			after, err := policy.Marshal(next)
			if err != nil {
				return access.Event{}, err
			}
			return access.Event{Type: EventPolicyApplied, Actor: actor, At: now, Details: map[string]string{
				"revision": fmt.Sprint(plan.Revision), "before": string(before), "after": string(after),
				"changes": policy.FormatPlan(plan.Changes)}}, nil
		},
	})
}

// policyApply is one change of the policy document: ApplyPolicy (a whole
// document) and UpdateSettings (its settings) share the same validation,
// revision and audit path.
type policyApply struct {
	// base is the revision the change was planned on; the apply is refused
	// when the revision in effect, read in the applying transaction, differs.
	base int
	// conflict is the message of that refusal (base, then the revision in effect).
	conflict string
	// force waives the role problems an admin may override.
	force bool
	// document returns the YAML document to apply, given the document in
	// effect and its revision (read in the applying transaction).
	document func(cur policy.Document, rev int) ([]byte, error)
	// event returns the decision-log entry of the change.
	event func(cur, next policy.Document, plan PolicyPlan, now time.Time) (access.Event, error)
	// refuse returns the error for the problems of an invalid document, or
	// nil to apply it anyway; nil refuse: every problem refuses, with its line.
	refuse func(ps []policy.Problem) error
}

// applyPolicy applies a policy change in one transaction: a new revision
// when the document is valid and differs, audited by its event.
func (s *Service) applyPolicy(ctx context.Context, actor access.Actor, ap policyApply) (PolicyPlan, error) {
	var plan PolicyPlan
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		cur, rev, err := s.policyDocument(ctx, tx)
		if err != nil {
			return err
		}
		if rev != ap.base {
			return access.Errorf(access.CodeConflict, ap.conflict, ap.base, rev)
		}
		yamlDoc, err := ap.document(cur, rev)
		if err != nil {
			return err
		}
		var next policy.Document
		plan, next, err = s.planPolicy(ctx, tx, yamlDoc, actor, ap.force)
		if err != nil {
			return err
		}
		// The plan reads the revision again: on PostgreSQL (read committed)
		// a concurrent apply may have committed in between, and writing the
		// plan on that newer revision would silently undo it.
		if plan.Revision != rev {
			return access.Errorf(access.CodeConflict, ap.conflict, ap.base, plan.Revision)
		}
		if len(plan.Problems) > 0 {
			if ap.refuse != nil {
				if err := ap.refuse(plan.Problems); err != nil {
					return err
				}
			} else {
				msgs := make([]string, len(plan.Problems))
				for i, p := range plan.Problems {
					msgs[i] = p.String()
				}
				return access.Errorf(access.CodeInvalid, "the policy was not applied: %d problem(s):\n%s", len(msgs), strings.Join(msgs, "\n"))
			}
		}
		if len(plan.Changes) == 0 {
			return nil
		}
		after, err := policy.Marshal(next)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		plan.Revision++
		if err := tx.PutPolicy(ctx, access.StoredPolicy{Revision: plan.Revision, Document: after, UpdatedAt: now, UpdatedBy: actor.UserName}); err != nil {
			return fmt.Errorf("store policy: %w", err)
		}
		plan.Applied = true
		ev, err := ap.event(cur, next, plan, now)
		if err != nil {
			return err
		}
		return s.appendEvents(ctx, tx, ev)
	})
	if errors.Is(err, store.ErrConflict) {
		return PolicyPlan{}, access.Errorf(access.CodeConflict, "another admin applied a policy at the same time: plan again")
	}
	if err != nil {
		return PolicyPlan{}, fmt.Errorf("apply policy: %w", err)
	}
	if plan.Applied {
		s.log.InfoContext(ctx, "policy applied", "revision", plan.Revision, "by", actor.UserName, "changes", len(plan.Changes))
	}
	return plan, nil
}

// ceilingProblems reports the durations of doc above the configured
// ceiling (policy.max_duration_ceiling), so no document applied through the
// API can allow longer access than the operator configured.
func (s *Service) ceilingProblems(doc policy.Document) []policy.Problem {
	ceil := s.settings.MaxDurationCeiling
	msg := func(d time.Duration) string {
		return fmt.Sprintf("%s is above the ceiling of %s (policy.max_duration_ceiling in the server configuration)", d, ceil)
	}
	var ps []policy.Problem
	if doc.Settings.MaxDuration > ceil {
		ps = append(ps, policy.Problem{Path: "settings.max_duration", Message: msg(doc.Settings.MaxDuration)})
	}
	for i, r := range doc.Rules {
		if r.MaxDuration > ceil {
			ps = append(ps, policy.Problem{Path: fmt.Sprintf("rules[%d].max_duration", i), Message: msg(r.MaxDuration)})
		}
	}
	return ps
}
