package cli

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/integrations/integrationstest"
)

// TestDoctorChecksIntegrations: doctor checks each configured integration
// and warns about a schedule id the policy names that PagerDuty does not
// know; a refused token fails the check.
func TestDoctorChecksIntegrations(t *testing.T) {
	emu, err := awsemu.New(awsemu.DemoSeed(), awsemu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	defer srv.Close()
	t.Setenv("AWS_ENDPOINT_URL", srv.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKID")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "SECRET")
	t.Setenv("AWS_REGION", "us-east-1")
	f := integrationstest.New(t)
	f.SetSchedule("PSCHED1")
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "elevate.yaml")
	cfg := `data_dir: ` + dir + `
integrations:
  pagerduty:
    url: ` + f.ServiceURL(integrationstest.PagerDuty) + `
policy:
  rules:
    - name: oncall
      users: [alice]
      accounts: [prod]
      permission_sets: [AdministratorAccess]
      approvals: 1
      approver_groups: [approvers]
      auto_approve_if:
        on_call: {provider: pagerduty, schedule: PSCHED1}
    - name: oncall-gone
      users: [alice]
      accounts: [staging]
      permission_sets: [AdministratorAccess]
      approvals: 1
      approver_groups: [approvers]
      auto_approve_if:
        on_call: {provider: pagerduty, schedule: PGONE}
    - name: ticketed
      users: [alice]
      accounts: [dev]
      permission_sets: [PowerUserAccess]
      require:
        ticket: {system: servicenow}
`
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	token := integrationstest.PagerDutyToken
	var out, errOut bytes.Buffer
	env := &Env{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string {
		if k == "ELEVATE_INTEGRATIONS_PAGERDUTY_TOKEN" {
			return token
		}
		return ""
	}}
	if code := RunEnv(context.Background(), env, []string{"migrate", "--config", cfgPath}); code != 0 {
		t.Fatalf("migrate: exit %d: %s", code, errOut.String())
	}
	out.Reset()
	if code := RunEnv(context.Background(), env, []string{"doctor", "--config", cfgPath}); code != 0 {
		t.Fatalf("doctor: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{
		"OK    integration PagerDuty: reachable, token accepted",
		"OK    integration PagerDuty schedule PSCHED1: found",
		"WARN  integration PagerDuty schedule PGONE: unknown id",
		"WARN  integration ServiceNow table incident: the policy names it but its integration is not configured",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("doctor output lacks %q:\n%s", want, out.String())
		}
	}
	f.Down(integrationstest.PagerDuty, http.StatusUnauthorized)
	out.Reset()
	if code := RunEnv(context.Background(), env, []string{"doctor", "--config", cfgPath}); code != 1 ||
		!strings.Contains(out.String(), "FAIL  integration PagerDuty: PagerDuty answered 401 Unauthorized (check its credentials)") {
		t.Errorf("doctor with a refused token: exit %d\n%s", code, out.String())
	}
}
