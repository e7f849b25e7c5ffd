package app_test

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/base64"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/workflow"
)

var stepUpLink = regexp.MustCompile(`<a class="button approve" id="approve" href="([^"]+)"`)

// TestSAMLApproverMFA: under a rule with approver_mfa, a SAML sign-in's
// AuthnContextClassRef decides. The test IdP asserts
// PasswordProtectedTransport: with the default accepted classes that is
// not MFA, so carol's portal approval comes back to the request with the
// step-up link, whose AuthnRequest says ForceAuthn="true" and which the IdP
// answers with its login form rather than its existing session; with that
// class accepted (auth.saml.mfa_classes), her fresh sign-in approves, and
// the decision log records the SAML class and AuthnInstant.
func TestSAMLApproverMFA(t *testing.T) {
	for _, tc := range []struct {
		name    string
		classes []string
		approve bool
	}{
		{"password is not MFA by default", nil, false},
		{"password accepted by configuration", []string{"urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, idpURL := samlIdP(t)
			ln, base := listenLoopback(t)
			env := startPortalOn(t, awsemu.DemoSeed(), func(c *config.Config) {
				c.PublicURL = base
				c.Auth.SAML = config.SAML{IDPMetadataURL: idpURL + "/metadata", MFAClasses: tc.classes}
				c.Policy.Rules[0].ApproverMFA = &policy.ApproverMFA{MaxAge: 15 * time.Minute}
			}, ln)
			idpPut(t, idpURL+"/services/elevate", last(get(t, browserClient(t), base+"/auth/saml/metadata")).Body)
			idpPut(t, idpURL+"/users/carol", `{"password":"`+opPassword+`"}`)
			svc := env.app.Service()
			alice := env.actor(t, "alice")
			r, err := svc.Submit(context.Background(), alice, workflow.SubmitInput{AccountIDs: []string{"prod"}, PermissionSet: "AdministratorAccess",
				Duration: time.Hour, Justification: "INC-3"})
			if err != nil {
				t.Fatal(err)
			}

			c := browserClient(t)
			acs, resp := samlSignIn(t, c, base, idpURL, "carol")
			if h := postForm(t, c, acs, resp); h[0].Resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("ACS: %s %.500s", h[0].Resp.Status, h[0].Body)
			}
			hops := postForm(t, c, base+"/requests/"+r.ID+"/approve", url.Values{"comment": {"ok"}})
			got, err := svc.GetRequest(context.Background(), alice, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if tc.approve {
				if got.ApprovalCount() != 1 {
					t.Fatalf("carol's approval with an accepted class: %s; ended at %s %.300s", got.Status, last(hops).URL, last(hops).Body)
				}
				evs, err := svc.RequestEvents(context.Background(), alice, r.ID)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range evs {
					if e.Type == access.EventApproved && (e.Details["mfa_method"] != "saml" || !strings.HasSuffix(e.Details["mfa_context"], ":PasswordProtectedTransport") || e.Details["mfa_at"] == "") {
						t.Errorf("approval's log details %v: want the SAML class and AuthnInstant", e.Details)
					}
				}
				return
			}
			if got.ApprovalCount() != 0 || hops[0].Resp.StatusCode != http.StatusSeeOther || hops[0].Resp.Header.Get("Location") != "/requests/"+r.ID+"?msg=stepup" {
				t.Fatalf("carol's approval without MFA: %d approvals, %s to %q", got.ApprovalCount(), hops[0].Resp.Status, hops[0].Resp.Header.Get("Location"))
			}
			page := last(hops)
			m := stepUpLink.FindStringSubmatch(page.Body)
			if m == nil || !strings.Contains(page.Body, "needs a fresh sign-in with multi-factor authentication") {
				t.Fatalf("no step-up link on the request's page: %.2000s", page.Body)
			}
			link := html.UnescapeString(m[1])
			if link != "/auth/saml/login?max_age=900&next=%2Frequests%2F"+r.ID+"%3Fmsg%3Dmfa" {
				t.Fatalf("step-up link %q", link)
			}
			step := get(t, c, base+link)
			loc, err := url.Parse(step[0].Resp.Header.Get("Location"))
			if err != nil || step[0].Resp.StatusCode != http.StatusFound {
				t.Fatalf("step-up start: %s to %q", step[0].Resp.Status, step[0].Resp.Header.Get("Location"))
			}
			raw, err := base64.StdEncoding.DecodeString(loc.Query().Get("SAMLRequest"))
			if err != nil {
				t.Fatal(err)
			}
			xml, err := io.ReadAll(flate.NewReader(bytes.NewReader(raw)))
			if err != nil || !strings.Contains(string(xml), `ForceAuthn="true"`) {
				t.Fatalf("step-up AuthnRequest without ForceAuthn: %v %s", err, xml)
			}
			// The IdP has carol's session, yet asks her to sign in again.
			if b := last(step).Body; !strings.Contains(b, `name="password"`) || strings.Contains(b, "SAMLResponse") {
				t.Fatalf("the IdP did not ask for a new sign-in: %.600s", b)
			}
		})
	}
}
