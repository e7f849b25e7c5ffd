package awsemu

import (
	"crypto/md5"  //nolint:gosec // S3's Content-MD5 and ETag are MD5 by definition
	"crypto/sha1" //nolint:gosec // S3's x-amz-checksum-sha1 is SHA-1 by definition
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"hash/crc32"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// CreateBucket creates an empty bucket, with Object Lock (and versioning)
// when objectLock is set, as the CreateBucket operation does.
func (e *Emulator) CreateBucket(name string, objectLock bool) error {
	if !validBucketName(name) {
		return fmt.Errorf("awsemu: invalid bucket name %q", name)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.s3.buckets == nil {
		e.s3.buckets = map[string]*s3Bucket{}
	}
	if e.s3.buckets[name] != nil {
		return fmt.Errorf("awsemu: bucket %s exists", name)
	}
	e.s3.buckets[name] = &s3Bucket{name: name, created: e.now().UTC(), objectLock: objectLock, objects: map[string][]*s3Version{}}
	return nil
}

// S3ObjectVersion is one stored version of an object, for tests.
type S3ObjectVersion struct {
	VersionID    string
	DeleteMarker bool
	Body         []byte
	LockMode     string
	RetainUntil  time.Time
}

// S3ObjectVersions returns every version of an object, oldest first.
func (e *Emulator) S3ObjectVersions(bucket, key string) []S3ObjectVersion {
	e.mu.Lock()
	defer e.mu.Unlock()
	b := e.s3.buckets[bucket]
	if b == nil {
		return nil
	}
	var out []S3ObjectVersion
	for _, v := range b.objects[key] {
		out = append(out, S3ObjectVersion{VersionID: v.id, DeleteMarker: v.deleteMarker, Body: append([]byte(nil), v.body...), LockMode: v.lockMode, RetainUntil: v.retainUntil})
	}
	return out
}

func (e *Emulator) s3CreateBucket(c *s3Call) (*s3Response, error) {
	if !validBucketName(c.bucket) {
		return nil, &s3Error{Status: http.StatusBadRequest, Code: "InvalidBucketName", Message: "The specified bucket is not valid.", extra: map[string]string{"BucketName": c.bucket}}
	}
	if _, err := parseBucketConfiguration(c.body); err != nil {
		return nil, err
	}
	if e.s3.buckets[c.bucket] != nil {
		return nil, &s3Error{Status: http.StatusConflict, Code: "BucketAlreadyOwnedByYou",
			Message: "Your previous request to create the named bucket succeeded and you already own it.", extra: map[string]string{"BucketName": c.bucket}}
	}
	lock, _ := c.in["ObjectLockEnabledForBucket"].(bool)
	e.s3.buckets[c.bucket] = &s3Bucket{name: c.bucket, created: c.now, objectLock: lock, objects: map[string][]*s3Version{}}
	return &s3Response{status: http.StatusOK, header: http.Header{"Location": {"/" + c.bucket}}}, nil
}

// checksumHeaders are the checksums S3 verifies on upload, by header name.
var checksumHeaders = map[string]func([]byte) []byte{
	"x-amz-checksum-sha256": func(b []byte) []byte { s := sha256.Sum256(b); return s[:] },
	"x-amz-checksum-sha1":   func(b []byte) []byte { s := sha1.Sum(b); return s[:] }, //nolint:gosec // S3's algorithm
	"x-amz-checksum-crc32": func(b []byte) []byte {
		return binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(b))
	},
	"x-amz-checksum-crc32c": func(b []byte) []byte {
		return binary.BigEndian.AppendUint32(nil, crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)))
	},
}

