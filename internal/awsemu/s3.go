package awsemu

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// The S3 part of the emulator: the REST-XML operations elevate's audit
// anchor sink needs (CreateBucket, PutObject, GetObject, ListObjectsV2,
// DeleteObject), path-style (http://host/bucket/key). Requests are checked
// against S3's model (genRESTOperations and genBindings in model_gen.go)
// like the JSON services'. A bucket created with Object Lock is versioned,
// as in S3: a PUT to an existing key adds a version, a DELETE without a
// version id adds a delete marker, and a version under COMPLIANCE
// retention can't be deleted until its retain-until date.

// maxS3ObjectBytes caps an object's size (the emulator keeps objects in
// memory).
const maxS3ObjectBytes = 16 << 20

// s3State is the emulated buckets, guarded by Emulator.mu.
type s3State struct {
	buckets map[string]*s3Bucket
}

type s3Bucket struct {
	name       string
	created    time.Time
	objectLock bool                    // versioned, with Object Lock
	objects    map[string][]*s3Version // by key, oldest version first
}

// s3Version is one version of an object, or a delete marker.
type s3Version struct {
	id           string // "null" in an unversioned bucket
	deleteMarker bool
	body         []byte
	etag         string // quoted hex MD5
	contentType  string
	meta         map[string]string
	modified     time.Time
	lockMode     string
	retainUntil  time.Time
	checksums    map[string]string // header name -> value, as sent
}

// current returns the latest version of key, or nil.
func (b *s3Bucket) current(key string) *s3Version {
	vs := b.objects[key]
	if len(vs) == 0 {
		return nil
	}
	return vs[len(vs)-1]
}

// s3Operation is one routable S3 operation.
type s3Operation struct {
	name     string
	input    *shape
	bindings []genBinding
	handler  func(c *s3Call) (*s3Response, error)
}

// s3Call carries one request into a handler.
type s3Call struct {
	r      *http.Request
	reqID  string
	now    time.Time
	bucket string
	key    string
	in     map[string]any // the bound input members
	body   []byte         // the decoded payload (aws-chunked removed)
	// trailers are checksum trailers of an aws-chunked body.
	trailers map[string]string
}

// s3Response is what a handler answers.
type s3Response struct {
	status int
	header http.Header
	body   []byte // XML or the object
}

// s3Error is an S3 error response.
type s3Error struct {
	Status  int
	Code    string
	Message string
	extra   map[string]string // more elements of <Error>, e.g. Key
}

func (e *s3Error) Error() string { return e.Code + ": " + e.Message }

