package cli

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/api"
	"github.com/elevate/elevate/internal/say/saytest"
	"github.com/elevate/elevate/internal/server"
	"github.com/elevate/elevate/internal/workflow"
)

// goldenService serves the golden fixture through the real API as alice.
type goldenService struct {
	api.Service // nil: any other call panics, so the test notices
}

const goldenToken = "elv_golden00000000000000000000"

func (goldenService) Authenticate(_ context.Context, secret string, via access.Via) (access.Actor, error) {
	if secret != goldenToken {
		return access.Actor{}, access.Errorf(access.CodeUnauthenticated, "unknown token")
	}
	return access.Actor{UserID: saytest.Alice.ID, UserName: saytest.Alice.UserName, Via: via}, nil
}

func (goldenService) GetRequest(context.Context, access.Actor, string) (*access.Request, error) {
	r := saytest.Request()
	return &r, nil
}

func (goldenService) PageRequests(context.Context, access.Actor, workflow.ListInput) (workflow.RequestPage, error) {
	r := saytest.Request()
	return workflow.RequestPage{Items: []*access.Request{&r}}, nil
}

func (goldenService) UserNames(context.Context, []string) (map[string]string, error) {
	return map[string]string{saytest.Bob.ID: saytest.Bob.UserName}, nil
}

func (goldenService) AccountNames(context.Context, []string) (map[string]string, error) {
	return saytest.Accounts(), nil
}

// runGolden runs a client command against the fixture for a reader in
// the fixture's zone, at the fixture's now.
func runGolden(t *testing.T, args ...string) string {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	ts := httptest.NewServer(server.New(server.Options{API: api.New(goldenService{}, log).WithAccessPortal(saytest.PortalURL, saytest.SSORegion),
		Logger: log}).Handler())
	t.Cleanup(ts.Close)
	var stdout, stderr clientCmdBuffer
	env := &Env{Stdout: &stdout, Stderr: &stderr, Now: func() time.Time { return saytest.Now }, Getenv: func(k string) string {
		switch k {
		case "ELEVATE_SERVER":
			return ts.URL
		case "ELEVATE_TOKEN":
			return goldenToken
		case "TZ":
			return saytest.ReaderZone
		}
		return ""
	}}
	if code := RunEnv(t.Context(), env, args); code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
	}
	return stdout.String()
}

// TestGoldenCLI: `show` and `ls` of the golden request, for a reader in
// Berlin: names, human durations, local times to the second, "in 42 min",
// and the console link and profile of active access; --utc says UTC.
func TestGoldenCLI(t *testing.T) {
	t.Parallel()
	saytest.Golden(t, "show", []byte(runGolden(t, "show", saytest.RequestID)))
	saytest.Golden(t, "show-utc", []byte(runGolden(t, "show", "--utc", saytest.RequestID)))
	saytest.Golden(t, "ls", []byte(runGolden(t, "ls")))
}