// checkIntegrity verifies Content-MD5 and the x-amz-checksum-* values
// (headers or aws-chunked trailers) against the body, as S3 does, and
// returns the checksums to keep. any says whether one was given at all.
func checkIntegrity(c *s3Call) (sums map[string]string, anyGiven bool, err error) {
	sums = map[string]string{}
	if md := c.r.Header.Get("Content-MD5"); md != "" {
		anyGiven = true
		want, derr := base64.StdEncoding.DecodeString(md)
		got := md5.Sum(c.body) //nolint:gosec // S3's algorithm
		if derr != nil || len(want) != md5.Size {
			return nil, true, newS3Error(http.StatusBadRequest, "InvalidDigest", "The Content-MD5 you specified was invalid.")
		}
		if string(want) != string(got[:]) {
			return nil, true, newS3Error(http.StatusBadRequest, "BadDigest", "The Content-MD5 you specified did not match what we received.")
		}
	}
	given := map[string]string{}
	for h := range c.r.Header {
		if lh := strings.ToLower(h); strings.HasPrefix(lh, "x-amz-checksum-") && lh != "x-amz-checksum-mode" && lh != "x-amz-checksum-type" && lh != "x-amz-checksum-algorithm" {
			given[lh] = c.r.Header.Get(h)
		}
	}
	for k, v := range c.trailers {
		given[k] = v
	}
	for h, v := range given {
		anyGiven = true
		sums[h] = v
		f := checksumHeaders[h]
		if f == nil {
			continue // an algorithm the emulator does not compute: kept, not checked
		}
		want, derr := base64.StdEncoding.DecodeString(v)
		if derr != nil || string(want) != string(f(c.body)) {
			alg := strings.ToUpper(strings.TrimPrefix(h, "x-amz-checksum-"))
			return nil, true, newS3Error(http.StatusBadRequest, "BadDigest", "The %s you specified did not match the calculated checksum.", alg)
		}
	}
	return sums, anyGiven, nil
}

