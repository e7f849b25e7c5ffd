package awsemu

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// s3Fixture is an emulator serving S3 over HTTP and a real SDK client
// pointed at it, path-style.
func s3Fixture(t *testing.T, opt ...func(*s3.Options)) (*Emulator, *s3.Client, *fakeClock) {
	t.Helper()
	clock := newFakeClock()
	emu, err := New(DemoSeed(), Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	client := s3.New(s3.Options{
		BaseEndpoint: aws.String(srv.URL), UsePathStyle: true, Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		Retryer:     aws.NopRetryer{},
	}, opt...)
	return emu, client, clock
}

func sha256B64(b []byte) string {
	s := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(s[:])
}

// apiCode is the error code of an SDK error.
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// TestS3ObjectLock drives the S3 operations through the real SDK: a bucket
// with Object Lock, a COMPLIANCE-locked object, versions, delete markers,
// and the refusals S3 answers.
func TestS3ObjectLock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	emu, c, clock := s3Fixture(t)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("anchors"), ObjectLockEnabledForBucket: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("anchors")}); apiCode(err) != "BucketAlreadyOwnedByYou" {
		t.Errorf("CreateBucket twice: %v, want BucketAlreadyOwnedByYou", err)
	}
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("Bad_Name")}); apiCode(err) != "InvalidBucketName" {
		t.Errorf("CreateBucket(Bad_Name): %v, want InvalidBucketName", err)
	}
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("plain")}); err != nil {
		t.Fatal(err)
	}

	body := []byte(`{"anchor":1}`)
	until := clock.Now().Add(24 * time.Hour)
	put := func(bucket, key string, b []byte, mod func(*s3.PutObjectInput)) (*s3.PutObjectOutput, error) {
		in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(b),
			ObjectLockMode: s3types.ObjectLockModeCompliance, ObjectLockRetainUntilDate: aws.Time(until), ChecksumSHA256: aws.String(sha256B64(b))}
		if mod != nil {
			mod(in)
		}
		return c.PutObject(ctx, in)
	}
	first, err := put("anchors", "elevate/a-1.json", body, nil)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(first.VersionId) == "" || aws.ToString(first.ETag) == "" {
		t.Errorf("PutObject = %+v, want a version id and an ETag", first)
	}
	got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("anchors"), Key: aws.String("elevate/a-1.json")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(got.Body)
	if !bytes.Equal(b, body) || got.ObjectLockMode != s3types.ObjectLockModeCompliance || !aws.ToTime(got.ObjectLockRetainUntilDate).Equal(until.Truncate(time.Millisecond)) {
		t.Errorf("GetObject = %q, %s until %v; want the body, COMPLIANCE until %v", b, got.ObjectLockMode, got.ObjectLockRetainUntilDate, until)
	}

	for _, tc := range []struct {
		name, bucket, code string
		mod                func(*s3.PutObjectInput)
	}{
		{"a wrong SHA-256", "anchors", "BadDigest", func(in *s3.PutObjectInput) { in.ChecksumSHA256 = aws.String(sha256B64([]byte("other"))) }},
		{"a lock in a bucket without Object Lock", "plain", "InvalidRequest", nil},
		{"a mode without a date", "anchors", "InvalidArgument", func(in *s3.PutObjectInput) { in.ObjectLockRetainUntilDate = nil }},
		{"a date in the past", "anchors", "InvalidArgument", func(in *s3.PutObjectInput) { in.ObjectLockRetainUntilDate = aws.Time(clock.Now().Add(-time.Hour)) }},
		{"a mode outside the model's enum", "anchors", "InvalidArgument", func(in *s3.PutObjectInput) { in.ObjectLockMode = "FOREVER" }},
		{"an existing key with If-None-Match", "anchors", "PreconditionFailed", func(in *s3.PutObjectInput) {
			in.Key, in.IfNoneMatch = aws.String("elevate/a-1.json"), aws.String("*")
		}},
		{"a missing bucket", "nope", "NoSuchBucket", nil},
	} {
		if _, err := put(tc.bucket, "elevate/bad.json", body, tc.mod); apiCode(err) != tc.code {
			t.Errorf("PutObject with %s: %v, want %s", tc.name, err, tc.code)
		}
	}

	// Object Lock requires an integrity checksum: without the SDK's
	// default one and without ours, S3 refuses.
	emu2, c2, _ := s3Fixture(t, func(o *s3.Options) { o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired })
	if err := emu2.CreateBucket("anchors", true); err != nil {
		t.Fatal(err)
	}
	if _, err := c2.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("anchors"), Key: aws.String("k"), Body: bytes.NewReader(body),
		ObjectLockMode: s3types.ObjectLockModeCompliance, ObjectLockRetainUntilDate: aws.Time(until)}); apiCode(err) != "InvalidRequest" {
		t.Errorf("PutObject with a lock and no checksum: %v, want InvalidRequest", err)
	}

	// An overwrite adds a version; the locked one stays. Deleting it is
	// refused until its retain-until date; a plain delete only hides it.
	if _, err := put("anchors", "elevate/a-1.json", []byte("forged"), nil); err != nil {
		t.Fatal(err)
	}
	vs := emu.S3ObjectVersions("anchors", "elevate/a-1.json")
	if len(vs) != 2 || !bytes.Equal(vs[0].Body, body) {
		t.Fatalf("versions after an overwrite = %+v, want the original kept", vs)
	}
	_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("anchors"), Key: aws.String("elevate/a-1.json"), VersionId: first.VersionId})
	if apiCode(err) != "AccessDenied" {
		t.Errorf("DeleteObject of the locked version: %v, want AccessDenied", err)
	}
	del, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("anchors"), Key: aws.String("elevate/a-1.json")})
	if err != nil || !aws.ToBool(del.DeleteMarker) {
		t.Fatalf("DeleteObject without a version: %+v, %v; want a delete marker", del, err)
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("anchors"), Key: aws.String("elevate/a-1.json")}); apiCode(err) != "NoSuchKey" {
		t.Errorf("GetObject behind a delete marker: %v, want NoSuchKey", err)
	}
	old, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("anchors"), Key: aws.String("elevate/a-1.json"), VersionId: first.VersionId})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(old.Body); !bytes.Equal(b, body) {
		t.Errorf("the locked version reads %q, want %q", b, body)
	}
	clock.Advance(25 * time.Hour)
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("anchors"), Key: aws.String("elevate/a-1.json"), VersionId: first.VersionId}); err != nil {
		t.Errorf("DeleteObject after the retain-until date: %v", err)
	}
}