func newS3Error(status int, code, format string, args ...any) *s3Error {
	return &s3Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// s3Operations builds the S3 routing table from the generated model.
func (e *Emulator) s3Operations() map[string]*s3Operation {
	handlers := map[string]func(*s3Call) (*s3Response, error){
		"CreateBucket":  e.s3CreateBucket,
		"PutObject":     e.s3PutObject,
		"GetObject":     e.s3GetObject,
		"ListObjectsV2": e.s3ListObjectsV2,
		"DeleteObject":  e.s3DeleteObject,
	}
	out := make(map[string]*s3Operation, len(genRESTOperations))
	for _, op := range genRESTOperations {
		h := handlers[op.Name]
		if h == nil {
			panic("awsemu: no handler for s3 operation " + op.Name) // programming error, caught by every test
		}
		out[op.Name] = &s3Operation{name: op.Name, input: modelShape(op.Input), bindings: genBindings[op.Input], handler: h}
	}
	return out
}

// isS3 reports whether r is for the S3 REST API: every other service's
// request names its operation in X-Amz-Target, or is an STS form POST, or
// is a JSON POST (whose missing target the JSON services report).
func isS3(r *http.Request) bool {
	jsonPost := r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-amz-json")
	return r.Header.Get("X-Amz-Target") == "" && !isSTS(r) && !jsonPost
}

// routeS3 names the operation of a path-style request.
func routeS3(r *http.Request) (name, bucket, key string, err *s3Error) {
	p := strings.TrimPrefix(r.URL.Path, "/")
	bucket, key, _ = strings.Cut(p, "/")
	q := r.URL.Query()
	if bucket == "" {
		return "", "", "", newS3Error(http.StatusNotImplemented, "NotImplemented", "ListBuckets is not implemented by the emulator")
	}
	for _, sub := range []string{"acl", "tagging", "versioning", "object-lock", "retention", "legal-hold", "uploads", "uploadId", "versions", "policy", "lifecycle", "delete"} {
		if q.Has(sub) {
			return "", "", "", newS3Error(http.StatusNotImplemented, "NotImplemented", "the ?%s subresource is not implemented by the emulator", sub)
		}
	}
	switch {
	case key == "" && r.Method == http.MethodPut:
		return "CreateBucket", bucket, "", nil
	case key == "" && r.Method == http.MethodGet && q.Get("list-type") == "2":
		return "ListObjectsV2", bucket, "", nil
	case key == "" && r.Method == http.MethodGet:
		return "", "", "", newS3Error(http.StatusNotImplemented, "NotImplemented", "ListObjects (version 1) is not implemented by the emulator; use ListObjectsV2 (list-type=2)")
	case key != "" && r.Method == http.MethodPut && r.Header.Get("x-amz-copy-source") != "":
		return "", "", "", newS3Error(http.StatusNotImplemented, "NotImplemented", "CopyObject is not implemented by the emulator")
	case key != "" && r.Method == http.MethodPut:
		return "PutObject", bucket, key, nil
	case key != "" && r.Method == http.MethodGet:
		return "GetObject", bucket, key, nil
	case key != "" && r.Method == http.MethodDelete:
		return "DeleteObject", bucket, key, nil
	}
	return "", "", "", newS3Error(http.StatusMethodNotAllowed, "MethodNotAllowed", "the specified method %s is not allowed against this resource", r.Method)
}

// serveS3 serves one S3 request.
func (e *Emulator) serveS3(w http.ResponseWriter, r *http.Request) {
	reqID := strings.ToUpper(strings.ReplaceAll(uuid.NewString(), "-", "")[:16])
	w.Header().Set("x-amz-request-id", reqID)
	w.Header().Set("x-amz-id-2", reqID)
	resp, err := e.runS3(r, reqID)
	if err != nil {
		var se *s3Error
		if !errors.As(err, &se) {
			e.logger.Error("awsemu: s3 internal error", "request_id", reqID, "err", err)
			se = newS3Error(http.StatusInternalServerError, "InternalError", "internal error: %v", err)
		}
		e.mu.Lock()
		e.errorCounts[se.Code]++
		e.mu.Unlock()
		writeS3Error(w, r, reqID, se)
		e.logger.Debug("awsemu s3 request", "method", r.Method, "path", r.URL.Path, "request_id", reqID, "status", se.Status, "error", se.Code)
		return
	}
	for k, vs := range resp.header {
		w.Header()[k] = vs
	}
	if resp.body != nil && w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/xml")
	}
	if resp.body != nil {
		w.Header().Set("Content-Length", strconv.Itoa(len(resp.body)))
	}
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
	e.logger.Debug("awsemu s3 request", "method", r.Method, "path", r.URL.Path, "request_id", reqID, "status", resp.status)
}

// runS3 routes, reads, binds and validates the request, then runs its
// handler under the emulator's lock.
func (e *Emulator) runS3(r *http.Request, reqID string) (*s3Response, error) {
	name, bucket, key, rerr := routeS3(r)
	if rerr != nil {
		return nil, rerr
	}
	op := e.s3ops[name]
	raw, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxS3ObjectBytes+64<<10))
	if err != nil {
		return nil, newS3Error(http.StatusBadRequest, "EntityTooLarge", "your proposed upload exceeds the emulator's maximum of %d bytes", maxS3ObjectBytes)
	}
	body, trailers, err := decodeS3Payload(r, raw)
	if err != nil {
		return nil, err
	}
	in := bindS3Input(op, r, bucket, key)
	if vs := validateInput(op.input, in); len(vs) > 0 {
		return nil, newS3Error(http.StatusBadRequest, "InvalidArgument", "%s", validationMessage(vs))
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.calls["s3."+name]++
	if e.s3.buckets == nil {
		e.s3.buckets = map[string]*s3Bucket{}
	}
	c := &s3Call{r: r, reqID: reqID, now: e.now().UTC(), bucket: bucket, key: key, in: in, body: body, trailers: trailers}
	return op.handler(c)
}

