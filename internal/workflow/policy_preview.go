package workflow

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/store"
)

// PolicyPreview is who a draft policy document would make eligible, beside
// who the policy in effect makes eligible, computed by the policy engine on
// the synced directory without storing anything.
type PolicyPreview struct {
	Revision int            // the revision in effect, Current's
	Draft    policy.Preview // the draft's reach
	Current  policy.Preview // the policy in effect's reach
	// Problems are the draft's invalid or unresolved parts (no lines: the
	// draft may not be YAML a person wrote).
	Problems []policy.Problem
}

// previewSamples is how many names each list of a preview shows.
const previewSamples = 8

// PreviewPolicy compiles a draft YAML document against the synced directory
// and counts who it makes eligible for what, beside the policy in effect.
// Nothing is stored. Admins only.
func (s *Service) PreviewPolicy(ctx context.Context, actor access.Actor, yamlDoc []byte) (PolicyPreview, error) {
	if err := requireAdmin(actor, "preview policy changes"); err != nil {
		return PolicyPreview{}, err
	}
	src, err := policy.Parse(yamlDoc)
	if err != nil {
		return PolicyPreview{}, access.Errorf(access.CodeInvalid, "%s", err.Error())
	}
	var out PolicyPreview
	err = s.store.ReadTx(ctx, func(tx store.Tx) error {
		cur, err := s.policyEngine(ctx, tx)
		if err != nil {
			return err
		}
		if out.Revision, err = tx.PolicyRevision(ctx); err != nil {
			return fmt.Errorf("policy revision: %w", err)
		}
		draft := policy.New(src.Doc, cur.Index())
		out.Draft, out.Current = draft.Preview(previewSamples), s.currentPreview(cur)
		out.Problems = append(draft.Problems(), s.ceilingProblems(src.Doc)...)
		return nil
	})
	if err != nil {
		return PolicyPreview{}, fmt.Errorf("preview policy: %w", err)
	}
	return out, nil
}

// currentPreview is the preview of the policy in effect, computed once per
// compiled engine (policy revision and directory sync): the editor asks for
// it with every keystroke's preview.
func (s *Service) currentPreview(e *policy.Engine) policy.Preview {
	c := &s.policy
	c.mu.Lock()
	if c.previewOf == e && c.preview != nil {
		p := *c.preview
		c.mu.Unlock()
		p.Rules, p.Sample = slices.Clone(p.Rules), slices.Clone(p.Sample) // callers own their copy
		return p
	}
	c.mu.Unlock()
	p := e.Preview(previewSamples)
	c.mu.Lock()
	c.preview, c.previewOf = &p, e
	c.mu.Unlock()
	return p
}

// maxSearchResults bounds a directory search's answer.
const maxSearchResults = 50

// SearchDirectory finds users, groups, accounts, OUs or permission sets of
// the synced directory by name, id, email or description, for the policy
// editor's pickers: at most limit entries (1 to 50; 0: 20) and how many
// matched in all. Admins only: it lists every user's email.
func (s *Service) SearchDirectory(ctx context.Context, actor access.Actor, kind, q string, limit int) ([]policy.Entry, int, error) {
	if err := requireAdmin(actor, "search the directory"); err != nil {
		return nil, 0, err
	}
	switch {
	case limit == 0:
		limit = 20
	case limit < 0 || limit > maxSearchResults:
		return nil, 0, access.Errorf(access.CodeInvalid, "limit %d is out of range: ask for 1 to %d results", limit, maxSearchResults)
	}
	if len(q) > 200 {
		return nil, 0, access.Errorf(access.CodeInvalid, "the search is %d characters long: type at most 200", len(q))
	}
	var out []policy.Entry
	var total int
	err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		e, err := s.policyEngine(ctx, tx)
		if err != nil {
			return err
		}
		out, total, err = e.Index().Search(kind, q, limit)
		if err != nil {
			return access.Errorf(access.CodeInvalid, "%s", err.Error())
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("search the directory for %s %q: %w", kind, strings.TrimSpace(q), err)
	}
	return out, total, nil
}
