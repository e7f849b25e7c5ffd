package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/workflow"
)

type runView struct {
	Name  string
	Found bool
	S     access.RunStatus
}

// Summary is the run's counts in a few words: what a directory sync saw and
// wrote, what a reconciliation checked and found. Every count is still on
// the page, folded.
func (v runView) Summary() string {
	c := v.S.Counts
	if len(c) == 0 {
		return ""
	}
	if v.S.Kind == access.RunReconcile {
		return fmt.Sprintf("%d assignments checked: %d missing, %d removed, %d repaired, %d errors",
			c["pairs"], c["missing"], c["removed"], c["repaired"], c["errors"])
	}
	var parts []string
	for _, k := range access.DirectoryKinds {
		if n, ok := c[k]; ok {
			label := strings.ReplaceAll(k, "_", " ")
			if k == "ous" {
				label = "OUs"
			}
			parts = append(parts, fmt.Sprintf("%d %s", n, label))
		}
	}
	return strings.Join(parts, ", ") + fmt.Sprintf("; %d changes written", c["writes"])
}

type adminData struct {
	Policy   string
	Revision int
	Runs     []runView
	Q        workflow.ExplainInput
	Explain  *policy.Explanation
	ExplErr  string
	// ManagedAsCode: the policy is edited only as code (no portal editor).
	ManagedAsCode bool
	// Sync is the directory sync's status from SyncControl (admin_sync.go).
	Sync *syncView
	// Denies are the statements ending revoked users' open sessions that
	// are not yet removed.
	Denies []access.SessionDeny
}

// adminPage serves GET /admin: the policy (read-only: it is managed as
// code with `elevate policy apply`), sync and reconciliation status, and
// explain. Admins only.
func (p *Portal) adminPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if !actor.Admin {
		return access.Errorf(access.CodeForbidden, "Only admins may see the admin pages.")
	}
	doc, rev, err := p.o.Service.ExportPolicy(r.Context(), actor)
	if err != nil {
		return err
	}
	d := adminData{Policy: string(doc), Revision: rev, ManagedAsCode: p.o.PolicyManagedAsCode}
	for _, k := range []struct{ kind, name string }{{access.RunDirectorySync, "Directory sync"}, {access.RunReconcile, "Reconciliation"},
		{access.RunDirectoryEvents, "Last directory event"}} {
		st, found, err := p.o.Service.RunStatus(r.Context(), k.kind)
		if err != nil {
			return err
		}
		if !found && k.kind == access.RunDirectoryEvents {
			continue // no events queue, or no event yet
		}
		d.Runs = append(d.Runs, runView{Name: k.name, Found: found, S: st})
	}
	if d.Denies, err = p.o.Service.PendingSessionDenies(r.Context(), actor); err != nil {
		return err
	}
	if d.Sync, err = p.syncCard(r, actor); err != nil {
		return err
	}
	if d.Sync != nil { // the same status as GET /api/v1/admin/sync
		d.Runs[0] = runView{Name: "Directory sync", Found: d.Sync.S.Found, S: d.Sync.S.Last}
	}
	q := r.URL.Query()
	d.Q = workflow.ExplainInput{User: strings.TrimSpace(q.Get("user")), Account: strings.TrimSpace(q.Get("account")), PermissionSet: strings.TrimSpace(q.Get("permission_set"))}
	if d.Q.Account != "" || d.Q.PermissionSet != "" {
		ex, err := p.o.Service.Explain(r.Context(), actor, d.Q)
		if err != nil {
			d.ExplErr = p.message(r, err)
		} else {
			d.Explain = &ex
		}
	}
	p.render(w, http.StatusOK, "admin", view{Title: "Admin", Nav: "admin", Actor: actor, SignedIn: true, D: d})
	return nil
}
