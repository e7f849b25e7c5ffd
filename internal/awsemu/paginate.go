package awsemu

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// pageInput holds the paging members common to every List operation.
type pageInput struct {
	MaxResults *int    `json:"MaxResults,omitempty"`
	NextToken  *string `json:"NextToken,omitempty"`
}

// paginate returns the page of items selected by the request's NextToken and
// MaxResults, and the token of the next page (nil on the last page). Tokens
// are opaque offsets bound to the operation; they match every service's
// NextToken pattern.
func paginate[T any](e *Emulator, c *call, in pageInput, items []T) ([]T, *string, error) {
	limit := c.op.svc.defaultMax
	if e.opts.PageSize > 0 && e.opts.PageSize < limit {
		limit = e.opts.PageSize
	}
	if in.MaxResults != nil && *in.MaxResults < limit {
		limit = *in.MaxResults
	}
	if limit < 1 {
		limit = 1
	}
	start := 0
	if e.opts.EmptyPages && c.op.svc.prefix == prefixOrganizations && (in.NextToken == nil || *in.NextToken == "") {
		// AWS: "List* operations can occasionally return an empty set of
		// results even when more results are available."
		tok := encodeToken(c.op.name, 0)
		return []T{}, &tok, nil
	}
	if in.NextToken != nil && *in.NextToken != "" {
		off, ok := decodeToken(c.op.name, *in.NextToken)
		if !ok || off > len(items) {
			if c.op.svc.prefix == prefixOrganizations {
				return nil, nil, newError("InvalidInputException", "You specified an invalid value for nextToken.").with("Reason", "INVALID_NEXT_TOKEN")
			}
			return nil, nil, newError("ValidationException", "The NextToken is invalid or has expired.")
		}
		start = off
	}
	end := min(start+limit, len(items))
	page := items[start:end:end]
	if page == nil {
		page = []T{}
	}
	if end >= len(items) {
		return page, nil, nil
	}
	tok := encodeToken(c.op.name, end)
	return page, &tok, nil
}

func encodeToken(op string, offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("v1|" + op + "|" + strconv.Itoa(offset)))
}

func decodeToken(op, token string) (int, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, false
	}
	parts := strings.Split(string(raw), "|")
	if len(parts) != 3 || parts[0] != "v1" || parts[1] != op {
		return 0, false
	}
	off, err := strconv.Atoi(parts[2])
	if err != nil || off < 0 {
		return 0, false
	}
	return off, true
}

// listResult builds a List response: the items under member, and NextToken
// only when there is a next page.
func listResult(member string, items any, next *string) map[string]any {
	out := map[string]any{member: items}
	if next != nil {
		out["NextToken"] = *next
	}
	return out
}