// TestS3ListObjectsV2 pages through a prefix with the SDK's paginator.
func TestS3ListObjectsV2(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	emu, c, _ := s3Fixture(t)
	if err := emu.CreateBucket("logs", false); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a/1", "a/2", "a/3", "a/sub/4", "b/1", "a/with space+plus"} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("logs"), Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
			t.Fatal(err)
		}
	}
	var keys []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("logs"), Prefix: aws.String("a/"), MaxKeys: aws.Int32(2)})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, o := range out.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	if want := "a/1 a/2 a/3 a/sub/4 a/with space+plus"; strings.Join(keys, " ") != want || pages != 3 {
		t.Errorf("listed %q in %d pages, want %q in 3", keys, pages, want)
	}
	out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("logs"), Prefix: aws.String("a/"), Delimiter: aws.String("/")})
	if err != nil || len(out.CommonPrefixes) != 1 || aws.ToString(out.CommonPrefixes[0].Prefix) != "a/sub/" || len(out.Contents) != 4 {
		t.Errorf("ListObjectsV2 with a delimiter = %+v, %v", out, err)
	}
	if _, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("nope")}); apiCode(err) != "NoSuchBucket" {
		t.Errorf("ListObjectsV2 of a missing bucket: %v, want NoSuchBucket", err)
	}
}

