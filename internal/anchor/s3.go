package anchor

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/elevate/elevate/internal/audit"
)

// S3API is the part of the S3 client the sink uses: IAM needs
// s3:PutObject, s3:PutObjectRetention, s3:GetObject and s3:ListBucket on
// the bucket, and nothing that deletes.
type S3API interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	s3.ListObjectsV2APIClient
}

// maxAnchorBytes bounds an anchor read back (an anchor of a million
// entries is about 90 MB of JSON; a year of hourly anchors is far below).
const maxAnchorBytes = 256 << 20

// S3 publishes anchors as objects in a bucket with Object Lock: each is
// written once (If-None-Match: *), with a SHA-256 checksum, locked in
// compliance mode until Retention from now, so that nobody, the account's
// root user included, can delete or shorten it before then.
type S3 struct {
	Client S3API
	Bucket string
	Prefix string // e.g. elevate/audit-anchors/
	// Retention is how long each anchor stays locked.
	Retention time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Name says where the sink writes.
func (s S3) Name() string { return "s3://" + s.Bucket + "/" + s.Prefix }

// Publish writes a as <prefix>anchor-<seq>-<unix µs>.json.
func (s S3) Publish(ctx context.Context, a audit.Anchor) error {
	b, err := audit.MarshalAnchor(a)
	if err != nil {
		return err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	sum := sha256.Sum256(b)
	key := s.Prefix + anchorName(a)
	_, err = s.Client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(s.Bucket), Key: aws.String(key), Body: bytes.NewReader(b), ContentType: aws.String("application/json"),
		ChecksumSHA256: aws.String(base64.StdEncoding.EncodeToString(sum[:])),
		// Object Lock: locked until the retention ends, in compliance
		// mode (no bypass, no shortening).
		ObjectLockMode: s3types.ObjectLockModeCompliance, ObjectLockRetainUntilDate: aws.Time(now().Add(s.Retention)),
		// Never a second version of an anchor's key.
		IfNoneMatch: aws.String("*"),
	})
	if err != nil {
		return fmt.Errorf("put anchor s3://%s/%s: %w", s.Bucket, key, err)
	}
	return nil
}

// keys lists the anchors' keys.
func (s S3) keys(ctx context.Context) ([]string, error) {
	var keys []string
	p := s3.NewListObjectsV2Paginator(s.Client, &s3.ListObjectsV2Input{Bucket: aws.String(s.Bucket), Prefix: aws.String(s.Prefix + "anchor-")})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list anchors in s3://%s/%s: %w", s.Bucket, s.Prefix, err)
		}
		for _, o := range page.Contents {
			k := aws.ToString(o.Key)
			if _, ok := seqOfName(strings.TrimPrefix(k, s.Prefix)); ok {
				keys = append(keys, k)
			}
		}
	}
	return keys, nil
}

// LastSeq is the highest seq in the anchors' keys.
func (s S3) LastSeq(ctx context.Context) (int64, error) {
	keys, err := s.keys(ctx)
	if err != nil {
		return 0, err
	}
	var last int64
	for _, k := range keys {
		seq, _ := seqOfName(strings.TrimPrefix(k, s.Prefix))
		last = max(last, seq)
	}
	return last, nil
}

// Anchors reads every anchor under the prefix, a few at a time. An object
// that does not decode is an error: the prefix holds nothing else.
func (s S3) Anchors(ctx context.Context) ([]audit.Anchor, error) {
	keys, err := s.keys(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]audit.Anchor, len(keys))
	errs := make([]error, len(keys))
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i, k := range keys {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i], errs[i] = s.get(ctx, k)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

func (s S3) get(ctx context.Context, key string) (audit.Anchor, error) {
	obj, err := s.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(key), ChecksumMode: s3types.ChecksumModeEnabled})
	if err != nil {
		return audit.Anchor{}, fmt.Errorf("get anchor s3://%s/%s: %w", s.Bucket, key, err)
	}
	defer obj.Body.Close()
	b, err := io.ReadAll(io.LimitReader(obj.Body, maxAnchorBytes+1))
	if err != nil {
		return audit.Anchor{}, fmt.Errorf("read anchor s3://%s/%s: %w", s.Bucket, key, err)
	}
	if len(b) > maxAnchorBytes {
		return audit.Anchor{}, fmt.Errorf("anchor s3://%s/%s is larger than %d bytes", s.Bucket, key, maxAnchorBytes)
	}
	a, err := audit.UnmarshalAnchor(b)
	if err != nil {
		return audit.Anchor{}, fmt.Errorf("s3://%s/%s: %w", s.Bucket, key, err)
	}
	return a, nil
}