// bindS3Input collects the input members from where the model binds them,
// typed as the JSON services' validator expects them.
func bindS3Input(op *s3Operation, r *http.Request, bucket, key string) map[string]any {
	in := map[string]any{}
	q := r.URL.Query()
	for _, b := range op.bindings {
		sh := op.input.members[b.Member]
		var raw string
		switch b.Location {
		case "uri":
			if b.Name == "Bucket" {
				raw = bucket
			} else {
				raw = key
			}
		case "querystring":
			if !q.Has(b.Name) {
				continue
			}
			raw = q.Get(b.Name)
		case "header":
			vs := r.Header.Values(b.Name)
			if len(vs) == 0 {
				continue
			}
			raw = strings.Join(vs, ",")
		case "headers":
			m := map[string]any{}
			for h, vs := range r.Header {
				if strings.HasPrefix(strings.ToLower(h), b.Name) {
					m[strings.ToLower(h)[len(b.Name):]] = strings.Join(vs, ",")
				}
			}
			if len(m) > 0 {
				in[b.Member] = m
			}
			continue
		default: // body: read by the handler
			continue
		}
		in[b.Member] = typedValue(sh, raw)
	}
	return in
}

// typedValue converts a header or query value to the type its shape has;
// a value that does not convert stays a string, which the validator then
// refuses.
func typedValue(sh *shape, raw string) any {
	switch sh.kind {
	case kindInteger:
		if _, err := strconv.ParseInt(raw, 10, 64); err == nil {
			return json.Number(raw)
		}
	case kindBoolean:
		if b, err := strconv.ParseBool(raw); err == nil {
			return b
		}
	case kindTimestamp:
		if t, ok := parseS3Time(raw); ok {
			return json.Number(strconv.FormatInt(t.Unix(), 10))
		}
	case kindList:
		var out []any
		for _, p := range strings.Split(raw, ",") {
			out = append(out, strings.TrimSpace(p))
		}
		return out
	}
	return raw
}