// TestS3Routing: what the emulator does not implement is refused in S3's
// XML error shape, and JSON requests without a target still get the JSON
// services' error.
func TestS3Routing(t *testing.T) {
	t.Parallel()
	emu, err := New(DemoSeed(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		method, path string
		status       int
		code         string
	}{
		{http.MethodGet, "/", 501, "NotImplemented"},
		{http.MethodGet, "/b?versioning", 501, "NotImplemented"},
		{http.MethodGet, "/b", 501, "NotImplemented"},
		{http.MethodPost, "/b/k", 405, "MethodNotAllowed"},
		{http.MethodGet, "/b/k", 404, "NoSuchBucket"},
	} {
		req, _ := http.NewRequestWithContext(context.Background(), tc.method, srv.URL+tc.path, nil)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != tc.status || !bytes.Contains(b, []byte("<Code>"+tc.code+"</Code>")) {
			t.Errorf("%s %s = %d %s, want %d %s", tc.method, tc.path, resp.StatusCode, b, tc.status, tc.code)
		}
	}
}

// TestS3ChunkedPayload: an aws-chunked body (what SDKs send for streamed
// uploads with a trailing checksum) is decoded, and its trailer checked.
func TestS3ChunkedPayload(t *testing.T) {
	t.Parallel()
	payload := "hello, anchors"
	sum := sha256B64([]byte(payload))
	for _, tc := range []struct {
		name, trailer string
		wantErr       bool
	}{
		{"a matching trailer", sum, false},
		{"a wrong trailer", sha256B64([]byte("x")), true},
	} {
		body := "5;chunk-signature=abc\r\nhello\r\n9\r\n, anchors\r\n0\r\nx-amz-checksum-sha256:" + tc.trailer + "\r\n\r\n"
		req := httptest.NewRequest(http.MethodPut, "/b/k", strings.NewReader(body))
		req.Header.Set("Content-Encoding", "aws-chunked")
		req.Header.Set("x-amz-decoded-content-length", "14")
		got, trailers, err := decodeS3Payload(req, []byte(body))
		if err != nil || string(got) != payload {
			t.Fatalf("%s: decoded %q, %v", tc.name, got, err)
		}
		_, _, err = checkIntegrity(&s3Call{r: req, body: got, trailers: trailers})
		if (err != nil) != tc.wantErr {
			t.Errorf("%s: checkIntegrity = %v, want error %t", tc.name, err, tc.wantErr)
		}
	}
	req := httptest.NewRequest(http.MethodPut, "/b/k", nil)
	req.Header.Set("Content-Encoding", "aws-chunked")
	if _, _, err := decodeS3Payload(req, []byte("zz\r\n")); err == nil {
		t.Error("a bad chunk size was accepted")
	}
}

// TestS3Model: the S3 operations come from S3's model, each has a handler,
// and their bindings say where each member is in the request.
func TestS3Model(t *testing.T) {
	t.Parallel()
	emu, err := New(DemoSeed(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(emu.s3ops) != len(genRESTOperations) || len(genRESTOperations) != 5 {
		t.Errorf("%d S3 operations routed, %d generated", len(emu.s3ops), len(genRESTOperations))
	}
	po := modelShape("s3.PutObjectRequest")
	if m := po.members["ObjectLockMode"]; m == nil || strings.Join(m.enum, ",") != "GOVERNANCE,COMPLIANCE" {
		t.Errorf("PutObjectRequest.ObjectLockMode = %+v", m)
	}
	where := map[string]string{}
	for _, b := range genBindings["s3.PutObjectRequest"] {
		where[b.Member] = b.Location + ":" + b.Name
	}
	for member, want := range map[string]string{
		"Bucket": "uri:Bucket", "Key": "uri:Key", "ObjectLockMode": "header:x-amz-object-lock-mode",
		"ObjectLockRetainUntilDate": "header:x-amz-object-lock-retain-until-date", "ChecksumSHA256": "header:x-amz-checksum-sha256",
		"ContentMD5": "header:Content-MD5", "Metadata": "headers:x-amz-meta-", "Body": "body:",
	} {
		if where[member] != want {
			t.Errorf("PutObject binds %s at %q, want %q", member, where[member], want)
		}
	}
}
