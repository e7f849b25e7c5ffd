package awsemu

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
)

func adminDo(t *testing.T, method, url, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, raw
}

func TestAdminEndpoint(t *testing.T) {
	f := newFixture(t, nil, Options{})
	ctx := context.Background()

	code, body := adminDo(t, http.MethodPost, f.url+"/_emulator/faults", `{"op":"ListPermissionSets","throttle_rate":1,"latency_ms":0}`)
	if code != http.StatusOK || !strings.Contains(string(body), `"throttle_rate":1`) {
		t.Fatalf("POST faults: %d %s", code, body)
	}
	_ = requireErrorAs[*types.ThrottlingException](t, f.listPS(ctx))

	for _, bad := range []string{`{"throttle_rate":0.5}`, `{"op":"X","throttle_rate":2}`, `{"op":"X","bogus":1}`, `{"op":"X","latency":"soon"}`} {
		if code, body := adminDo(t, http.MethodPost, f.url+"/_emulator/faults", bad); code != http.StatusBadRequest {
			t.Errorf("POST %s: %d %s", bad, code, body)
		}
	}

	code, body = adminDo(t, http.MethodGet, f.url+"/_emulator/stats", "")
	var st Stats
	if code != http.StatusOK || json.Unmarshal(body, &st) != nil || st.Throttled != 1 || st.Calls["ListPermissionSets"] != 1 {
		t.Fatalf("GET stats: %d %s", code, body)
	}

	if code, _ := adminDo(t, http.MethodDelete, f.url+"/_emulator/faults", ""); code != http.StatusNoContent {
		t.Fatalf("DELETE faults: %d", code)
	}
	if err := f.listPS(ctx); err != nil {
		t.Fatal(err)
	}

	code, body = adminDo(t, http.MethodGet, f.url+"/_emulator/assignments", "")
	var as []assignmentJSON
	if code != http.StatusOK || json.Unmarshal(body, &as) != nil || len(as) != 3 || as[0].PrincipalType != "GROUP" || as[0].AccountID == "" {
		t.Fatalf("GET assignments: %d %s", code, body)
	}

	if code, _ := adminDo(t, http.MethodGet, f.url+"/_emulator/nope", ""); code != http.StatusNotFound {
		t.Errorf("unknown admin path: %d", code)
	}
	if code, _ := adminDo(t, http.MethodPut, f.url+"/_emulator/stats", ""); code != http.StatusMethodNotAllowed {
		t.Errorf("PUT stats: %d", code)
	}
}
