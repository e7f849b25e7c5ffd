package metrics

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	dto "github.com/prometheus/client_model/go"
)

// answerClient answers every request through fn.
type answerClient func(r *http.Request) (*http.Response, error)

func (f answerClient) Do(r *http.Request) (*http.Response, error) { return f(r) }

// ssoClient returns an sso-admin client whose requests go to fn, counted by
// m, with no retries.
func ssoClient(m *Metrics, fn answerClient) *ssoadmin.Client {
	cfg := awssdk.Config{
		Region:       "us-east-1",
		BaseEndpoint: awssdk.String("http://aws.invalid"),
		Credentials: awssdk.CredentialsProviderFunc(func(context.Context) (awssdk.Credentials, error) {
			return awssdk.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"}, nil
		}),
		HTTPClient:       fn,
		RetryMaxAttempts: 1,
	}
	cfg.APIOptions = append(cfg.APIOptions, m.AWSCallCounter())
	return ssoadmin.NewFromConfig(cfg)
}

func answer(r *http.Request, status int, body string) *http.Response {
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/x-amz-json-1.1"}},
		Body: http.NoBody, Request: r, ContentLength: int64(len(body))}
}

// TestAWSCallOutcomeLabelsClientSideEnds checks that a call that ended
// because the caller's context did (a deadline or a cancellation) is counted
// as "deadline" or "canceled", not as "error", and that AWS's answers keep
// their labels.
func TestAWSCallOutcomeLabelsClientSideEnds(t *testing.T) {
	t.Parallel()
	m := New()
	// blocking never answers: the call ends when its context does.
	blocking := ssoClient(m, func(r *http.Request) (*http.Response, error) {
		<-r.Context().Done()
		return nil, r.Context().Err()
	})
	ok := ssoClient(m, func(r *http.Request) (*http.Response, error) {
		resp := answer(r, http.StatusOK, "{}")
		resp.Body = ioNopCloser("{}")
		return resp, nil
	})
	throttled := ssoClient(m, func(r *http.Request) (*http.Response, error) {
		body := `{"__type":"ThrottlingException","message":"Rate exceeded"}`
		resp := answer(r, http.StatusTooManyRequests, body)
		resp.Body = ioNopCloser(body)
		return resp, nil
	})
	broken := ssoClient(m, func(r *http.Request) (*http.Response, error) {
		return nil, errors.New("connection reset by peer")
	})

	in := &ssoadmin.ListInstancesInput{}
	expired, cancelExpired := context.WithTimeout(t.Context(), 0)
	defer cancelExpired()
	<-expired.Done()
	if _, err := blocking.ListInstances(expired, in); err == nil {
		t.Fatal("call with an expired context succeeded")
	}
	canceled, cancel := context.WithCancel(t.Context())
	go cancel()
	if _, err := blocking.ListInstances(canceled, in); err == nil {
		t.Fatal("call with a canceled context succeeded")
	}
	if _, err := ok.ListInstances(t.Context(), in); err != nil {
		t.Fatalf("ok call: %v", err)
	}
	if _, err := throttled.ListInstances(t.Context(), in); err == nil {
		t.Fatal("throttled call succeeded")
	}
	if _, err := broken.ListInstances(t.Context(), in); err == nil {
		t.Fatal("broken call succeeded")
	}

	for outcome, want := range map[string]float64{"deadline": 1, "canceled": 1, "ok": 1, "ThrottlingException": 1, "error": 1} {
		var got dto.Metric
		if err := m.awsCalls.WithLabelValues("SSO Admin", "ListInstances", outcome).Write(&got); err != nil {
			t.Fatal(err)
		}
		if got.GetCounter().GetValue() != want {
			t.Errorf("elevate_aws_calls_total{outcome=%q} = %g, want %g", outcome, got.GetCounter().GetValue(), want)
		}
	}
}

// TestCallOutcome covers the labels of errors that do not wrap the
// context's error but happen once it ended.
func TestCallOutcome(t *testing.T) {
	t.Parallel()
	expired, cancel := context.WithTimeout(context.Background(), 0)
	defer cancel()
	<-expired.Done()
	canceled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	opaque := errors.New("request failed")
	for _, c := range []struct {
		ctx  context.Context
		err  error
		want string
	}{
		{context.Background(), nil, "ok"},
		{context.Background(), opaque, "error"},
		{context.Background(), context.DeadlineExceeded, "deadline"},
		{context.Background(), context.Canceled, "canceled"},
		{expired, opaque, "deadline"},
		{canceled, opaque, "canceled"},
	} {
		if got := callOutcome(c.ctx, c.err); got != c.want {
			t.Errorf("callOutcome(ctx err %v, %v) = %q, want %q", c.ctx.Err(), c.err, got, c.want)
		}
	}
}

type nopBody struct{ *strings.Reader }

func (nopBody) Close() error { return nil }

func ioNopCloser(s string) nopBody { return nopBody{strings.NewReader(s)} }
