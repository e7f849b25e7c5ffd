package awsemu

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestValidateInput(t *testing.T) {
	m := newModelShapes()
	in := structShape([]string{"Id"}, map[string]*shape{
		"Id":     m.SSOAccountID,
		"Max":    m.SSOMaxResults,
		"Kind":   m.PrincipalType,
		"Flag":   &shape{kind: kindBoolean},
		"Ids":    listShape(m.ResourceID, 1, 2),
		"Member": m.MemberID,
		"Nested": structShape([]string{"Name"}, map[string]*shape{"Name": strShape("", 1, 3)}),
	})
	tests := []struct {
		name, body string
		want       []string // substrings of the violations, in order
		reason     string   // organizations reason of the first violation
	}{
		{"valid", `{"Id":"123456789012","Max":5,"Kind":"USER","Flag":true,"Ids":["` + "00000000-0000-0000-0000-000000000000" + `"],"Member":{"UserId":"00000000-0000-0000-0000-000000000000"},"Nested":{"Name":"ab"}}`, nil, ""},
		{"missing required", `{}`, []string{"Value null at 'id' failed to satisfy constraint: Member must not be null"}, "INPUT_REQUIRED"},
		{"null is absent", `{"Id":null}`, []string{"at 'id'"}, "INPUT_REQUIRED"},
		{"pattern and length", `{"Id":"12ab"}`, []string{"length greater than or equal to 12", "regular expression pattern"}, "MIN_LENGTH_EXCEEDED"},
		{"range", `{"Id":"123456789012","Max":101}`, []string{"value less than or equal to 100"}, "MAX_VALUE_EXCEEDED"},
		{"not an integer", `{"Id":"123456789012","Max":1.5}`, []string{"must be an integer"}, "INVALID_PATTERN"},
		{"wrong type", `{"Id":123456789012}`, []string{"must be a string"}, "INVALID_PATTERN"},
		{"enum", `{"Id":"123456789012","Kind":"ROBOT"}`, []string{"enum value set: [USER, GROUP]"}, "INVALID_ENUM"},
		{"boolean", `{"Id":"123456789012","Flag":"yes"}`, []string{"must be a boolean"}, "INVALID_PATTERN"},
		{"list too long and bad element", `{"Id":"123456789012","Ids":["a","b","c"]}`, []string{"length less than or equal to 2", "'ids.1.member'", "'ids.2.member'", "'ids.3.member'"}, "MAX_LENGTH_EXCEEDED"},
		{"empty union", `{"Id":"123456789012","Member":{}}`, []string{"exactly one member"}, "INVALID_PATTERN"},
		{"nested", `{"Id":"123456789012","Nested":{"Name":"abcd"}}`, []string{"at 'nested.name'"}, "MAX_LENGTH_EXCEEDED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body map[string]any
			dec := json.NewDecoder(strings.NewReader(tt.body))
			dec.UseNumber()
			if err := dec.Decode(&body); err != nil {
				t.Fatal(err)
			}
			vs := validateInput(in, body)
			msg := ""
			if len(vs) > 0 {
				msg = validationMessage(vs)
			}
			if len(tt.want) == 0 {
				if len(vs) != 0 {
					t.Fatalf("unexpected violations: %s", msg)
				}
				return
			}
			if len(vs) == 0 {
				t.Fatal("no violations")
			}
			rest := msg
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("message %q lacks %q (in order)", msg, w)
				}
				rest = rest[i+len(w):]
			}
			if vs[0].reason != tt.reason {
				t.Errorf("reason = %q, want %q", vs[0].reason, tt.reason)
			}
		})
	}
}

func TestEveryOperationHasAnInputShape(t *testing.T) {
	e, err := New(DemoSeed(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Plus the CloudTrail Lake and CloudWatch Logs query operations, whose
	// input shapes are written by hand in trail.go (no model in shared/).
	if want := len(genOperations) + len(e.trailOperations()); len(e.ops) != want {
		t.Errorf("%d operations routed, want the %d of model_gen.go and trail.go", len(e.ops), want)
	}
	for _, op := range genOperations {
		if e.ops[op.Target] == nil {
			t.Errorf("%s is in model_gen.go but has no handler", op.Target)
		}
	}
	for target, op := range e.ops {
		if op.input == nil || op.input.kind != kindStructure {
			t.Errorf("%s has no structure input shape", target)
		}
	}
}

func TestErrorStatus(t *testing.T) {
	for code, want := range map[string]int{
		"ValidationException": 400, "AccessDeniedException": 403, "ResourceNotFoundException": 404,
		"ConflictException": 409, "ServiceQuotaExceededException": 402, "ThrottlingException": 429,
		"InternalServerException": 500, "InvalidInputException": 400, "TooManyRequestsException": 429,
		"AccountNotFoundException": 404, "ServiceException": 500, "ServiceUnavailableException": 503,
		"SomethingInternalBroke": 500, "MadeUpException": 400,
	} {
		if got := errorStatus(code); got != want {
			t.Errorf("errorStatus(%s) = %d, want %d", code, got, want)
		}
	}
}