// parseS3Time reads an ISO 8601 or HTTP date, the two forms S3's headers
// use.
func parseS3Time(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", http.TimeFormat, time.RFC1123Z} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// s3TimeFormat is how S3 writes times in XML and in its ISO 8601 headers.
const s3TimeFormat = "2006-01-02T15:04:05.000Z"

// writeS3Error writes S3's XML error document (no body for HEAD).
func writeS3Error(w http.ResponseWriter, r *http.Request, reqID string, se *s3Error) {
	type errDoc struct {
		XMLName   xml.Name `xml:"Error"`
		Code      string   `xml:"Code"`
		Message   string   `xml:"Message"`
		Extra     []xmlKV  `xml:",any"`
		RequestID string   `xml:"RequestId"`
		HostID    string   `xml:"HostId"`
	}
	doc := errDoc{Code: se.Code, Message: se.Message, RequestID: reqID, HostID: reqID}
	for k, v := range se.extra {
		doc.Extra = append(doc.Extra, xmlKV{XMLName: xml.Name{Local: k}, Value: v})
	}
	b, _ := xml.Marshal(doc) // plain strings: cannot fail
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(se.Status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(append([]byte(xml.Header), b...))
	}
}

// xmlKV is an element with text content.
type xmlKV struct {
	XMLName xml.Name
	Value   string `xml:",chardata"`
}

func xmlDoc(v any) []byte {
	b, err := xml.Marshal(v)
	if err != nil {
		panic("awsemu: encode s3 response: " + err.Error()) // fixed Go types: a programming error
	}
	return append([]byte(xml.Header), b...)
}

// str returns a bound string member, or "".
func (c *s3Call) str(member string) string {
	s, _ := c.in[member].(string)
	return s
}

// s3Bucket returns the bucket of the call, or NoSuchBucket.
func (e *Emulator) s3BucketOf(c *s3Call) (*s3Bucket, error) {
	b := e.s3.buckets[c.bucket]
	if b == nil {
		return nil, &s3Error{Status: http.StatusNotFound, Code: "NoSuchBucket", Message: "The specified bucket does not exist",
			extra: map[string]string{"BucketName": c.bucket}}
	}
	return b, nil
}

// decodeS3Payload returns the payload of a request, removing the
// aws-chunked encoding the SDKs use for streamed and trailer-checksummed
// uploads.
func decodeS3Payload(r *http.Request, raw []byte) ([]byte, map[string]string, error) {
	sha := r.Header.Get("x-amz-content-sha256")
	chunked := strings.Contains(r.Header.Get("Content-Encoding"), "aws-chunked") || strings.HasPrefix(sha, "STREAMING-")
	if !chunked {
		return raw, nil, nil
	}
	var body []byte
	trailers := map[string]string{}
	rest := raw
	for {
		line, after, ok := strings.Cut(string(rest), "\r\n")
		if !ok {
			return nil, nil, newS3Error(http.StatusBadRequest, "IncompleteBody", "the aws-chunked body ends inside a chunk header")
		}
		sizeHex, _, _ := strings.Cut(line, ";")
		n, err := strconv.ParseInt(strings.TrimSpace(sizeHex), 16, 64)
		if err != nil || n < 0 || n > int64(len(after)) {
			return nil, nil, newS3Error(http.StatusBadRequest, "IncompleteBody", "bad aws-chunked chunk size %q", sizeHex)
		}
		rest = []byte(after)
		if n == 0 {
			break
		}
		body = append(body, rest[:n]...)
		rest = rest[n:]
		if !strings.HasPrefix(string(rest), "\r\n") {
			return nil, nil, newS3Error(http.StatusBadRequest, "IncompleteBody", "an aws-chunked chunk is not followed by CRLF")
		}
		rest = rest[2:]
	}
	for _, line := range strings.Split(string(rest), "\r\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.HasPrefix(strings.ToLower(k), "x-amz-checksum-") {
			trailers[strings.ToLower(k)] = strings.TrimSpace(v)
		}
	}
	if dl := r.Header.Get("x-amz-decoded-content-length"); dl != "" && dl != strconv.Itoa(len(body)) {
		return nil, nil, newS3Error(http.StatusBadRequest, "IncompleteBody", "x-amz-decoded-content-length is %s but the chunks hold %d bytes", dl, len(body))
	}
	return body, trailers, nil
}

// parseBucketConfiguration reads CreateBucket's optional body.
func parseBucketConfiguration(b []byte) (string, error) {
	if len(strings.TrimSpace(string(b))) == 0 {
		return "", nil
	}
	var cfg struct {
		XMLName            xml.Name `xml:"CreateBucketConfiguration"`
		LocationConstraint string   `xml:"LocationConstraint"`
	}
	if err := xml.Unmarshal(b, &cfg); err != nil {
		return "", newS3Error(http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
	}
	return cfg.LocationConstraint, nil
}

// validBucketName applies S3's naming rules for general purpose buckets.
func validBucketName(n string) bool {
	if len(n) < 3 || len(n) > 63 || strings.Contains(n, "..") {
		return false
	}
	for i, r := range n {
		alnum := (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9')
		if !alnum && r != '-' && r != '.' {
			return false
		}
		if (i == 0 || i == len(n)-1) && !alnum {
			return false
		}
	}
	return true
}

// urlEncodeKey encodes a key for encoding-type=url listings.
func urlEncodeKey(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "%2F", "/")
}
