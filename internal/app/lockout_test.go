package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/config"
)

// TestAdminLockout: a typo in admins_group, a group without members and a
// change that removes the acting admin's own admin role are refused through
// the settings endpoint and policy apply, and reported by policy plan;
// force waives them only while another admin remains; `admin recover`
// (RecoverAdmin) brings a locked-out admin back, audited, and the recovered
// admin can apply a policy again.
func TestAdminLockout(t *testing.T) {
	forEachEngine(t, testAdminLockout)
}

func testAdminLockout(t *testing.T, engine func(*config.Config)) {
	env := start(t, engine) // admins: erin; approvers: bob, carol; auditors: dave
	ctx := context.Background()
	erin, bob := env.client(t, "erin"), env.client(t, "bob")
	str := func(s string) *string { return &s }

	for _, c := range []struct {
		name  string
		u     client.SettingsUpdate
		wants []string
	}{
		{"typo", client.SettingsUpdate{AdminsGroup: str("admnis")}, []string{`group "admnis" is not in the directory`, "settings.admins_group"}},
		{"auditors typo", client.SettingsUpdate{AuditorsGroup: str("auditorz")}, []string{`group "auditorz" is not in the directory`}},
		{"self-demotion", client.SettingsUpdate{AdminsGroup: str("approvers")}, []string{"removes your own admin role", "erin"}},
		{"typo forced", client.SettingsUpdate{AdminsGroup: str("admnis"), Force: true}, []string{"no admin would remain"}},
	} {
		_, err := erin.UpdateSettings(ctx, c.u)
		if apiCode(err) != "invalid_argument" {
			t.Errorf("%s: %v, want invalid_argument", c.name, err)
			continue
		}
		for _, w := range c.wants {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v, want it to say %q", c.name, err, w)
			}
		}
	}

	// policy plan reports the typo as a problem with its line; apply refuses it.
	doc, err := erin.ExportPolicy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	typo := strings.Replace(doc.Document, "admins_group: admins", "admins_group: admnis", 1)
	plan, err := erin.PlanPolicy(ctx, typo)
	if err != nil || len(plan.Problems) == 0 || plan.Problems[0].Path != "settings.admins_group" ||
		!strings.Contains(plan.Problems[0].Message, `"admnis" is not in the directory`) || plan.Problems[0].Line == 0 {
		t.Errorf("plan of the typo: %+v, %v", plan, err)
	}
	if _, err := erin.ApplyPolicy(ctx, typo, doc.Revision); apiCode(err) != "invalid_argument" || !strings.Contains(err.Error(), "admnis") {
		t.Errorf("apply of the typo: %v", err)
	}
	if me, err := erin.Me(ctx); err != nil || !me.Admin {
		t.Fatalf("erin after the refused changes: %+v, %v", me, err)
	}

	// Forced, with admins remaining (bob and carol), erin demotes herself.
	self := strings.Replace(doc.Document, "admins_group: admins", "admins_group: approvers", 1)
	if plan, err := erin.PlanPolicyDocument(ctx, client.PolicyDocument{Document: self, Force: true}); err != nil || len(plan.Problems) != 0 {
		t.Errorf("forced plan: %+v, %v", plan, err)
	}
	if plan, err := erin.ApplyPolicyDocument(ctx, client.PolicyDocument{Revision: doc.Revision, Document: self, Force: true}); err != nil || !plan.Applied {
		t.Fatalf("forced apply: %+v, %v", plan, err)
	}
	if _, err := erin.ExportPolicy(ctx); apiCode(err) != "forbidden" {
		t.Fatalf("erin after demoting herself: %v, want forbidden", err)
	}
	if me, err := bob.Me(ctx); err != nil || !me.Admin {
		t.Errorf("bob in the new admins group: %+v, %v", me, err)
	}

	// admin recover: unknown and empty users are refused; erin is recovered.
	svc := env.app.Service()
	if _, err := svc.RecoverAdmin(ctx, "nobody", "host user ops"); err == nil || !strings.Contains(err.Error(), `"nobody" is not in the directory`) {
		t.Errorf("recover nobody: %v", err)
	}
	res, err := svc.RecoverAdmin(ctx, "erin", "host user ops")
	if err != nil || !res.Changed || res.UserName != "erin" {
		t.Fatalf("recover erin: %+v, %v", res, err)
	}
	if res, err := svc.RecoverAdmin(ctx, "erin", "host user ops"); err != nil || res.Changed {
		t.Errorf("recover erin again: %+v, %v (want a no-op)", res, err)
	}
	doc, err = erin.ExportPolicy(ctx)
	if err != nil || !strings.Contains(doc.Document, "admins:\n    - erin") {
		t.Fatalf("erin after recovery: %+v, %v", doc, err)
	}
	// The recovered admin applies a policy: the admins group back to admins.
	back := strings.Replace(doc.Document, "admins_group: approvers", "admins_group: admins", 1)
	if plan, err := erin.ApplyPolicy(ctx, back, doc.Revision); err != nil || !plan.Applied {
		t.Fatalf("recovered erin applies a policy: %+v, %v", plan, err)
	}
	evs := auditEvents(t, env, "admin.recovered")
	if len(evs) != 1 || evs[0].Details["user"] != "erin" || evs[0].Actor.UserName != "host user ops" ||
		!strings.Contains(evs[0].Details["after"], "- erin") {
		t.Errorf("admin.recovered events: %+v", evs)
	}
}