func (e *Emulator) s3PutObject(c *s3Call) (*s3Response, error) {
	b, err := e.s3BucketOf(c)
	if err != nil {
		return nil, err
	}
	if len(c.body) > maxS3ObjectBytes {
		return nil, newS3Error(http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the emulator's maximum of %d bytes.", maxS3ObjectBytes)
	}
	sums, anyChecksum, err := checkIntegrity(c)
	if err != nil {
		return nil, err
	}
	mode := c.str("ObjectLockMode")
	_, hasUntil := c.in["ObjectLockRetainUntilDate"]
	var until time.Time
	if hasUntil {
		until, _ = parseS3Time(c.r.Header.Get("x-amz-object-lock-retain-until-date"))
	}
	switch {
	case (mode != "") != hasUntil:
		return nil, newS3Error(http.StatusBadRequest, "InvalidArgument", "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied")
	case mode != "" && !b.objectLock:
		return nil, newS3Error(http.StatusBadRequest, "InvalidRequest", "Bucket is missing Object Lock Configuration")
	case mode != "" && !anyChecksum:
		return nil, newS3Error(http.StatusBadRequest, "InvalidRequest", "Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters")
	case mode != "" && !until.After(c.now):
		return nil, newS3Error(http.StatusBadRequest, "InvalidArgument", "The retain until date must be in the future!")
	}
	cur := b.current(c.key)
	exists := cur != nil && !cur.deleteMarker
	if inm := c.str("IfNoneMatch"); inm != "" {
		if inm != "*" {
			return nil, newS3Error(http.StatusNotImplemented, "NotImplemented", "If-None-Match on PutObject accepts only *")
		}
		if exists {
			return nil, &s3Error{Status: http.StatusPreconditionFailed, Code: "PreconditionFailed",
				Message: "At least one of the pre-conditions you specified did not hold", extra: map[string]string{"Condition": "If-None-Match"}}
		}
	}
	if im := c.str("IfMatch"); im != "" {
		if !exists {
			return nil, &s3Error{Status: http.StatusNotFound, Code: "NoSuchKey", Message: "The specified key does not exist.", extra: map[string]string{"Key": c.key}}
		}
		if im != "*" && im != cur.etag {
			return nil, &s3Error{Status: http.StatusPreconditionFailed, Code: "PreconditionFailed",
				Message: "At least one of the pre-conditions you specified did not hold", extra: map[string]string{"Condition": "If-Match"}}
		}
	}
	sum := md5.Sum(c.body) //nolint:gosec // S3's ETag
	v := &s3Version{id: "null", body: c.body, etag: `"` + hex.EncodeToString(sum[:]) + `"`, contentType: c.r.Header.Get("Content-Type"),
		modified: c.now, lockMode: mode, retainUntil: until.UTC(), checksums: sums}
	if m, ok := c.in["Metadata"].(map[string]any); ok {
		v.meta = map[string]string{}
		for k, val := range m {
			v.meta[k], _ = val.(string)
		}
	}
	h := http.Header{"Etag": {v.etag}}
	if b.objectLock {
		v.id = newVersionID()
		b.objects[c.key] = append(b.objects[c.key], v)
		h.Set("x-amz-version-id", v.id)
	} else {
		b.objects[c.key] = []*s3Version{v}
	}
	for k, s := range sums {
		h.Set(k, s)
	}
	return &s3Response{status: http.StatusOK, header: h}, nil
}

// newVersionID returns an opaque version id shaped like S3's.
func newVersionID() string {
	id := strings.ReplaceAll(uuid.NewString()+uuid.NewString(), "-", "")
	return id[:32]
}

func (e *Emulator) s3GetObject(c *s3Call) (*s3Response, error) {
	b, err := e.s3BucketOf(c)
	if err != nil {
		return nil, err
	}
	noKey := &s3Error{Status: http.StatusNotFound, Code: "NoSuchKey", Message: "The specified key does not exist.", extra: map[string]string{"Key": c.key}}
	var v *s3Version
	if id := c.str("VersionId"); id != "" {
		for _, x := range b.objects[c.key] {
			if x.id == id {
				v = x
			}
		}
		if v == nil {
			return nil, &s3Error{Status: http.StatusNotFound, Code: "NoSuchVersion", Message: "The specified version does not exist.",
				extra: map[string]string{"Key": c.key, "VersionId": id}}
		}
		if v.deleteMarker {
			return nil, newS3Error(http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
		}
	} else if v = b.current(c.key); v == nil || v.deleteMarker {
		return nil, noKey
	}
	h := http.Header{}
	h.Set("Etag", v.etag)
	h.Set("Last-Modified", v.modified.Format(http.TimeFormat))
	ct := v.contentType
	if ct == "" {
		ct = "binary/octet-stream"
	}
	h.Set("Content-Type", ct)
	if b.objectLock {
		h.Set("x-amz-version-id", v.id)
	}
	if v.lockMode != "" {
		h.Set("x-amz-object-lock-mode", v.lockMode)
		h.Set("x-amz-object-lock-retain-until-date", v.retainUntil.Format(s3TimeFormat))
	}
	for k, val := range v.meta {
		h.Set("x-amz-meta-"+k, val)
	}
	if c.str("ChecksumMode") == "ENABLED" {
		for k, s := range v.checksums {
			h.Set(k, s)
		}
	}
	return &s3Response{status: http.StatusOK, header: h, body: append([]byte{}, v.body...)}, nil
}

func (e *Emulator) s3DeleteObject(c *s3Call) (*s3Response, error) {
	b, err := e.s3BucketOf(c)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	id := c.str("VersionId")
	switch {
	case id == "" && b.objectLock:
		// Versioned: a delete marker hides the object; every version stays.
		m := &s3Version{id: newVersionID(), deleteMarker: true, modified: c.now}
		b.objects[c.key] = append(b.objects[c.key], m)
		h.Set("x-amz-delete-marker", "true")
		h.Set("x-amz-version-id", m.id)
	case id == "":
		delete(b.objects, c.key)
	default:
		vs := b.objects[c.key]
		for i, v := range vs {
			if v.id != id {
				continue
			}
			bypass, _ := c.in["BypassGovernanceRetention"].(bool)
			if v.retainUntil.After(c.now) && (v.lockMode == "COMPLIANCE" || !bypass) {
				return nil, newS3Error(http.StatusForbidden, "AccessDenied", "Access Denied because object protected by object lock.")
			}
			b.objects[c.key] = append(vs[:i:i], vs[i+1:]...)
			if v.deleteMarker {
				h.Set("x-amz-delete-marker", "true")
			}
			h.Set("x-amz-version-id", id)
			break
		}
	}
	return &s3Response{status: http.StatusNoContent, header: h}, nil
}

// s3ListResult is ListObjectsV2's XML answer.
type s3ListResult struct {
	XMLName               xml.Name       `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListBucketResult"`
	Name                  string         `xml:"Name"`
	Prefix                string         `xml:"Prefix"`
	Delimiter             string         `xml:"Delimiter,omitempty"`
	StartAfter            string         `xml:"StartAfter,omitempty"`
	ContinuationToken     string         `xml:"ContinuationToken,omitempty"`
	NextContinuationToken string         `xml:"NextContinuationToken,omitempty"`
	KeyCount              int            `xml:"KeyCount"`
	MaxKeys               int            `xml:"MaxKeys"`
	EncodingType          string         `xml:"EncodingType,omitempty"`
	IsTruncated           bool           `xml:"IsTruncated"`
	Contents              []listObject   `xml:"Contents"`
	CommonPrefixes        []commonPrefix `xml:"CommonPrefixes"`
}

type listObject struct {
	Key          string `xml:"Key"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int    `xml:"Size"`
	StorageClass string `xml:"StorageClass"`
}

type commonPrefix struct {
	Prefix string `xml:"Prefix"`
}

func (e *Emulator) s3ListObjectsV2(c *s3Call) (*s3Response, error) {
	b, err := e.s3BucketOf(c)
	if err != nil {
		return nil, err
	}
	maxKeys := 1000
	if s := c.r.URL.Query().Get("max-keys"); s != "" {
		n, _ := strconv.Atoi(s) // validated as an integer
		if n < 0 {
			return nil, newS3Error(http.StatusBadRequest, "InvalidArgument", "max-keys must not be negative")
		}
		maxKeys = min(n, 1000)
	}
	prefix, delim := c.str("Prefix"), c.str("Delimiter")
	after := c.str("StartAfter")
	token := c.str("ContinuationToken")
	if token != "" {
		k, derr := base64.RawURLEncoding.DecodeString(token)
		if derr != nil {
			return nil, newS3Error(http.StatusBadRequest, "InvalidArgument", "The continuation token provided is incorrect")
		}
		after = max(after, string(k))
	}
	keys := make([]string, 0, len(b.objects))
	for k := range b.objects {
		if v := b.current(k); v != nil && !v.deleteMarker && strings.HasPrefix(k, prefix) && k > after {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	enc := func(s string) string { return s }
	res := s3ListResult{Name: b.name, MaxKeys: maxKeys, ContinuationToken: token}
	if c.str("EncodingType") == "url" {
		enc = urlEncodeKey
		res.EncodingType = "url"
	}
	res.Prefix, res.Delimiter, res.StartAfter = enc(prefix), enc(delim), enc(c.str("StartAfter"))
	seen := map[string]bool{}
	last := ""
	for _, k := range keys {
		cp := ""
		if delim != "" {
			if i := strings.Index(k[len(prefix):], delim); i >= 0 {
				cp = k[:len(prefix)+i+len(delim)]
			}
		}
		if cp != "" && seen[cp] {
			last = k // rolled up into a common prefix already listed
			continue
		}
		if res.KeyCount == maxKeys {
			res.IsTruncated = true
			break
		}
		if cp != "" {
			seen[cp] = true
			res.CommonPrefixes = append(res.CommonPrefixes, commonPrefix{Prefix: enc(cp)})
			res.KeyCount++
			last = k
			continue
		}
		v := b.current(k)
		res.Contents = append(res.Contents, listObject{Key: enc(k), LastModified: v.modified.Format(s3TimeFormat), ETag: v.etag, Size: len(v.body), StorageClass: "STANDARD"})
		res.KeyCount++
		last = k
	}
	if res.IsTruncated {
		res.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(last))
	}
	return &s3Response{status: http.StatusOK, header: http.Header{}, body: xmlDoc(res)}, nil
}
