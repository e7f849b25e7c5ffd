package anchor_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/anchor"
	"github.com/elevate/elevate/internal/audit"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/notify/webhook"
	"github.com/elevate/elevate/internal/workflow"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// testAnchor is a signed anchor of a chain of n entries.
func testAnchor(n int64) audit.Anchor {
	var prev []byte
	a := audit.Anchor{Hashes: map[int64][]byte{}}
	for seq := int64(1); seq <= n; seq++ {
		_, _, h := access.ChainLink(seq-1, prev, access.Event{Type: access.EventSubmitted, RequestID: "r", At: t0})
		a.Hashes[seq], prev = h, h
	}
	a.Checkpoint = access.Checkpoint{Seq: n, Hash: prev, Count: n, At: t0.Add(time.Duration(n) * time.Minute), Kind: audit.KindAnchor}
	audit.Sign(&a.Checkpoint, ed25519.NewKeyFromSeed(make([]byte, 32)))
	return a
}

// The sinks that verify reads from can be read; the webhook can't.
var (
	_ workflow.AnchorReader = anchor.Dir{}
	_ workflow.AnchorReader = anchor.S3{}
	_ workflow.AnchorSink   = anchor.Webhook{}
)

// TestS3Sink publishes anchors to the emulated S3 through the real SDK:
// each is an object locked in compliance mode until the retention ends,
// written once, and read back whole.
func TestS3Sink(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	emu, err := awsemu.New(awsemu.DemoSeed(), awsemu.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	if err := emu.CreateBucket("audit-anchors", true); err != nil {
		t.Fatal(err)
	}
	client := s3.New(s3.Options{BaseEndpoint: aws.String(srv.URL), UsePathStyle: true, Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""), Retryer: aws.NopRetryer{}})
	sink := anchor.S3{Client: client, Bucket: "audit-anchors", Prefix: "prod/", Retention: 400 * 24 * time.Hour, Now: func() time.Time { return t0 }}
	if last, err := sink.LastSeq(ctx); err != nil || last != 0 {
		t.Fatalf("LastSeq of an empty sink = %d, %v", last, err)
	}
	for _, n := range []int64{3, 5} {
		if err := sink.Publish(ctx, testAnchor(n)); err != nil {
			t.Fatal(err)
		}
	}
	var ae smithy.APIError
	if err := sink.Publish(ctx, testAnchor(5)); !errors.As(err, &ae) || ae.ErrorCode() != "PreconditionFailed" {
		t.Errorf("publishing the same anchor twice: %v, want PreconditionFailed (never a second version)", err)
	}
	key := fmt.Sprintf("prod/anchor-%020d-%d.json", 5, testAnchor(5).Checkpoint.At.UnixMicro())
	vs := emu.S3ObjectVersions("audit-anchors", key)
	if len(vs) != 1 || vs[0].LockMode != "COMPLIANCE" || !vs[0].RetainUntil.Equal(t0.Add(400*24*time.Hour)) {
		t.Fatalf("object %s = %+v, want one version locked in compliance mode for 400 days", key, vs)
	}
	if last, err := sink.LastSeq(ctx); err != nil || last != 5 {
		t.Errorf("LastSeq = %d, %v; want 5", last, err)
	}
	got, err := sink.Anchors(ctx)
	if err != nil || len(got) != 2 || len(got[1].Hashes) != 5 || got[1].Checkpoint.Seq != 5 {
		t.Fatalf("Anchors = %+v, %v", got, err)
	}
	if err := audit.CheckSignature(got[1].Checkpoint, nil); err != nil {
		t.Errorf("the anchor read back: %v", err)
	}
	// A bucket without Object Lock can't keep an anchor locked: refused.
	if err := emu.CreateBucket("plain", false); err != nil {
		t.Fatal(err)
	}
	plain := sink
	plain.Bucket = "plain"
	if err := plain.Publish(ctx, testAnchor(3)); !errors.As(err, &ae) || ae.ErrorCode() != "InvalidRequest" {
		t.Errorf("publishing to a bucket without Object Lock: %v, want InvalidRequest", err)
	}
}

// TestWebhookSink: the receiver gets each anchor, signed with the webhook
// secret as notifications are.
func TestWebhookSink(t *testing.T) {
	t.Parallel()
	got := make(chan *http.Request, 1)
	bodies := make(chan []byte, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r
		bodies <- b
	}))
	t.Cleanup(srv.Close)
	sink := anchor.Webhook{URL: srv.URL + "/anchors?token=x", Secret: "s3cret", Now: func() time.Time { return t0 }}
	if sink.Name() != "webhook "+srv.URL+"/anchors" {
		t.Errorf("Name = %q, want the URL without its query", sink.Name())
	}
	if err := sink.Publish(context.Background(), testAnchor(4)); err != nil {
		t.Fatal(err)
	}
	r, b := <-got, <-bodies
	if err := webhook.Verify("s3cret", r.Header.Get(webhook.HeaderTimestamp), r.Header.Get(webhook.HeaderSignature), b, t0, time.Minute); err != nil {
		t.Errorf("signature: %v", err)
	}
	if r.Header.Get(webhook.HeaderEvent) != anchor.EventAnchor {
		t.Errorf("event header = %q", r.Header.Get(webhook.HeaderEvent))
	}
	a, err := audit.UnmarshalAnchor(b)
	if err != nil || a.Checkpoint.Seq != 4 || len(a.Hashes) != 4 {
		t.Errorf("delivered anchor = %+v, %v", a, err)
	}
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusInternalServerError) }))
	t.Cleanup(failing.Close)
	if err := (anchor.Webhook{URL: failing.URL, Secret: "s"}).Publish(context.Background(), testAnchor(1)); err == nil {
		t.Error("a 500 from the receiver was not an error")
	}
}

// TestDirSinkLastSeq reads the highest seq from the files' names.
func TestDirSinkLastSeq(t *testing.T) {
	t.Parallel()
	d := anchor.Dir{Path: t.TempDir()}
	for _, n := range []int64{2, 11} {
		if err := d.Publish(context.Background(), testAnchor(n)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(d.Path, "README"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if last, err := d.LastSeq(context.Background()); err != nil || last != 11 {
		t.Errorf("LastSeq = %d, %v; want 11", last, err)
	}
}
